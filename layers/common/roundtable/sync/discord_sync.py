"""Reconcile Discord with the database: categories, roles, channels, role holders.

Reads the guild's actual channels, roles and (paged) members over REST, then
for each group: creates what is missing (also what someone deleted), adopts
an object with the expected name when our id was lost (a crash between
Discord's answer and our commit), patches drifted names, parents and
overwrites, grants and revokes the role, and posts the welcome once per text
channel. Completed and cancelled groups are archived: channels move to the
cohort's archive category, read-only for former members, and the role is
deleted (its holders lose it; Discord's 250-role limit). Only overwrites this
sync owns are compared and replaced; others (added by admins) are kept.

Each id Discord gives us is stored at once, in its own transaction, so a
failure later in the run never leaves an object we would create twice.
Members not in the guild are skipped (the group stays "pending") and get the
role from a later sync once they have joined.

Groups are reconciled server by server (each group's `guild_id`), each server's
state read once. A `channel` space has no role: its members get overwrites of
their own (only those in the guild). Thread spaces: discord_threads.py. Before
its groups, each cohort's shared channel and role on the server: discord_cohort.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.dialects.postgresql import insert

from roundtable.db.engine import transaction
from roundtable.db.tables import cohort_discord_channels, cohorts, groups
from roundtable.discord.rest import DiscordApiError
from roundtable.sync import desired as want
from roundtable.sync.discord_cohort import (
    CohortSpace,
    CohortSpaces,
    load_spaces,
    roles_to_create,
)
from roundtable.sync.discord_ops import (
    CATEGORY,
    OVERWRITE_MEMBER,
    OVERWRITE_ROLE,
    ROLE_LIMIT,
    TEXT,
    UNKNOWN_MEMBER,
    VOICE,
    GuildOps,
)
from roundtable.sync.discord_threads import CategoryKey, ThreadSpaces

logger = logging.getLogger(__name__)


class DiscordLimitError(RuntimeError):
    """Doing this would pass one of Discord's hard limits (roles, channels)."""


@dataclass
class DiscordReport:
    created: dict[str, int] = field(default_factory=dict)
    adopted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted_roles: int = 0
    welcomes: int = 0
    granted: int = 0
    revoked: int = 0
    not_in_guild: list[str] = field(default_factory=list)
    pending_groups: set[int] = field(default_factory=set)
    failures: dict[int, str] = field(default_factory=dict)

    def count(self, bucket: dict[str, int], kind: str) -> None:
        bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def mutations(self) -> int:
        """Changes made in Discord: created, updated, deleted, roles granted, revoked, welcomes."""
        changed = sum(self.created.values()) + sum(self.updated.values()) + self.deleted_roles
        return changed + self.granted + self.revoked + self.welcomes

    def as_dict(self) -> dict[str, Any]:
        result = {**self.__dict__}
        result["pending_groups"] = sorted(self.pending_groups)
        result["failures"] = {str(k): v for k, v in self.failures.items()}
        return result


@dataclass
class _Actual:
    channels: dict[str, dict[str, Any]]
    roles: dict[str, dict[str, Any]]
    holders: dict[str, set[str]]  # role id -> user ids
    in_guild: set[str] | None  # None: unknown (outbox, or not read), treat everyone as present
    claimed: set[str] = field(default_factory=set)
    # False: the member list was not read (needs_members); a grant to someone not in the
    # guild is refused by Discord (Unknown Member) and leaves the group pending.
    members_read: bool = True


def needs_members(managed: list[want.Group]) -> bool:
    """Whether the run must read the server's member list (100 pages at 100,000 members).

    Not when every live group has a role and none is stored yet: the roles are made
    now, so nobody holds them (no reads for who has them, nothing to revoke), and the
    grants themselves tell who is not in the guild. That is a publish's chunk of
    `channel_and_role` groups: without it, each chunk of a large cohort read the whole
    list again. Groups without a role (member overwrites, threads, the cohort role)
    need to know who is in the guild first."""
    live = [g for g in managed if not g.archived]
    return any(not g.has_role or g.role_id is not None for g in live)


