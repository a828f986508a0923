"""Thread spaces: a private thread per group in its cohort's "groups" channel.

Per cohort and server: a text channel "<cohort>-groups" in the cohort's first
category, which is also the cohort's own channel (discord_cohort.py reconciles
it: the cohort's role sees it, each group writes in its own thread); with
the `thread` space, also one voice room "<cohort> voice" for the cohort's
groups (threads have no voice of their own). Both are stored in
cohort_discord_channels ("threads", "voice").

Per group: a private thread (type 12, not invitable, archived by Discord after
a week without messages), its id in groups.discord_text_channel_id (the shared
voice room's in discord_voice_channel_id). Its members are the thread's
members: missing ones are added (those in the guild; the others leave the
group pending), departed ones removed. Discord refuses member changes in an
archived thread, so a thread archived for inactivity is reopened first when
its members change. A finished group's thread keeps its former members and is
archived and locked: they read it, nobody writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from roundtable.db.tables import groups
from roundtable.discord.rest import DiscordApiError
from roundtable.sync import desired as want
from roundtable.sync.discord_ops import TEXT, UNKNOWN_MEMBER, VOICE, GuildOps

CategoryKey = tuple[int, int, bool]  # cohort, bucket, archive


class GuildRun(Protocol):
    """What a thread space needs of one server's run (discord_sync._Run provides it)."""

    ops: GuildOps
    report: Any  # discord_sync.DiscordReport
    cohort_channels: dict[int, str]  # cohort id -> its own channel (discord_cohort.py)

    def save(self, table: Any, row_id: int, **values: Any) -> None: ...
    def stored_channels(self, cohort_ids: set[int]) -> dict[tuple[int, str, int], str]: ...
    def save_cohort_channel(
        self, cohort_id: int, purpose: str, bucket: int, channel_id: str
    ) -> None: ...
    def overwrites(
        self, wanted: list[want.Overwrite], role_id: str | None
    ) -> list[dict[str, Any]]: ...
    def existing(self, stored: str | None, kind: int) -> dict[str, Any] | None: ...
    def adoptable(self, name: str, kind: int, parent: str | None) -> dict[str, Any] | None: ...
    def create_channel(
        self,
        label: str,
        name: str,
        kind: int,
        parent: str | None,
        overwrites: list[dict[str, Any]],
    ) -> str: ...
    def patch_channel(
        self,
        label: str,
        channel: dict[str, Any],
        name: str,
        parent: str | None,
        overwrites: list[dict[str, Any]],
        managed_members: set[str],
    ) -> None: ...
    def mark_absent_members(self, group: want.Group, wanted: set[str]) -> set[str]: ...
    def not_in_guild(self, group: want.Group, user_id: str) -> None: ...
    def post_welcome(self, group: want.Group, channel_id: str) -> None: ...


@dataclass(frozen=True)
class CohortRooms:
    """A cohort's shared channels on one server."""

    threads_channel_id: str
    voice_channel_id: str | None


