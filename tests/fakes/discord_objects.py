"""Discord's objects as Discord answers them: every field its OpenAPI document requires.

The fakes keep the state tests read in small dicts; `complete_answer` dresses
an answer as Discord would send it (a message has an author, a timestamp, its
mentions and flags; a role its colours; a member its join date...), chosen by
the operation the request called. Fields already present win.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.fakes.contracts import DISCORD
from tests.fakes.http import Request, Response

BOT_USER_ID = "100000000000000001"  # the application's bot user


def _now() -> str:
    return datetime.now(UTC).isoformat()


def user(given: dict[str, Any]) -> dict[str, Any]:
    """A user object (UserResponse)."""
    user_id = str(given.get("id", BOT_USER_ID))
    return {
        "username": f"user{user_id[-6:]}",
        "avatar": None,
        "discriminator": "0",
        "public_flags": 0,
        "flags": 0,
        "global_name": None,
        "primary_guild": None,
        **given,
        "id": user_id,
    }


def my_user(given: dict[str, Any]) -> dict[str, Any]:
    """The user behind an OAuth2 token (UserPIIResponse)."""
    return {"mfa_enabled": False, "locale": "en-US", **user(given)}


_NOT_ECHOED = ("allowed_mentions", "webhook_id", "components", "author")


def message(given: dict[str, Any]) -> dict[str, Any]:
    """A message object (MessageResponse), as created, edited or fetched."""
    return {
        "type": 0,
        "content": "",
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "timestamp": _now(),
        "edited_timestamp": None,
        "flags": 0,
        "pinned": False,
        "mention_everyone": False,
        "tts": False,
        "channel_id": "0",
        **{k: v for k, v in given.items() if k not in _NOT_ECHOED},
        "components": _numbered(given.get("components") or []),
        "author": user(given.get("author") or {"username": "roundtable", "bot": True}),
        **({"webhook_id": given["webhook_id"]} if "webhook_id" in given else {}),
    }


def _numbered(components: list[Any]) -> list[Any]:
    """Components as Discord answers them: each with a numeric `id` (unique in the message)."""
    counter = iter(range(1, 1_000))

    def number(component: Any) -> Any:
        if not isinstance(component, dict):
            return component
        numbered = {"id": next(counter), **component}
        if isinstance(component.get("components"), list):
            numbered["components"] = [number(c) for c in component["components"]]
        return numbered

    return [number(c) for c in components]


def channel(given: dict[str, Any]) -> dict[str, Any]:
    """A DM (PrivateChannelResponse) or a guild channel (GuildChannelResponse)."""
    base = {"flags": 0, "last_message_id": None, **given}
    if "recipients" in given:
        base["recipients"] = [user(r) for r in given["recipients"]]
    return base


def role(given: dict[str, Any]) -> dict[str, Any]:
    """A role (GuildRoleResponse)."""
    return {
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
        "position": 0,
        "permissions": "0",
        **given,
    }


def member(given: dict[str, Any]) -> dict[str, Any]:
    """A guild member (GuildMemberResponse)."""
    return {
        "avatar": None,
        "banner": None,
        "communication_disabled_until": None,
        "flags": 0,
        "joined_at": _now(),
        "nick": None,
        "pending": False,
        "premium_since": None,
        "roles": [],
        "mute": False,
        "deaf": False,
        **given,
        "user": user(given.get("user") or {}),
    }


def command(given: dict[str, Any]) -> dict[str, Any]:
    """A registered application command (ApplicationCommandResponse)."""
    permissions = given.get("default_member_permissions")
    return {
        "description": "",
        "type": 1,
        "application_id": BOT_USER_ID,
        "version": given.get("id", BOT_USER_ID),
        **given,
        "default_member_permissions": None if permissions is None else str(permissions),
    }


def _each(build: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[Any], Any]:
    def dress(body: Any) -> Any:
        if isinstance(body, list):
            return [build(item) if isinstance(item, dict) else item for item in body]
        return build(body) if isinstance(body, dict) else body

    return dress


_BY_OPERATION: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(
        (
            "create_message",
            "list_messages",
            "execute_webhook",
            "get_original_webhook_message",
            "update_original_webhook_message",
            "get_webhook_message",
            "update_webhook_message",
        ),
        _each(message),
    ),
    **dict.fromkeys(
        (
            "create_dm",
            "list_guild_channels",
            "create_guild_channel",
            "update_channel",
            "delete_channel",
            "get_channel",
            "create_thread",
        ),
        _each(channel),
    ),
    **dict.fromkeys(
        ("list_guild_roles", "create_guild_role", "update_guild_role", "get_guild_role"),
        _each(role),
    ),
    **dict.fromkeys(
        ("list_guild_members", "get_guild_member", "add_guild_member", "update_guild_member"),
        _each(member),
    ),
    **dict.fromkeys(
        (
            "list_application_commands",
            "bulk_set_application_commands",
            "list_guild_application_commands",
            "bulk_set_guild_application_commands",
        ),
        _each(command),
    ),
    "get_my_user": _each(my_user),
}


def complete_answer(request: Request, response: Response) -> Response:
    """A successful answer dressed with every field Discord sends for that operation."""
    if not 200 <= response.status < 300 or response.body is None:
        return response
    operation = DISCORD.find(request.method, request.path)
    dress = _BY_OPERATION.get(operation.id) if operation else None
    if dress is None:
        return response
    return Response(response.status, dress(response.body), response.headers)
