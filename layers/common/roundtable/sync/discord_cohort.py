"""The cohort's shared space on each server its groups are on: a text channel (and a role).

Desired (from the database), per cohort and server:
- when its groups there have roles (`channel_and_role`): no role of its own. The
  channel has an overwrite for each live group's role (set one at a time,
  PUT /channels/{id}/permissions/{role}, after the group's role exists, so the
  publish's parallel chunks never overwrite each other's), and one per guest
  with access this week who holds none of those roles (a guest's own group may
  be on another server). One call per group instead of a role grant per member:
  at most 250 roles a server, so at most that many overwrites on the channel.
- otherwise (`channel` and thread spaces, whose groups have no role) a role
  "<cohort> (cohort)", held by the active members (learners and facilitators)
  of the cohort's active groups there, and by this week's guests of those
  groups. A thread space needs it: a private thread is reached through its
  parent channel, which its members must see; threads have no overwrites, and
  their members are added one by one (PUT /channels/{thread}/thread-members/{user}).
- a text channel visible to that role (or those roles) only. A cohort with thread spaces
  already has a text channel on the server, the parent of its groups' private
  threads: it is the cohort's channel (the role reads and writes in it, each
  group in its own thread), not a second one. Otherwise a channel
  "<cohort>-general" outside the categories: a category holds 50 channels, and
  the cohort's first one is full with 25 groups.
- Once the cohort's groups there have all ended (completed or cancelled): the
  role deleted (Discord's 250-role limit) and the channel read-only for the
  groups' former members, like a group's archived channel.

Ids are stored at once: the role in cohort_discord_roles, the channel in
cohort_discord_channels ('chat', or the thread spaces' 'threads').

One server's run (discord_sync._Run, passed in as a `RunPort`) does this before
its groups, so a thread space finds its parent channel ready.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine, delete, or_, select
from sqlalchemy.dialects.postgresql import insert

from roundtable.db.engine import transaction
from roundtable.db.tables import cohort_discord_channels, cohort_discord_roles, groups
from roundtable.discord.client import DiscordApiError
from roundtable.sync import desired as want
from roundtable.sync.discord_ops import OVERWRITE_ROLE, TEXT, UNKNOWN_MEMBER
from roundtable.sync.discord_threads import CategoryKey, GuildRun

logger = logging.getLogger(__name__)
_NAME_JUNK = re.compile(r"[^a-z0-9_]+")
# In a thread space's channel the cohort also writes inside the threads it is in.
COHORT_TEXT = want.ROLE_TEXT | want.SEND_MESSAGES_IN_THREADS


class RunPort(GuildRun, Protocol):
    """What this needs of one server's run (discord_sync._Run): what its thread half
    needs (channels, overwrites, the cohort's stored channels), and its state."""

    engine: Engine
    actual: Any  # discord_sync._Actual: channels, roles, holders, in_guild, claimed
    now: datetime

    def ensure_role(self, stored: str | None, name: str, label: str) -> str: ...


@dataclass(frozen=True)
class CohortSpace:
    """One cohort's space on one server, as the database says it should be."""

    cohort_id: int
    cohort_name: str
    threads: bool  # its groups are thread spaces: their parent channel is the cohort's
    live: bool  # some group of the cohort is active on the server
    by_group_roles: bool  # its groups have roles: they open the channel, no cohort role
    guests: frozenset[str]  # this week's guests holding none of those roles (by_group_roles)
    holders: frozenset[str]  # who should hold the role
    readers: frozenset[str]  # former members: read the archived channel
    managed: frozenset[str]  # every member overwrite this sync owns on the channel
    role_id: str | None
    channel_id: str | None

    @property
    def purpose(self) -> str:
        return "threads" if self.threads else "chat"


def role_name(cohort_name: str) -> str:
    return f"{cohort_name} (cohort)"[:100]


def channel_name(space: CohortSpace) -> str:
    """Discord's normal form of a text channel name, so names compare equal."""
    if space.threads:
        return want.threads_channel_name(space.cohort_name)
    name = _NAME_JUNK.sub("-", f"{space.cohort_name} general".lower()).strip("-")
    return name[:100] or "general"


def channel_overwrites(space: CohortSpace) -> list[want.Overwrite]:
    """Live: the cohort role reads and writes. Ended: former members read only."""
    result = [
        want.Overwrite("everyone", 0, want.VIEW_CHANNEL),
        want.Overwrite("bot", want.BOT_TEXT),
    ]
    if space.live and space.by_group_roles:  # the groups' roles: open_to_groups
        guests = (want.Overwrite("member", COHORT_TEXT, member_id=d) for d in sorted(space.guests))
        return [*result, *guests]
    if space.live:
        return [*result, want.Overwrite("role", COHORT_TEXT)]
    return result + [
        want.Overwrite("member", want.ARCHIVE_READ, want.SEND_MESSAGES, member_id=d)
        for d in sorted(space.readers)
    ]


def load_spaces(run: RunPort, managed: list[want.Group], *, default: bool) -> list[CohortSpace]:
    """The spaces of the cohorts of `managed` on the run's server (`default`: the
    configured DISCORD_GUILD_ID, which also holds the groups with no server stored)."""
    cohort_ids = sorted({g.cohort_id for g in managed})
    guild_id = run.ops.guild_id
    on_server = groups.c.discord_guild_id == guild_id
    if default:
        on_server = or_(on_server, groups.c.discord_guild_id.is_(None))
    with run.engine.connect() as conn:
        group_ids = list(
            conn.scalars(
                select(groups.c.id).where(
                    groups.c.cohort_id.in_(cohort_ids),
                    groups.c.published_at.is_not(None),
                    on_server,
                )
            )
        )
        everyone = want.load_groups(conn, group_ids, now=run.now)
        roles = dict(
            conn.execute(
                select(cohort_discord_roles.c.cohort_id, cohort_discord_roles.c.role_id).where(
                    cohort_discord_roles.c.cohort_id.in_(cohort_ids),
                    cohort_discord_roles.c.guild_id == guild_id,
                )
            ).all()
        )
        channels = _stored_channels(conn, cohort_ids, guild_id)
    return [
        _space(cohort_id, [g for g in everyone if g.cohort_id == cohort_id], roles, channels)
        for cohort_id in cohort_ids
        if any(g.cohort_id == cohort_id for g in everyone)
    ]


def _stored_channels(conn: Any, cohort_ids: list[int], guild_id: str) -> dict[tuple[int, str], str]:
    table = cohort_discord_channels
    rows = conn.execute(
        select(table.c.cohort_id, table.c.purpose, table.c.channel_id).where(
            table.c.cohort_id.in_(cohort_ids),
            table.c.guild_id == guild_id,
            table.c.purpose.in_(("chat", "threads")),
        )
    ).all()
    return {(row.cohort_id, row.purpose): row.channel_id for row in rows}


def _space(
    cohort_id: int,
    cohort_groups: list[want.Group],
    roles: dict[int, str],
    channels: dict[tuple[int, str], str],
) -> CohortSpace:
    live = [g for g in cohort_groups if g.status in want.LIVE_STATUSES]
    holders = {m.discord_id for g in live for m in g.active_members if m.discord_id}
    holders |= {x.discord_id for g in live for x in g.guests if x.has_access and x.discord_id}
    readers = {m.discord_id for g in cohort_groups for m in want.former_members(g) if m.discord_id}
    managed = set().union(*(want.managed_member_ids(g) for g in cohort_groups))
    threads = any(g.in_thread for g in cohort_groups)
    members = {m.discord_id for g in live for m in g.active_members if m.discord_id}
    return CohortSpace(
        cohort_id=cohort_id,
        cohort_name=cohort_groups[0].cohort_name,
        threads=threads,
        live=bool(live),
        by_group_roles=all(g.has_role for g in cohort_groups),
        guests=frozenset(holders - members),
        holders=frozenset(holders),
        readers=frozenset(readers),
        managed=frozenset(managed),
        role_id=roles.get(cohort_id),
        channel_id=channels.get((cohort_id, "threads" if threads else "chat")),
    )


def roles_to_create(run: RunPort, spaces: list[CohortSpace]) -> int:
    """Cohort roles this run would create on the server (its role-limit check counts them)."""
    return sum(
        1 for s in spaces if s.live and not s.by_group_roles and s.role_id not in run.actual.roles
    )


# -- the reconcile ----------------------------------------------------------------------
@dataclass
class CohortSpaces:
    """The cohort half of one server's run: each cohort's role, channel and role holders."""

    run: RunPort
    spaces: list[CohortSpace]
    categories: dict[CategoryKey, str]
    members_read: bool  # the run read the guild's members (some group was live)
    channels: dict[int, str] = field(default_factory=dict)  # cohort -> its channel

    def reconcile(self, managed: list[want.Group]) -> dict[int, str]:
        """Each cohort's space; a failure fails that cohort's groups in the run only."""
        for space in self.spaces:
            try:
                self._reconcile(space)
            except DiscordApiError as exc:
                logger.warning("Discord space of cohort %s failed: %s", space.cohort_id, exc)
                for group in managed:
                    if group.cohort_id == space.cohort_id:
                        self.run.report.failures[group.id] = str(exc)
        return self.channels

    def _reconcile(self, space: CohortSpace) -> None:
        role_id = self._ensure_role(space) if space.live and not space.by_group_roles else None
        self.channels[space.cohort_id] = self._ensure_channel(space, role_id)
        if role_id is None:
            self._remove_role(space)
        elif self.members_read:
            self._sync_holders(space, role_id)

    # -- the role --------------------------------------------------------------------
    def _ensure_role(self, space: CohortSpace) -> str:
        role_id = self.run.ensure_role(space.role_id, role_name(space.cohort_name), "cohort_role")
        if role_id != space.role_id:
            self._save_role(space, role_id)
        return role_id

    def _remove_role(self, space: CohortSpace) -> None:
        if space.role_id is None:
            return
        run = self.run
        if space.role_id in run.actual.roles or run.ops.outbox:
            run.ops.delete_role(space.role_id, reason="Roundtable: the cohort's groups ended")
            run.actual.roles.pop(space.role_id, None)
            run.report.deleted_roles += 1
        self._save_role(space, None)

    def _save_role(self, space: CohortSpace, role_id: str | None) -> None:
        table = cohort_discord_roles
        key = (table.c.cohort_id == space.cohort_id, table.c.guild_id == self.run.ops.guild_id)
        with transaction(self.run.engine) as conn:
            if role_id is None:
                conn.execute(delete(table).where(*key))
                return
            values = {"cohort_id": space.cohort_id, "guild_id": self.run.ops.guild_id}
            conn.execute(
                insert(table)
                .values(**values, role_id=role_id)
                .on_conflict_do_update(
                    index_elements=["cohort_id", "guild_id"], set_={"role_id": role_id}
                )
            )

    def _sync_holders(self, space: CohortSpace, role_id: str) -> None:
        run = self.run
        wanted = set(space.holders)
        if run.actual.in_guild is not None:
            wanted &= run.actual.in_guild  # the others: their group waits (discord_sync)
        if run.ops.outbox:
            have = wanted if space.role_id == role_id else set()
        else:
            have = run.actual.holders.get(role_id, set())
        for user_id in sorted(wanted - have):
            if self._change_holder(run.ops.add_member_role, user_id, role_id):
                run.report.granted += 1
        for user_id in sorted(have - wanted):
            if self._change_holder(run.ops.remove_member_role, user_id, role_id):
                run.report.revoked += 1

    @staticmethod
    def _change_holder(change: Callable[[str, str], None], user_id: str, role_id: str) -> bool:
        """False for a member who left the guild since the list was read: nothing to change."""
        try:
            change(user_id, role_id)
        except DiscordApiError as exc:
            if exc.code != UNKNOWN_MEMBER:
                raise
            return False
        return True

    # -- the groups' roles on the channel ------------------------------------------------
    def open_to_groups(self, managed: list[want.Group], group_roles: dict[int, str]) -> None:
        """After the groups: each live group's role (`group_roles`, made by the run) reads
        and writes in its cohort's channel, one overwrite each; a failure fails that group."""
        by_cohort = {s.cohort_id: s for s in self.spaces if s.live and s.by_group_roles}
        for group in managed:
            space = by_cohort.get(group.cohort_id)
            role_id = group_roles.get(group.id)
            channel_id = self.channels.get(group.cohort_id)
            if space is None or role_id is None or channel_id is None or group.archived:
                continue
            try:
                self._open_to(group, channel_id, role_id)
            except DiscordApiError as exc:
                logger.warning("cohort channel for group %s failed: %s", group.id, exc)
                self.run.report.failures[group.id] = str(exc)

    def _open_to(self, group: want.Group, channel_id: str, role_id: str) -> None:
        run = self.run
        wanted = {"id": role_id, "type": OVERWRITE_ROLE, "allow": str(COHORT_TEXT), "deny": "0"}
        if run.ops.outbox:
            if group.role_id != role_id:  # a role made now: its overwrite is not set yet
                run.ops.set_overwrite(channel_id, wanted)
            return
        channel = run.actual.channels.get(channel_id)
        current = list((channel or {}).get("permission_overwrites", []))
        found = next((o for o in current if str(o["id"]) == role_id), None)
        if found is not None and _same(found, wanted):
            return
        run.ops.set_overwrite(channel_id, wanted)
        run.report.count(run.report.updated, "cohort_channel_role")
        if channel is not None:
            others = [o for o in current if str(o["id"]) != role_id]
            channel["permission_overwrites"] = [*others, wanted]

    # -- the channel -----------------------------------------------------------------
    def _ensure_channel(self, space: CohortSpace, role_id: str | None) -> str:
        run, name = self.run, channel_name(space)
        if space.channel_id and run.ops.outbox:
            return space.channel_id
        overwrites = run.overwrites(channel_overwrites(space), role_id)
        # A thread space's channel, the parent of its groups' threads, is in the cohort's
        # first category (discord_threads uses the one made here); a 'chat' channel in none.
        parent = self.categories.get((space.cohort_id, 0, False)) if space.threads else None
        existing = run.existing(space.channel_id, TEXT) or run.adoptable(name, TEXT, parent)
        if existing is None:
            channel_id = run.create_channel(space.purpose, name, TEXT, parent, overwrites)
        else:
            channel_id = str(existing["id"])
            managed = set(space.managed) | {space.role_id or "", role_id or ""}
            run.patch_channel(space.purpose, existing, name, None, overwrites, managed)
        if channel_id != space.channel_id:
            run.save_cohort_channel(space.cohort_id, space.purpose, 0, channel_id)
        return channel_id


def _same(overwrite: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return (int(overwrite.get("type", 0)), str(overwrite.get("allow", "0"))) == (
        wanted["type"],
        wanted["allow"],
    ) and str(overwrite.get("deny", "0")) == wanted["deny"]
