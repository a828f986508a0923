"""Guild operations the sync needs, on top of the shared Discord REST client.

Reads come from REST, never from a cache: channels, roles, and role holders
from the paged member list (GET /guilds/{id}/members, up to 1000 per page,
`after` the highest user id seen), which needs the GUILD_MEMBERS intent
enabled for the bot.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

TEXT, VOICE, CATEGORY = 0, 2, 4
MEMBER_PAGE = 1000  # Discord's maximum for List Guild Members
ROLE_LIMIT = 250  # roles per guild, @everyone included
OVERWRITE_ROLE, OVERWRITE_MEMBER = 0, 1
_REASON = "Roundtable sync"


class GuildOps:
    """One guild's channels, roles and members through `client.request`."""

    def __init__(self, client: Any, guild_id: str) -> None:
        self.client = client
        self.guild_id = guild_id

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

    def post_message(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self.client.request("POST", f"/channels/{channel_id}/messages", json=body))

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