def _needs_holders(spaces: list[CohortSpace]) -> bool:
    """A cohort role to grant (a cohort whose groups have no role, discord_cohort.py)."""
    return any(s.live and not s.by_group_roles for s in spaces)


# Groups reconciled between two calls of reconcile_discord's `each_slice` (a category).
SLICE = want.GROUPS_PER_CATEGORY


def reconcile_discord(
    engine: Engine,
    ops: GuildOps,
    group_list: list[want.Group],
    *,
    bot_id: str | None,
    now: datetime,
    each_slice: Callable[[list[want.Group]], None] | None = None,
) -> DiscordReport:
    """Make Discord match the database for these groups; a second run changes nothing.

    `ops` is the default server's (DISCORD_GUILD_ID): groups placed elsewhere are
    reconciled through `ops.for_guild`. A server that cannot be read, or would pass
    its role limit, fails its own groups only. `each_slice` is told each SLICE groups
    whose Discord part is done (reconcile.py sends their invitations then, so a chunk's
    e-mail spreads over its run instead of arriving at SendGrid in one burst)."""
    report = DiscordReport()
    by_guild: dict[str, list[want.Group]] = {}
    for group in group_list:
        if group.has_outside_state:
            by_guild.setdefault(group.guild_id or ops.guild_id, []).append(group)
    for guild_id, managed in sorted(by_guild.items()):
        guild_ops = ops.for_guild(guild_id)
        try:
            run = _Run(engine, guild_ops, _read_actual(guild_ops, managed), report, bot_id, now)
            run.legacy_categories = guild_id == ops.guild_id
            run.each_slice = each_slice
            run.reconcile_guild(managed)
        except (DiscordApiError, DiscordLimitError) as exc:
            logger.warning("Discord sync of server %s failed before its groups: %s", guild_id, exc)
            report.failures.update({g.id: str(exc) for g in managed})
    return report


def _read_actual(ops: GuildOps, managed: list[want.Group]) -> _Actual:
    if ops.outbox:  # nothing to read: trust what the database says we created
        return _Actual({}, {}, {}, None)
    channels = {str(c["id"]): c for c in ops.channels()}
    roles = {str(r["id"]): r for r in ops.roles()}
    actual = _Actual(channels, roles, {}, None, members_read=False)
    if needs_members(managed):
        _read_members(ops, actual)
    return actual


def _read_members(ops: GuildOps, actual: _Actual) -> None:
    """Who is in the guild and who holds which role, from the paged member list."""
    actual.in_guild, actual.members_read = set(), True
    for member in ops.members():
        user_id = str(member["user"]["id"])
        actual.in_guild.add(user_id)
        for role_id in member.get("roles", []):
            actual.holders.setdefault(str(role_id), set()).add(user_id)


