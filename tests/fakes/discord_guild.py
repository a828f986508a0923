"""The fake Discord (tests/fakes/discord.py) plus one guild: channels, roles, members.

Routes, with Discord's answers and limits:
- GET/POST /guilds/{g}/channels (500 channels per guild, 50 per category,
  text channel names normalised as Discord does), PATCH/DELETE /channels/{c}
- GET/POST /guilds/{g}/roles (250 roles, @everyone included),
  PATCH/DELETE /guilds/{g}/roles/{r} (deleting a role takes it off everyone)
- GET /guilds/{g}/members (limit 1-1000, `after` a user id, sorted by id),
  GET /guilds/{g}/members/{u}, PUT/DELETE /guilds/{g}/members/{u}/roles/{r}
- PUT /guilds/{g}/members/{u} (guilds.join: 201 with the member, 204 if present)
- POST /channels/{c}/messages only for channels that exist (404 otherwise)

Tests arrange state with `add_member`, delete objects behind the sync's back
with `delete_channel` / `delete_role`, and read `channels`, `roles`, `members`.
"""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.discord import FakeDiscord, error
from tests.fakes.http import Request, Response

GUILD_ID = "300000000000000001"
_ID = r"(\d{1,20})"
_G = rf"/guilds/(?P<guild>{GUILD_ID})"
MAX_CHANNELS, MAX_PER_CATEGORY, MAX_ROLES = 500, 50, 250
TEXT, VOICE, CATEGORY = 0, 2, 4


