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
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, update

from roundtable.db.engine import transaction
from roundtable.db.tables import cohorts, groups
from roundtable.discord.rest import DiscordApiError
from roundtable.sync import desired as want
from roundtable.sync.discord_ops import (
    CATEGORY,
    OVERWRITE_MEMBER,
    OVERWRITE_ROLE,
    ROLE_LIMIT,
    TEXT,
    VOICE,
    GuildOps,
)

logger = logging.getLogger(__name__)
_UNKNOWN_MEMBER = 10007


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
    in_guild: set[str] | None  # None: unknown (outbox), treat everyone as present
    claimed: set[str] = field(default_factory=set)


def reconcile_discord(
    engine: Engine,
    ops: GuildOps,
    group_list: list[want.Group],
    *,
    bot_id: str | None,
    now: datetime,
) -> DiscordReport:
    """Make Discord match the database for these groups; a second run changes nothing."""
    report = DiscordReport()
    managed = [g for g in group_list if g.has_outside_state]
    if not managed:
        return report
    run = _Run(engine, ops, _read_actual(ops, managed), report, bot_id, now)
    run.check_role_limit(managed)
    categories = run.ensure_categories(managed)
    for group in managed:
        try:
            run.reconcile_group(group, categories)
        except DiscordApiError as exc:
            logger.warning("Discord sync of group %s failed: %s", group.id, exc)
            report.failures[group.id] = str(exc)
    return report


def _read_actual(ops: GuildOps, managed: list[want.Group]) -> _Actual:
    if ops.outbox:  # nothing to read: trust what the database says we created
        return _Actual({}, {}, {}, None)
    channels = {str(c["id"]): c for c in ops.channels()}
    roles = {str(r["id"]): r for r in ops.roles()}
    holders: dict[str, set[str]] = {}
    in_guild: set[str] = set()
    if any(not g.archived for g in managed):
        for member in ops.members():
            user_id = str(member["user"]["id"])
            in_guild.add(user_id)
            for role_id in member.get("roles", []):
                holders.setdefault(str(role_id), set()).add(user_id)
    return _Actual(channels, roles, holders, in_guild)