@dataclass
class ThreadSpaces:
    """The thread half of one server's run (discord_sync._Run)."""

    run: GuildRun
    categories: dict[CategoryKey, str]
    rooms: dict[int, CohortRooms] = field(default_factory=dict)

    def reconcile_group(self, group: want.Group) -> None:
        rooms = self._rooms(group)
        if group.voice_channel_id != rooms.voice_channel_id:
            self.run.save(groups, group.id, discord_voice_channel_id=rooms.voice_channel_id)
        if group.text_channel_id and self.run.ops.outbox:
            return
        thread, created = self._ensure_thread(group, rooms.threads_channel_id)
        thread_id = str(thread["id"])
        self._sync_members(group, thread, created)
        if group.archived:
            self._close(thread)
        elif created or group.welcome_message_id is None:
            self.run.post_welcome(group, thread_id)

    # -- the cohort's channels ---------------------------------------------------------
    def _rooms(self, group: want.Group) -> CohortRooms:
        if group.cohort_id not in self.rooms:
            stored = self.run.stored_channels({group.cohort_id})
            parent = self.categories[(group.cohort_id, 0, False)]
            # The cohort's channel (discord_cohort.py) when it was reconciled in this run.
            threads = self.run.cohort_channels.get(group.cohort_id) or self._ensure_room(
                group, "threads", parent, stored
            )
            voice = self._ensure_room(group, "voice", parent, stored)
            if group.space != want.THREAD:
                voice = None  # a voice room made for another group of the cohort stays
            self.rooms[group.cohort_id] = CohortRooms(threads or "", voice)
        return self.rooms[group.cohort_id]

    def _ensure_room(
        self, group: want.Group, purpose: str, parent: str, stored: dict[tuple[int, str, int], str]
    ) -> str | None:
        found = stored.get((group.cohort_id, purpose, 0))
        if purpose == "voice" and group.space != want.THREAD and found is None:
            return None  # text-only threads: no voice room unless one was made already
        if purpose == "threads":
            kind, name = TEXT, want.threads_channel_name(group.cohort_name)
            wanted = want.threads_parent_overwrites()
        else:
            kind, name = VOICE, want.shared_voice_name(group.cohort_name)
            wanted = want.shared_voice_overwrites()
        overwrites = self.run.overwrites(wanted, None)
        if found and self.run.ops.outbox:
            return found
        existing = self.run.existing(found, kind) or self.run.adoptable(name, kind, parent)
        if existing is None:
            channel_id = self.run.create_channel(purpose, name, kind, parent, overwrites)
        else:
            channel_id = str(existing["id"])
            self.run.patch_channel(purpose, existing, name, parent, overwrites, set())
        if channel_id != found:
            self.run.save_cohort_channel(group.cohort_id, purpose, 0, channel_id)
        return channel_id

    # -- the group's thread ----------------------------------------------------------
    def _ensure_thread(self, group: want.Group, parent_id: str) -> tuple[dict[str, Any], bool]:
        """The group's thread (made when missing or in another channel), and whether new."""
        thread = self.run.ops.channel(group.text_channel_id) if group.text_channel_id else None
        if thread is not None and str(thread.get("parent_id")) == parent_id:
            if thread.get("name") != want.thread_name(group):
                thread = self._edit(thread, {"name": want.thread_name(group)})
            return thread, False
        thread = self.run.ops.create_private_thread(parent_id, want.thread_name(group))
        self.run.report.count(self.run.report.created, "thread")
        self.run.save(groups, group.id, discord_text_channel_id=str(thread["id"]))
        return thread, True

    def _sync_members(self, group: want.Group, thread: dict[str, Any], created: bool) -> None:
        thread_id = str(thread["id"])
        wanted = want.thread_members(group)
        if not group.archived:
            wanted = self.run.mark_absent_members(group, wanted)
        have = set() if created else self.run.ops.thread_members(thread_id)
        adding = sorted(wanted - have)
        removing = sorted((have & want.managed_member_ids(group)) - wanted)
        if (adding or removing) and _archived(thread):
            thread.update(self._edit(thread, {"archived": False, "locked": False}))
        for user_id in adding:
            try:
                self.run.ops.add_thread_member(thread_id, user_id)
                self.run.report.granted += 1
            except DiscordApiError as exc:
                if exc.code != UNKNOWN_MEMBER:
                    raise
                self.run.not_in_guild(group, user_id)  # left the guild since we listed members
        for user_id in removing:
            self.run.ops.remove_thread_member(thread_id, user_id)
            self.run.report.revoked += 1

    def _close(self, thread: dict[str, Any]) -> None:
        metadata = thread.get("thread_metadata") or {}
        if not (metadata.get("archived") and metadata.get("locked")):
            self._edit(thread, {"archived": True, "locked": True})

    def _edit(self, thread: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        self.run.report.count(self.run.report.updated, "thread")
        return self.run.ops.edit_channel(str(thread["id"]), body)


def _archived(thread: dict[str, Any]) -> bool:
    return bool((thread.get("thread_metadata") or {}).get("archived"))