class FakeDiscordGuild(FakeDiscord):
    """A fake Discord with one guild whose state tests can read and change."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.guild_id = GUILD_ID
        self.channels: dict[str, dict[str, Any]] = {}
        everyone = {"id": GUILD_ID, "name": "@everyone", "permissions": "1024", "position": 0}
        self.roles: dict[str, dict[str, Any]] = {GUILD_ID: everyone}
        self.members: dict[str, dict[str, Any]] = {}
        self._routes_guild()

    # -- test controls --------------------------------------------------------------
    def add_member(self, user_id: str, *, roles: list[str] | None = None) -> None:
        """Someone joins the guild."""
        self.members[user_id] = {"user": {"id": user_id}, "roles": list(roles or [])}

    def delete_channel(self, channel_id: str) -> None:
        del self.channels[channel_id]

    def delete_role(self, role_id: str) -> None:
        """Discord also drops the role from its holders and from channel overwrites."""
        del self.roles[role_id]
        for member in self.members.values():
            member["roles"] = [r for r in member["roles"] if r != role_id]
        for channel in self.channels.values():
            channel["permission_overwrites"] = [
                o for o in channel["permission_overwrites"] if o["id"] != role_id
            ]

    def holders(self, role_id: str) -> set[str]:
        return {uid for uid, m in self.members.items() if role_id in m["roles"]}

    def channels_named(self, name: str) -> list[dict[str, Any]]:
        return [c for c in self.channels.values() if c["name"] == name]

    def channel_exists(self, channel_id: str) -> bool:
        channel = self.channels.get(channel_id)
        return channel is not None and channel["type"] != CATEGORY

    # -- routes -----------------------------------------------------------------------
    def _routes_guild(self) -> None:
        self.authed("GET", rf"{_G}/channels", lambda r, m: Response(200, self._list_channels()))
        self.authed("POST", rf"{_G}/channels", self._create_channel)
        self.authed("PATCH", rf"/channels/{_ID}", self._edit_channel)
        self.authed("DELETE", rf"/channels/{_ID}", self._delete_channel)
        self.authed("GET", rf"{_G}/roles", lambda r, m: Response(200, list(self.roles.values())))
        self.authed("POST", rf"{_G}/roles", self._create_role)
        self.authed("PATCH", rf"{_G}/roles/{_ID}", self._edit_role)
        self.authed("DELETE", rf"{_G}/roles/{_ID}", self._delete_role)
        self.authed("GET", rf"{_G}/members", self._list_members)
        self.authed("GET", rf"{_G}/members/{_ID}", self._get_member)
        self.authed("PUT", rf"{_G}/members/{_ID}", self._join)
        self.authed("PUT", rf"{_G}/members/{_ID}/roles/{_ID}", self._add_member_role)
        self.authed("DELETE", rf"{_G}/members/{_ID}/roles/{_ID}", self._remove_member_role)

    def _list_channels(self) -> list[dict[str, Any]]:
        return [dict(c) for c in self.channels.values()]

    def _create_channel(self, request: Request, match: re.Match[str]) -> Response:
        body = request.json() or {}
        kind = body.get("type", TEXT)
        problem = self._channel_problem(body, kind)
        if problem is not None:
            return problem
        if len(self.channels) >= MAX_CHANNELS:
            return error(400, 30013, "Maximum number of guild channels reached (500)")
        channel = {
            "id": self.new_id(),
            "guild_id": GUILD_ID,
            "type": kind,
            "name": _channel_name(body["name"], kind),
            "parent_id": body.get("parent_id"),
            "position": len(self.channels),
            "permission_overwrites": _overwrites(body.get("permission_overwrites", [])),
        }
        self.channels[channel["id"]] = channel
        return Response(201, dict(channel))

    def _channel_problem(self, body: dict[str, Any], kind: int) -> Response | None:
        if kind not in (TEXT, VOICE, CATEGORY):
            return error(400, 50035, "Invalid Form Body", {"type": "unsupported channel type"})
        if not 1 <= len(str(body.get("name", ""))) <= 100:
            return error(400, 50035, "Invalid Form Body", {"name": "must be 1-100 characters"})
        return self._parent_problem(body.get("parent_id"), None)

    def _parent_problem(self, parent_id: str | None, channel_id: str | None) -> Response | None:
        if parent_id is None:
            return None
        parent = self.channels.get(str(parent_id))
        if parent is None or parent["type"] != CATEGORY:
            return error(400, 50035, "Invalid Form Body", {"parent_id": "not a category"})
        children = [
            c
            for c in self.channels.values()
            if c["parent_id"] == parent_id and c["id"] != channel_id
        ]
        if len(children) >= MAX_PER_CATEGORY:
            return error(400, 50035, "Maximum number of channels in category reached (50)")
        return None

    def _edit_channel(self, request: Request, match: re.Match[str]) -> Response:
        channel = self.channels.get(match.group(1))
        if channel is None:
            return error(404, 10003, "Unknown Channel")
        body = request.json() or {}
        if "parent_id" in body and body["parent_id"] != channel["parent_id"]:
            problem = self._parent_problem(body["parent_id"], channel["id"])
            if problem is not None:
                return problem
            channel["parent_id"] = body["parent_id"]
        if "name" in body:
            channel["name"] = _channel_name(body["name"], channel["type"])
        if "permission_overwrites" in body:
            channel["permission_overwrites"] = _overwrites(body["permission_overwrites"])
        return Response(200, dict(channel))

    def _delete_channel(self, request: Request, match: re.Match[str]) -> Response:
        channel = self.channels.pop(match.group(1), None)
        if channel is None:
            return error(404, 10003, "Unknown Channel")
        return Response(200, channel)

    def _create_role(self, request: Request, match: re.Match[str]) -> Response:
        if len(self.roles) >= MAX_ROLES:
            return error(400, 30005, "Maximum number of server roles reached (250)")
        body = request.json() or {}
        role = {
            "id": self.new_id(),
            "name": str(body.get("name", "new role"))[:100],
            "permissions": str(body.get("permissions", self.roles[GUILD_ID]["permissions"])),
            "mentionable": bool(body.get("mentionable", False)),
            "hoist": bool(body.get("hoist", False)),
            "position": len(self.roles),
        }
        self.roles[role["id"]] = role
        return Response(200, dict(role))

    def _edit_role(self, request: Request, match: re.Match[str]) -> Response:
        role = self.roles.get(match.group(2))
        if role is None:
            return error(404, 10011, "Unknown Role")
        body = request.json() or {}
        role.update({k: v for k, v in body.items() if k in ("name", "permissions", "mentionable")})
        return Response(200, dict(role))

    def _delete_role(self, request: Request, match: re.Match[str]) -> Response:
        if match.group(2) not in self.roles:
            return error(404, 10011, "Unknown Role")
        self.delete_role(match.group(2))
        return Response(204)

    def _list_members(self, request: Request, match: re.Match[str]) -> Response:
        limit = int((request.query.get("limit") or ["1"])[0])
        if not 1 <= limit <= 1000:
            return error(400, 50035, "Invalid Form Body", {"limit": "must be 1-1000"})
        after = int((request.query.get("after") or ["0"])[0])
        ids = sorted((uid for uid in self.members if int(uid) > after), key=int)[:limit]
        return Response(200, [_member(self.members[uid]) for uid in ids])

    def _get_member(self, request: Request, match: re.Match[str]) -> Response:
        member = self.members.get(match.group(2))
        if member is None:
            return error(404, 10007, "Unknown Member")
        return Response(200, _member(member))

    def _join(self, request: Request, match: re.Match[str]) -> Response:
        user_id = match.group(2)
        if user_id in self.members:
            return Response(204)
        body = request.json() or {}
        if not body.get("access_token"):
            return error(400, 50035, "Invalid Form Body", {"access_token": "required"})
        roles = [r for r in body.get("roles", []) if r in self.roles]
        self.add_member(user_id, roles=roles)
        return Response(201, _member(self.members[user_id]))

    def _add_member_role(self, request: Request, match: re.Match[str]) -> Response:
        member, role_id = self.members.get(match.group(2)), match.group(3)
        if member is None:
            return error(404, 10007, "Unknown Member")
        if role_id not in self.roles:
            return error(404, 10011, "Unknown Role")
        if role_id not in member["roles"]:
            member["roles"].append(role_id)
        return Response(204)

    def _remove_member_role(self, request: Request, match: re.Match[str]) -> Response:
        member, role_id = self.members.get(match.group(2)), match.group(3)
        if member is None:
            return error(404, 10007, "Unknown Member")
        if role_id not in self.roles:
            return error(404, 10011, "Unknown Role")
        member["roles"] = [r for r in member["roles"] if r != role_id]
        return Response(204)


def _channel_name(name: str, kind: int) -> str:
    """Discord lower-cases text channel names; other characters become single dashes."""
    if kind != TEXT:
        return name
    return re.sub(r"[^a-z0-9_]+", "-", name.lower()).strip("-") or "channel"


def _overwrites(given: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": str(o["id"]),
            "type": int(o.get("type", 0)),
            "allow": str(o.get("allow", "0")),
            "deny": str(o.get("deny", "0")),
        }
        for o in given
    ]


def _member(member: dict[str, Any]) -> dict[str, Any]:
    return {"user": dict(member["user"]), "roles": list(member["roles"]), "nick": None}