@dataclass
class _Run:
    engine: Engine
    ops: GuildOps
    actual: _Actual
    report: DiscordReport
    bot_id: str | None
    now: datetime

    # -- limits ------------------------------------------------------------------------
    def check_role_limit(self, managed: list[want.Group]) -> None:
        if self.ops.outbox:
            return
        missing = [g for g in managed if not g.archived and g.role_id not in self.actual.roles]
        if len(self.actual.roles) + len(missing) > ROLE_LIMIT:
            raise DiscordLimitError(
                f"creating {len(missing)} group roles would pass Discord's limit of "
                f"{ROLE_LIMIT} roles (the guild has {len(self.actual.roles)}); "
                "complete finished cohorts to free roles"
            )

    # -- categories ------------------------------------------------------------------
    def ensure_categories(self, managed: list[want.Group]) -> dict[tuple[int, int, bool], str]:
        stored = self._stored_categories(managed)
        result: dict[tuple[int, int, bool], str] = {}
        for group in managed:
            key = (group.cohort_id, group.bucket, group.archived)
            if key not in result:
                result[key] = self._ensure_category(group, stored.get(key), managed)
        return result

    def _stored_categories(self, managed: list[want.Group]) -> dict[tuple[int, int, bool], str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                cohorts.select().where(cohorts.c.id.in_({g.cohort_id for g in managed}))
            ).all()
        stored: dict[tuple[int, int, bool], str] = {}
        for row in rows:
            if row.discord_category_id:
                stored[(row.id, 0, False)] = row.discord_category_id
            if row.discord_archive_category_id:
                stored[(row.id, 0, True)] = row.discord_archive_category_id
        return stored

    def _ensure_category(
        self, group: want.Group, stored: str | None, managed: list[want.Group]
    ) -> str:
        name = want.category_name(group.cohort_name, group.bucket, archive=group.archived)
        overwrites = self._overwrites(want.category_overwrites(), None)
        if stored and self.ops.outbox:
            return stored
        existing = self._existing(stored, CATEGORY) or self._category_in_use(group, managed)
        existing = existing or self._adoptable(name, CATEGORY, None)
        if existing is None:
            channel_id = self._create_channel("category", name, CATEGORY, None, overwrites)
        else:
            channel_id = str(existing["id"])
            self._patch_channel("category", existing, name, None, overwrites, set())
        if group.bucket == 0 and channel_id != stored:
            column = "discord_archive_category_id" if group.archived else "discord_category_id"
            self._save(cohorts, group.cohort_id, **{column: channel_id})
        return channel_id

    def _category_in_use(
        self, group: want.Group, managed: list[want.Group]
    ) -> dict[str, Any] | None:
        """Categories past the first are found through the channels already in them."""
        if group.bucket == 0:
            return None
        for other in managed:
            same = (other.cohort_id, other.bucket, other.archived)
            if same != (group.cohort_id, group.bucket, group.archived):
                continue
            channel = self.actual.channels.get(other.text_channel_id or "")
            parent = self.actual.channels.get(str((channel or {}).get("parent_id")))
            if parent is not None and parent["type"] == CATEGORY:
                return parent
        return None

    # -- one group -------------------------------------------------------------------
    def reconcile_group(
        self, group: want.Group, categories: dict[tuple[int, int, bool], str]
    ) -> None:
        parent = categories[(group.cohort_id, group.bucket, group.archived)]
        role_id = None if group.archived else self._ensure_role(group)
        text_id, text_created = self._ensure_group_channel(group, TEXT, parent, role_id)
        self._ensure_group_channel(group, VOICE, parent, role_id)
        if group.archived:
            self._remove_role(group)  # archived_at: reconcile.py, once the calendar is done too
            return
        assert role_id is not None
        self._sync_holders(group, role_id)
        if text_created or group.welcome_message_id is None:
            message = self.ops.post_message(text_id, want.welcome_message(group))
            self._save(groups, group.id, discord_welcome_message_id=str(message["id"]))
            self.report.welcomes += 1

    # -- roles -----------------------------------------------------------------------
    def _ensure_role(self, group: want.Group) -> str:
        name = want.role_name(group)
        body = {"name": name, "permissions": "0", "mentionable": False}
        if group.role_id and self.ops.outbox:
            return group.role_id
        role = self.actual.roles.get(group.role_id or "")
        if role is None:
            role = self._adoptable_role(name)
            if role is not None:
                self.report.count(self.report.adopted, "role")
        if role is None:
            role = self.ops.create_role(body)
            self.actual.roles[str(role["id"])] = role
            self.report.count(self.report.created, "role")
        elif role.get("name") != name or str(role.get("permissions")) != "0":
            role = self.ops.edit_role(str(role["id"]), {"name": name, "permissions": "0"})
            self.report.count(self.report.updated, "role")
        role_id = str(role["id"])
        self.actual.claimed.add(role_id)
        if role_id != group.role_id:
            self._save(groups, group.id, discord_role_id=role_id)
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
        self._save(groups, group.id, discord_role_id=None)

    def _sync_holders(self, group: want.Group, role_id: str) -> None:
        wanted = want.role_holders(group)
        if self.ops.outbox:
            have = wanted if group.role_id == role_id else set()
        else:
            have = self.actual.holders.get(role_id, set())
        for user_id in sorted(wanted - have):
            if self.actual.in_guild is not None and user_id not in self.actual.in_guild:
                self._not_in_guild(group, user_id)
                continue
            try:
                self.ops.add_member_role(user_id, role_id)
                self.report.granted += 1
            except DiscordApiError as exc:
                if exc.code != _UNKNOWN_MEMBER:
                    raise
                self._not_in_guild(group, user_id)  # left the guild since we listed members
        for user_id in sorted(have - wanted):
            try:
                self.ops.remove_member_role(user_id, role_id)
                self.report.revoked += 1
            except DiscordApiError as exc:
                if exc.code != _UNKNOWN_MEMBER:
                    raise

    def _not_in_guild(self, group: want.Group, user_id: str) -> None:
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
        overwrites = self._overwrites(wanted, role_id)
        if stored and self.ops.outbox:
            return stored, False
        existing = self._existing(stored, kind) or self._adoptable(name, kind, parent)
        if existing is not None:
            managed = {group.role_id or "", role_id or ""} | want.managed_member_ids(group)
            self._patch_channel(label, existing, name, parent, overwrites, managed)
            channel_id, created = str(existing["id"]), False
        else:
            channel_id, created = self._create_channel(label, name, kind, parent, overwrites), True
        if channel_id != stored:
            column = "discord_text_channel_id" if kind == TEXT else "discord_voice_channel_id"
            self._save(groups, group.id, **{column: channel_id})
        return channel_id, created

    def _existing(self, stored: str | None, kind: int) -> dict[str, Any] | None:
        channel = self.actual.channels.get(stored or "")
        if channel is None or channel["type"] != kind:
            return None
        self.actual.claimed.add(str(channel["id"]))
        return channel

    def _adoptable(self, name: str, kind: int, parent: str | None) -> dict[str, Any] | None:
        for channel in self.actual.channels.values():
            if (channel["type"], channel["name"], channel.get("parent_id")) != (kind, name, parent):
                continue
            if str(channel["id"]) not in self.actual.claimed:
                self.actual.claimed.add(str(channel["id"]))
                self.report.count(self.report.adopted, "channel")
                return channel
        return None

    def _create_channel(
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

    def _patch_channel(
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

    def _overwrites(
        self, wanted: list[want.Overwrite], role_id: str | None
    ) -> list[dict[str, Any]]:
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
    def _save(self, table: Any, row_id: int, **values: Any) -> None:
        with transaction(self.engine) as conn:
            conn.execute(update(table).where(table.c.id == row_id).values(**values))


def _normal(overwrite: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(overwrite["id"]),
        "type": int(overwrite.get("type", 0)),
        "allow": str(overwrite.get("allow", "0")),
        "deny": str(overwrite.get("deny", "0")),
    }


def _key(overwrite: dict[str, Any]) -> tuple[str, int]:
    return overwrite["id"], overwrite["type"]