@dataclass
class _Run:
    engine: Engine
    ops: GuildOps
    actual: _Actual
    report: DiscordReport
    bot_id: str | None
    now: datetime
    # The configured server: cohorts.discord_*category_id hold its first categories
    # from before cohort_discord_channels existed.
    legacy_categories: bool = False
    cohort_channels: dict[int, str] = field(default_factory=dict)  # discord_cohort.py
    group_roles: dict[int, str] = field(default_factory=dict)  # group -> its live role
    each_slice: Callable[[list[want.Group]], None] | None = None  # reconcile_discord's

    def reconcile_guild(self, managed: list[want.Group]) -> None:
        spaces = load_spaces(self, managed, default=self.legacy_categories)
        live = any(not g.archived for g in managed)
        if live and not self.actual.members_read and _needs_holders(spaces):
            _read_members(self.ops, self.actual)
        self.check_role_limit(managed, roles_to_create(self, spaces))
        categories = self.ensure_categories(managed)
        members_read = self.actual.members_read and live
        cohort = CohortSpaces(self, spaces, categories, members_read)
        self.cohort_channels = cohort.reconcile(managed)
        threads = ThreadSpaces(self, categories)
        done: list[want.Group] = []
        for group in managed:
            try:
                if group.in_thread:
                    threads.reconcile_group(group)
                else:
                    self.reconcile_group(group, categories)
            except DiscordApiError as exc:
                logger.warning("Discord sync of group %s failed: %s", group.id, exc)
                self.report.failures[group.id] = str(exc)
            done.append(group)
            if len(done) == SLICE or group is managed[-1]:
                self._slice_done(done)
                done = []
        cohort.open_to_groups(managed, self.group_roles)

    def _slice_done(self, done: list[want.Group]) -> None:
        if self.each_slice is not None:
            self.each_slice(done)

    # -- limits ------------------------------------------------------------------------
    def check_role_limit(self, managed: list[want.Group], cohort_roles: int = 0) -> None:
        if self.ops.outbox:
            return
        missing = [
            g
            for g in managed
            if g.has_role and not g.archived and g.role_id not in self.actual.roles
        ]
        if len(self.actual.roles) + len(missing) + cohort_roles > ROLE_LIMIT:
            raise DiscordLimitError(
                f"creating {len(missing)} group roles and {cohort_roles} cohort roles "
                f"would pass Discord's limit of "
                f"{ROLE_LIMIT} roles (the guild has {len(self.actual.roles)}); "
                "complete finished cohorts to free roles"
            )

    # -- categories ------------------------------------------------------------------
    def ensure_categories(self, managed: list[want.Group]) -> dict[CategoryKey, str]:
        stored = self.stored_channels({g.cohort_id for g in managed})
        result: dict[CategoryKey, str] = {}
        for group in managed:
            key = category_key(group)
            if key not in result:
                purpose = "archive" if key[2] else "category"
                found = stored.get((key[0], purpose, key[1]))
                result[key] = self._ensure_category(group, key, found, managed)
        return result

    def stored_channels(self, cohort_ids: set[int]) -> dict[tuple[int, str, int], str]:
        """The cohorts' own channels on this server: (cohort, purpose, bucket) -> id."""
        table = cohort_discord_channels
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    table.c.cohort_id, table.c.purpose, table.c.bucket, table.c.channel_id
                ).where(table.c.cohort_id.in_(cohort_ids), table.c.guild_id == self.ops.guild_id)
            ).all()
            legacy = conn.execute(cohorts.select().where(cohorts.c.id.in_(cohort_ids))).all()
        stored = {(row.cohort_id, row.purpose, row.bucket): row.channel_id for row in rows}
        for row in legacy if self.legacy_categories else []:
            if row.discord_category_id:
                stored.setdefault((row.id, "category", 0), row.discord_category_id)
            if row.discord_archive_category_id:
                stored.setdefault((row.id, "archive", 0), row.discord_archive_category_id)
        return stored

    def save_cohort_channel(
        self, cohort_id: int, purpose: str, bucket: int, channel_id: str
    ) -> None:
        table = cohort_discord_channels
        values = {
            "cohort_id": cohort_id,
            "guild_id": self.ops.guild_id,
            "purpose": purpose,
            "bucket": bucket,
            "channel_id": channel_id,
        }
        with transaction(self.engine) as conn:
            conn.execute(
                insert(table)
                .values(**values)
                .on_conflict_do_update(
                    index_elements=["cohort_id", "guild_id", "purpose", "bucket"],
                    set_={"channel_id": channel_id},
                )
            )

    def _ensure_category(
        self, group: want.Group, key: CategoryKey, stored: str | None, managed: list[want.Group]
    ) -> str:
        _, bucket, archive = key
        name = want.category_name(group.cohort_name, bucket, archive=archive)
        overwrites = self.overwrites(want.category_overwrites(), None)
        if stored and self.ops.outbox:
            return stored
        existing = self.existing(stored, CATEGORY) or self._category_in_use(key, managed)
        existing = existing or self.adoptable(name, CATEGORY, None)
        if existing is None:
            channel_id = self.create_channel("category", name, CATEGORY, None, overwrites)
        else:
            channel_id = str(existing["id"])
            self.patch_channel("category", existing, name, None, overwrites, set())
        if channel_id != stored:
            self.save_cohort_channel(
                key[0], "archive" if archive else "category", bucket, channel_id
            )
        return channel_id

    def _category_in_use(
        self, key: CategoryKey, managed: list[want.Group]
    ) -> dict[str, Any] | None:
        """Categories made before they were stored are found through the channels in them."""
        if key[1] == 0:
            return None
        for other in managed:
            if category_key(other) != key or other.in_thread:
                continue
            channel = self.actual.channels.get(other.text_channel_id or "")
            parent = self.actual.channels.get(str((channel or {}).get("parent_id")))
            if parent is not None and parent["type"] == CATEGORY:
                return parent
        return None

    # -- one group -------------------------------------------------------------------
    def reconcile_group(self, group: want.Group, categories: dict[CategoryKey, str]) -> None:
        parent = categories[category_key(group)]
        live_role = group.has_role and not group.archived
        role_id = self._ensure_role(group) if live_role else None
        if role_id is not None:
            self.group_roles[group.id] = role_id
        text_id, text_created = self._ensure_group_channel(group, TEXT, parent, role_id)
        self._ensure_group_channel(group, VOICE, parent, role_id)
        if role_id is None:
            self._remove_role(group)  # archived_at: reconcile.py, once the calendar is done too
        if group.archived:
            return
        if role_id is not None:
            self._sync_holders(group, role_id)
        else:
            self.mark_absent_members(group, _own_members(group))
        if text_created or group.welcome_message_id is None:
            self.post_welcome(group, text_id)

    def post_welcome(self, group: want.Group, channel_id: str) -> None:
        message = self.ops.post_message(channel_id, want.welcome_message(group))
        self.save(groups, group.id, discord_welcome_message_id=str(message["id"]))
        self.report.welcomes += 1

    def mark_absent_members(self, group: want.Group, wanted: set[str]) -> set[str]:
        """Those of `wanted` in the guild; the others leave the group pending."""
        if self.actual.in_guild is None:
            return wanted
        for user_id in sorted(wanted - self.actual.in_guild):
            self.not_in_guild(group, user_id)
        return wanted & self.actual.in_guild

    # -- roles -----------------------------------------------------------------------
    def _ensure_role(self, group: want.Group) -> str:
        role_id = self.ensure_role(group.role_id, want.role_name(group), "role")
        if role_id != group.role_id:
            self.save(groups, group.id, discord_role_id=role_id)
        return role_id

    def ensure_role(self, stored: str | None, name: str, label: str) -> str:
        """The role `name` (ours: no permissions, not mentionable), made, adopted or put
        right; `stored` is the id the database holds, `label` the report's word for it.
        The caller saves an id that differs from `stored`."""
        if stored and self.ops.outbox:
            return stored
        role = self.actual.roles.get(stored or "")
        if role is None:
            role = self._adoptable_role(name)
            if role is not None:
                self.report.count(self.report.adopted, label)
        if role is None:
            role = self.ops.create_role({"name": name, "permissions": "0", "mentionable": False})
            self.actual.roles[str(role["id"])] = role
            self.report.count(self.report.created, label)
        elif role.get("name") != name or str(role.get("permissions")) != "0":
            role = self.ops.edit_role(str(role["id"]), {"name": name, "permissions": "0"})
            self.report.count(self.report.updated, label)
        role_id = str(role["id"])
        self.actual.claimed.add(role_id)
        return role_id

    def _adoptable_role(self, name: str) -> dict[str, Any] | None:
        for role in self.actual.roles.values():
            if role.get("name") == name and str(role["id"]) not in self.actual.claimed:
                return role
        return None

    def _remove_role(self, group: want.Group) -> None:
        if group.role_id is None:
            return
        if group.role_id in self.actual.roles or self.ops.outbox:
            # Deleting the role also takes it from every holder: one call, not one per member.
            self.ops.delete_role(group.role_id, reason=f"Roundtable: group {group.status}")
            self.actual.roles.pop(group.role_id, None)
            self.report.deleted_roles += 1
        self.save(groups, group.id, discord_role_id=None)

    def _sync_holders(self, group: want.Group, role_id: str) -> None:
        wanted = want.role_holders(group)
        if self.ops.outbox:
            have = wanted if group.role_id == role_id else set()
        else:
            have = self.actual.holders.get(role_id, set())
        for user_id in sorted(wanted - have):
            if self.actual.in_guild is not None and user_id not in self.actual.in_guild:
                self.not_in_guild(group, user_id)
                continue
            try:
                self.ops.add_member_role(user_id, role_id)
                self.report.granted += 1
            except DiscordApiError as exc:
                if exc.code != UNKNOWN_MEMBER:
                    raise
                self.not_in_guild(group, user_id)  # left the guild since we listed members
        for user_id in sorted(have - wanted):
            try:
                self.ops.remove_member_role(user_id, role_id)
                self.report.revoked += 1
            except DiscordApiError as exc:
                if exc.code != UNKNOWN_MEMBER:
                    raise

    def not_in_guild(self, group: want.Group, user_id: str) -> None:
        self.report.not_in_guild.append(user_id)
        self.report.pending_groups.add(group.id)

    # -- channels ---------------------------------------------------------------------
    def _ensure_group_channel(
        self, group: want.Group, kind: int, parent: str, role_id: str | None
    ) -> tuple[str, bool]:
        """The channel's id and whether it was created in this run."""
        label = "text" if kind == TEXT else "voice"
        stored = group.text_channel_id if kind == TEXT else group.voice_channel_id
        name = want.text_channel_name(group) if kind == TEXT else want.voice_channel_name(group)
        wanted = want.text_overwrites(group) if kind == TEXT else want.voice_overwrites(group)
        absent = self._absent_own_members(group)
        overwrites = self.overwrites([o for o in wanted if o.member_id not in absent], role_id)
        if stored and self.ops.outbox:
            return stored, False
        existing = self.existing(stored, kind) or self.adoptable(name, kind, parent)
        if existing is not None:
            managed = {group.role_id or "", role_id or ""} | want.managed_member_ids(group)
            self.patch_channel(label, existing, name, parent, overwrites, managed)
            channel_id, created = str(existing["id"]), False
        else:
            channel_id, created = self.create_channel(label, name, kind, parent, overwrites), True
        if channel_id != stored:
            column = "discord_text_channel_id" if kind == TEXT else "discord_voice_channel_id"
            self.save(groups, group.id, **{column: channel_id})
        return channel_id, created

    def _absent_own_members(self, group: want.Group) -> set[str]:
        """A `channel` space's live members not in the guild: no overwrite for them yet."""
        if group.has_role or group.archived or self.actual.in_guild is None:
            return set()
        return _own_members(group) - self.actual.in_guild

    def existing(self, stored: str | None, kind: int) -> dict[str, Any] | None:
        channel = self.actual.channels.get(stored or "")
        if channel is None or channel["type"] != kind:
            return None
        self.actual.claimed.add(str(channel["id"]))
        return channel

    def adoptable(self, name: str, kind: int, parent: str | None) -> dict[str, Any] | None:
        for channel in self.actual.channels.values():
            if (channel["type"], channel["name"], channel.get("parent_id")) != (kind, name, parent):
                continue
            if str(channel["id"]) not in self.actual.claimed:
                self.actual.claimed.add(str(channel["id"]))
                self.report.count(self.report.adopted, "channel")
                return channel
        return None

    def create_channel(
        self,
        label: str,
        name: str,
        kind: int,
        parent: str | None,
        overwrites: list[dict[str, Any]],
    ) -> str:
        body: dict[str, Any] = {"name": name, "type": kind, "permission_overwrites": overwrites}
        if parent is not None:
            body["parent_id"] = parent
        channel = self.ops.create_channel(body)
        channel_id = str(channel["id"])
        self.actual.channels[channel_id] = channel
        self.actual.claimed.add(channel_id)
        self.report.count(self.report.created, label)
        return channel_id

    def patch_channel(
        self,
        label: str,
        channel: dict[str, Any],
        name: str,
        parent: str | None,
        overwrites: list[dict[str, Any]],
        managed_members: set[str],
    ) -> None:
        body: dict[str, Any] = {}
        if channel.get("name") != name:
            body["name"] = name
        if parent is not None and channel.get("parent_id") != parent:
            body["parent_id"] = parent
        merged = self._merged_overwrites(channel, overwrites, managed_members)
        if merged is not None:
            body["permission_overwrites"] = merged
        if body:
            self.actual.channels[str(channel["id"])] = self.ops.edit_channel(
                str(channel["id"]), body
            )
            self.report.count(self.report.updated, label)

    def _merged_overwrites(
        self,
        channel: dict[str, Any],
        overwrites: list[dict[str, Any]],
        managed_members: set[str],
    ) -> list[dict[str, Any]] | None:
        """The full list to send (ours replaced, others kept), or None when ours match."""
        ours = {self.ops.guild_id, self.bot_id or ""} | managed_members
        ours |= {o["id"] for o in overwrites}
        current = [_normal(o) for o in channel.get("permission_overwrites", [])]
        mine = sorted((o for o in current if o["id"] in ours), key=_key)
        if mine == sorted(overwrites, key=_key):
            return None
        return [o for o in current if o["id"] not in ours] + overwrites

    def overwrites(self, wanted: list[want.Overwrite], role_id: str | None) -> list[dict[str, Any]]:
        """Discord's shape; targets we have no id for (no bot id configured) are left out."""
        result = []
        for overwrite in wanted:
            target_id, kind = {
                "everyone": (self.ops.guild_id, OVERWRITE_ROLE),
                "bot": (self.bot_id, OVERWRITE_MEMBER),
                "role": (role_id, OVERWRITE_ROLE),
                "member": (overwrite.member_id, OVERWRITE_MEMBER),
            }[overwrite.target]
            if target_id:
                allow, deny = str(overwrite.allow), str(overwrite.deny)
                result.append({"id": str(target_id), "type": kind, "allow": allow, "deny": deny})
        return result

    # -- storage ----------------------------------------------------------------------
    def save(self, table: Any, row_id: int, **values: Any) -> None:
        with transaction(self.engine) as conn:
            conn.execute(update(table).where(table.c.id == row_id).values(**values))


def category_key(group: want.Group) -> CategoryKey:
    """A group's category: its bucket's, live or archive. A thread space's channels live
    in the cohort's first category, archived or not (its thread is locked instead)."""
    if group.in_thread:
        return group.cohort_id, 0, False
    return group.cohort_id, group.bucket, group.archived


def _own_members(group: want.Group) -> set[str]:
    """Live members who get an overwrite of their own in a `channel` space."""
    if group.has_role:
        return set()
    return {m.discord_id for m in group.active_members if m.discord_id}


def _normal(overwrite: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(overwrite["id"]),
        "type": int(overwrite.get("type", 0)),
        "allow": str(overwrite.get("allow", "0")),
        "deny": str(overwrite.get("deny", "0")),
    }


def _key(overwrite: dict[str, Any]) -> tuple[str, int]:
    return overwrite["id"], overwrite["type"]
