"""Guild operations the sync needs, on top of the shared Discord REST client.

Reads come from REST, never from a cache: channels, roles, and role holders
from the paged member list (GET /guilds/{id}/members, up to 1000 per page,
`after` the highest user id seen), which needs the GUILD_MEMBERS intent
enabled for the bot. Threads (not listed with the guild's channels) are read
one by one, with their members; a channel's messages page backwards from the
newest (`before` the oldest seen, 100 a page).

One GuildOps per guild; `for_guild` gives another guild's over the same client
(one rate budget per bot, whichever server a call is for).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from roundtable.discord.client import DiscordApiError

TEXT, VOICE, CATEGORY, PRIVATE_THREAD = 0, 2, 4, 12
MEMBER_PAGE = 1000  # Discord's maximum for List Guild Members
MESSAGE_PAGE = 100  # Discord's maximum for List Messages (and List Thread Members)
ROLE_LIMIT = 250  # roles per guild, @everyone included
CHANNEL_LIMIT = 500  # channels per guild, categories included (threads are not)
THREAD_LIMIT = 1000  # active threads per guild (an archived one does not count)
THREAD_ARCHIVE_MINUTES = 10080  # a week without messages: the longest Discord allows
UNKNOWN_CHANNEL, UNKNOWN_MEMBER, UNKNOWN_SCHEDULED_EVENT = 10003, 10007, 10070
MAX_SCHEDULED_EVENTS = 30038  # 100 scheduled events not yet completed per guild
OVERWRITE_ROLE, OVERWRITE_MEMBER = 0, 1
_REASON = "Roundtable sync"


class GuildOps:
    """One guild's channels, roles and members through `client.request`."""

    def __init__(self, client: Any, guild_id: str) -> None:
        self.client = client
        self.guild_id = guild_id

    def for_guild(self, guild_id: str) -> GuildOps:
        """The same client, another guild."""
        return self if guild_id == self.guild_id else GuildOps(self.client, guild_id)

    @property
    def outbox(self) -> bool:
        """True when the client records calls instead of sending them (local stack)."""
        return bool(getattr(self.client, "outbox", False))

    # -- reads ----------------------------------------------------------------------
    def channels(self) -> list[dict[str, Any]]:
        return list(self.client.request("GET", f"/guilds/{self.guild_id}/channels") or [])

    def roles(self) -> list[dict[str, Any]]:
        return list(self.client.request("GET", f"/guilds/{self.guild_id}/roles") or [])

    def members(self) -> Iterator[dict[str, Any]]:
        """Every guild member (with their role ids), page by page."""
        path = f"/guilds/{self.guild_id}/members"
        return iter(self.client.iter_pages(path, limit=MEMBER_PAGE, key="user.id"))

    # -- channels -------------------------------------------------------------------
    def create_channel(self, body: dict[str, Any]) -> dict[str, Any]:
        path = f"/guilds/{self.guild_id}/channels"
        return dict(self.client.request("POST", path, json=body, reason=_REASON))

    def edit_channel(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(
            self.client.request("PATCH", f"/channels/{channel_id}", json=body, reason=_REASON)
        )

    def set_overwrite(self, channel_id: str, overwrite: dict[str, Any]) -> None:
        """One permission overwrite (a role's or a member's), the channel's others untouched."""
        path = f"/channels/{channel_id}/permissions/{overwrite['id']}"
        # Integers here (Discord's spec for this route), strings in a channel's own list.
        body = {k: int(overwrite[k]) for k in ("type", "allow", "deny")}
        self.client.request("PUT", path, json=body, reason=_REASON)

    def delete_channel(self, channel_id: str, reason: str = _REASON) -> bool:
        """Delete a channel or thread; False when Discord no longer had it (already gone)."""
        try:
            self.client.request("DELETE", f"/channels/{channel_id}", reason=reason)
        except DiscordApiError as exc:
            if exc.code != UNKNOWN_CHANNEL:
                raise
            return False
        return True

    def post_message(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self.client.request("POST", f"/channels/{channel_id}/messages", json=body))

    def messages(self, channel_id: str) -> Iterator[dict[str, Any]]:
        """Every message of a channel or thread, newest first, page by page (`before`)."""
        path = f"/channels/{channel_id}/messages"
        before: str | None = None
        while True:
            params: dict[str, Any] = {"limit": MESSAGE_PAGE}
            if before is not None:
                params["before"] = before
            page = list(self.client.request("GET", path, params=params) or [])
            yield from page
            if len(page) < MESSAGE_PAGE:
                return
            before = str(min(int(message["id"]) for message in page))

    # -- threads --------------------------------------------------------------------
    def channel(self, channel_id: str) -> dict[str, Any] | None:
        """A channel or thread by id; None when Discord does not know it (deleted)."""
        try:
            return dict(self.client.request("GET", f"/channels/{channel_id}"))
        except DiscordApiError as exc:
            if exc.code != UNKNOWN_CHANNEL:
                raise
            return None

    def active_threads(self) -> int:
        """How many of the guild's threads are active (GET /guilds/{id}/threads/active)."""
        found = self.client.request("GET", f"/guilds/{self.guild_id}/threads/active") or {}
        return len(found.get("threads", []))

    def create_private_thread(self, parent_id: str, name: str) -> dict[str, Any]:
        body = {
            "name": name,
            "type": PRIVATE_THREAD,
            "invitable": False,  # only the sync adds people
            "auto_archive_duration": THREAD_ARCHIVE_MINUTES,
        }
        path = f"/channels/{parent_id}/threads"
        return dict(self.client.request("POST", path, json=body, reason=_REASON))

    def thread_members(self, thread_id: str) -> set[str]:
        path = f"/channels/{thread_id}/thread-members"
        pages = self.client.iter_pages(
            path, limit=MESSAGE_PAGE, key="user_id", params={"with_member": "true"}
        )
        return {str(member["user_id"]) for member in pages}

    def add_thread_member(self, thread_id: str, user_id: str) -> None:
        self.client.request("PUT", f"/channels/{thread_id}/thread-members/{user_id}")

    def remove_thread_member(self, thread_id: str, user_id: str) -> None:
        self.client.request("DELETE", f"/channels/{thread_id}/thread-members/{user_id}")

    # -- roles ----------------------------------------------------------------------
    def create_role(self, body: dict[str, Any]) -> dict[str, Any]:
        path = f"/guilds/{self.guild_id}/roles"
        return dict(self.client.request("POST", path, json=body, reason=_REASON))

    def edit_role(self, role_id: str, body: dict[str, Any]) -> dict[str, Any]:
        path = f"/guilds/{self.guild_id}/roles/{role_id}"
        return dict(self.client.request("PATCH", path, json=body, reason=_REASON))

    def delete_role(self, role_id: str, reason: str = _REASON) -> None:
        self.client.request("DELETE", f"/guilds/{self.guild_id}/roles/{role_id}", reason=reason)

    def add_member_role(self, user_id: str, role_id: str) -> None:
        path = f"/guilds/{self.guild_id}/members/{user_id}/roles/{role_id}"
        self.client.request("PUT", path, reason=_REASON)

    def remove_member_role(self, user_id: str, role_id: str) -> None:
        path = f"/guilds/{self.guild_id}/members/{user_id}/roles/{role_id}"
        self.client.request("DELETE", path, reason=_REASON)

    # -- members --------------------------------------------------------------------
    def add_guild_member(
        self, user_id: str, access_token: str, role_ids: list[str]
    ) -> dict[str, Any] | None:
        """guilds.join: add a user (OAuth token with that scope) with their roles.

        Discord answers 201 with the member when it added them, and 204 (None
        here) when they were already in the guild; roles are then not applied,
        and the periodic sync grants them.
        """
        path = f"/guilds/{self.guild_id}/members/{user_id}"
        body = {"access_token": access_token, "roles": role_ids}
        answer = self.client.request("PUT", path, json=body, reason=_REASON)
        return dict(answer) if answer else None

    # -- scheduled events -------------------------------------------------------------
    def scheduled_events(self) -> list[dict[str, Any]]:
        """The guild's scheduled events not yet completed or cancelled (all of them)."""
        path = f"/guilds/{self.guild_id}/scheduled-events"
        return list(self.client.request("GET", path) or [])

    def create_scheduled_event(self, body: dict[str, Any]) -> dict[str, Any]:
        path = f"/guilds/{self.guild_id}/scheduled-events"
        return dict(self.client.request("POST", path, json=body, reason=_REASON))

    def edit_scheduled_event(self, event_id: str, body: dict[str, Any]) -> dict[str, Any]:
        path = f"/guilds/{self.guild_id}/scheduled-events/{event_id}"
        return dict(self.client.request("PATCH", path, json=body, reason=_REASON))

    def delete_scheduled_event(self, event_id: str) -> None:
        """Delete an event; one Discord no longer has (ended, or deleted by hand) is fine."""
        try:
            path = f"/guilds/{self.guild_id}/scheduled-events/{event_id}"
            self.client.request("DELETE", path, reason=_REASON)
        except DiscordApiError as exc:
            if exc.code != UNKNOWN_SCHEDULED_EVENT:
                raise
