"""The fake Discord (tests/fakes/discord.py) plus guilds: channels, roles, members, threads.

One guild (GUILD_ID) is there from the start; `add_guild` opens more (a
deployment spread over several servers). Routes, with Discord's answers and limits:
- GET/POST /guilds/{g}/channels (500 channels per guild: 400 code 30013; 50 per
  category: 400 code 50035 naming `parent_id`; text channel names normalised as
  Discord does), GET/PATCH/DELETE /channels/{c} (deleting a category leaves its
  children without a parent; deleting a channel deletes its threads)
- GET/POST /guilds/{g}/roles (250 roles, @everyone included: 400 code 30005),
  PATCH/DELETE /guilds/{g}/roles/{r} (deleting a role takes it off everyone)
- GET /guilds/{g}/members (limit 1-1000, `after` a user id, sorted by id),
  GET /guilds/{g}/members/{u}, PUT/DELETE /guilds/{g}/members/{u}/roles/{r},
  PATCH /guilds/{g}/members/{u} (`nick`; 403 code 50013 for a member in `above_bot`)
- PUT /guilds/{g}/members/{u} (guilds.join: 201 with the member, 204 if present)
- POST /channels/{c}/threads (in a text channel; a private thread is type 12; threads
  do not count against the 500 channels, active threads are capped at 1000 per
  guild: 400 code 160006), GET /guilds/{g}/threads/active (every unarchived thread,
  `has_more` false), GET /channels/{t}/thread-members (paged with
  `with_member`, `limit` 1-100, `after`), PUT/DELETE /channels/{t}/thread-members/{u}
  (the user must be in the guild: 404 code 10007; an archived thread refuses: 400
  code 50083)
- POST /channels/{c}/messages only for channels and threads that exist (404
  otherwise); GET /channels/{c}/messages newest first, `limit` 1-100 (default 50),
  `before` / `after` a message id
- GET/POST /guilds/{g}/scheduled-events, PATCH/DELETE /guilds/{g}/scheduled-events/{e}
  (tests/fakes/discord_scheduled_events.py: 100 not yet completed per guild, 400 code 30038)

Tests arrange state with `add_member`, `add_messages`, delete objects behind
the sync's back with `delete_channel` / `delete_role`, and read `channels`,
`roles`, `members`, `threads` (of the first guild; `guild(id)` for another).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.fakes.discord import FakeDiscord, error
from tests.fakes.discord_objects import BOT_USER_ID
from tests.fakes.discord_scheduled_events import route_scheduled_events
from tests.fakes.http import Request, Response

GUILD_ID = "300000000000000001"
SECOND_GUILD_ID = "300000000000000002"
_ID = r"(\d{1,20})"
_G = r"/guilds/(?P<guild>\d{1,20})"
MAX_CHANNELS, MAX_PER_CATEGORY, MAX_ROLES, MAX_ACTIVE_THREADS = 500, 50, 250, 1000
TEXT, VOICE, CATEGORY, PRIVATE_THREAD = 0, 2, 4, 12
_ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)


@dataclass
class Guild:
    """One guild's state, in plain dicts for tests to read and change."""

    guild_id: str
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    threads: dict[str, dict[str, Any]] = field(default_factory=dict)
    thread_members: dict[str, list[str]] = field(default_factory=dict)  # thread -> user ids
    scheduled_events: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Members whose highest role is above the bot's (or who own the server): Discord
    # refuses to change them with 403 Missing Permissions.
    above_bot: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        everyone = {"id": self.guild_id, "name": "@everyone", "permissions": "1024", "position": 0}
        self.roles.setdefault(self.guild_id, everyone)

    def add_member(self, user_id: str, *, roles: list[str] | None = None) -> None:
        """Someone joins the guild."""
        self.members[user_id] = {"user": {"id": user_id}, "roles": list(roles or [])}

    def delete_channel(self, channel_id: str) -> dict[str, Any]:
        """As Discord does: a category's children stay, parentless; a channel's threads go."""
        channel = self.channels.pop(channel_id, None) or self.threads.pop(channel_id)
        self.thread_members.pop(channel_id, None)
        for child in self.channels.values():
            if child["parent_id"] == channel_id:
                child["parent_id"] = None
        for thread_id in [t for t, th in self.threads.items() if th["parent_id"] == channel_id]:
            del self.threads[thread_id]
            self.thread_members.pop(thread_id, None)
        return channel

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

    def of_type(self, kind: int) -> list[dict[str, Any]]:
        return [c for c in self.channels.values() if c["type"] == kind]

    def active_threads(self) -> int:
        return sum(1 for t in self.threads.values() if not t["thread_metadata"]["archived"])


class FakeDiscordGuild(FakeDiscord):
    """A fake Discord with guilds whose state tests can read and change."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.guild_id = GUILD_ID
        self.guilds: dict[str, Guild] = {GUILD_ID: Guild(GUILD_ID)}
        self._routes_guild()
        self._routes_threads()
        route_scheduled_events(self)

    # -- test controls (the first guild's, unless `guild(id)` is asked) --------------
    def add_guild(self, guild_id: str = SECOND_GUILD_ID) -> Guild:
        with self._lock:
            return self.guilds.setdefault(guild_id, Guild(guild_id))

    def guild(self, guild_id: str) -> Guild:
        return self.guilds[guild_id]

    @property
    def channels(self) -> dict[str, dict[str, Any]]:
        return self.guilds[GUILD_ID].channels

    @property
    def roles(self) -> dict[str, dict[str, Any]]:
        return self.guilds[GUILD_ID].roles

    @property
    def members(self) -> dict[str, dict[str, Any]]:
        return self.guilds[GUILD_ID].members

    @property
    def threads(self) -> dict[str, dict[str, Any]]:
        return self.guilds[GUILD_ID].threads

    def add_member(self, user_id: str, *, roles: list[str] | None = None) -> None:
        self.guilds[GUILD_ID].add_member(user_id, roles=roles)

    def delete_channel(self, channel_id: str) -> None:
        self._owner(channel_id).delete_channel(channel_id)  # type: ignore[union-attr]

    def delete_role(self, role_id: str) -> None:
        self.guilds[GUILD_ID].delete_role(role_id)

    def holders(self, role_id: str) -> set[str]:
        return self.guilds[GUILD_ID].holders(role_id)

    def channels_named(self, name: str) -> list[dict[str, Any]]:
        return self.guilds[GUILD_ID].channels_named(name)

    def thread_member_ids(self, thread_id: str) -> set[str]:
        return set(self._owner(thread_id).thread_members[thread_id])  # type: ignore[union-attr]

    def add_messages(
        self, channel_id: str, count: int, *, author: str = "400000000000000001"
    ) -> None:
        """People talk in a channel or thread: `count` messages, oldest first."""
        with self._lock:
            for number in range(count):
                message = {
                    "id": self.new_id(),
                    "channel_id": channel_id,
                    "content": f"message {number + 1}",
                    "author": {"id": author},
                }
                self.channel_messages.setdefault(channel_id, []).append(message)

    def channel_exists(self, channel_id: str) -> bool:
        guild = self._owner(channel_id)
        if guild is None:
            return False
        return channel_id in guild.threads or guild.channels[channel_id]["type"] != CATEGORY

    def _owner(self, channel_id: str) -> Guild | None:
        for guild in self.guilds.values():
            if channel_id in guild.channels or channel_id in guild.threads:
                return guild
        return None

    def _guild_of(self, match: re.Match[str]) -> Guild | None:
        return self.guilds.get(match.group("guild"))

    # -- routes -----------------------------------------------------------------------
    def _routes_guild(self) -> None:
        self.authed("GET", rf"{_G}/channels", self._in_guild(self._list_channels))
        self.authed("POST", rf"{_G}/channels", self._in_guild(self._create_channel))
        self.authed("GET", rf"/channels/{_ID}", self._get_channel)
        self.authed("PATCH", rf"/channels/{_ID}", self._edit_channel)
        self.authed("DELETE", rf"/channels/{_ID}", self._delete_channel)
        self.authed("GET", rf"/channels/{_ID}/messages", self._list_messages)
        self.authed("PUT", rf"/channels/{_ID}/permissions/{_ID}", self._set_overwrite)
        self.authed("DELETE", rf"/channels/{_ID}/permissions/{_ID}", self._delete_overwrite)
        self.authed("GET", rf"{_G}/roles", self._in_guild(self._list_roles))
        self.authed("GET", rf"{_G}/threads/active", self._in_guild(self._list_active_threads))
        self.authed("POST", rf"{_G}/roles", self._in_guild(self._create_role))
        self.authed("PATCH", rf"{_G}/roles/{_ID}", self._in_guild(self._edit_role))
        self.authed("DELETE", rf"{_G}/roles/{_ID}", self._in_guild(self._delete_role))
        self.authed("GET", rf"{_G}/members", self._in_guild(self._list_members))
        self.authed("GET", rf"{_G}/members/{_ID}", self._in_guild(self._get_member))
        self.authed("PUT", rf"{_G}/members/{_ID}", self._in_guild(self._join))
        self.authed("PATCH", rf"{_G}/members/{_ID}", self._in_guild(self._modify_member))
        self.authed("PUT", rf"{_G}/members/{_ID}/roles/{_ID}", self._in_guild(self._add_role))
        self.authed("DELETE", rf"{_G}/members/{_ID}/roles/{_ID}", self._in_guild(self._drop_role))

    def _in_guild(self, handler: Any) -> Any:
        """A guild route: 404 Unknown Guild for a guild the bot is not in."""

        def routed(request: Request, match: re.Match[str]) -> Response:
            guild = self._guild_of(match)
            if guild is None:
                return error(404, 10004, "Unknown Guild")
            return handler(guild, request, match)  # type: ignore[no-any-return]

        return routed

    def _list_channels(self, guild: Guild, request: Request, match: re.Match[str]) -> Response:
        return Response(200, [dict(c) for c in guild.channels.values()])

    def _list_active_threads(
        self, guild: Guild, request: Request, match: re.Match[str]
    ) -> Response:
        active = [dict(t) for t in guild.threads.values() if not t["thread_metadata"]["archived"]]
        return Response(200, {"threads": active, "members": [], "has_more": False})

    def _list_roles(self, guild: Guild, request: Request, match: re.Match[str]) -> Response:
        return Response(200, list(guild.roles.values()))

    def _create_channel(self, guild: Guild, request: Request, match: re.Match[str]) -> Response:
        body = request.json() or {}
        kind = body.get("type", TEXT)
        problem = self._channel_problem(guild, body, kind)
        if problem is not None:
            return problem
        if len(guild.channels) >= MAX_CHANNELS:
            return error(400, 30013, "Maximum number of guild channels reached (500)")
        channel = {
            "id": self.new_id(),
            "guild_id": guild.guild_id,
            "type": kind,
            "name": _channel_name(body["name"], kind),
            "parent_id": body.get("parent_id"),
            "position": len(guild.channels),
            "permission_overwrites": _overwrites(body.get("permission_overwrites", [])),
        }
        guild.channels[channel["id"]] = channel
        return Response(201, dict(channel))

    def _channel_problem(self, guild: Guild, body: dict[str, Any], kind: int) -> Response | None:
        if kind not in (TEXT, VOICE, CATEGORY):
            return _form_error("type", "unsupported channel type")
        if not 1 <= len(str(body.get("name", ""))) <= 100:
            return _form_error("name", "must be 1-100 characters")
        return _parent_problem(guild, body.get("parent_id"), None)

    def _get_channel(self, request: Request, match: re.Match[str]) -> Response:
        guild = self._owner(match.group(1))
        if guild is None:
            return error(404, 10003, "Unknown Channel")
        found = guild.channels.get(match.group(1)) or guild.threads[match.group(1)]
        return Response(200, dict(found))

    def _edit_channel(self, request: Request, match: re.Match[str]) -> Response:
        guild = self._owner(match.group(1))
        if guild is None:
            return error(404, 10003, "Unknown Channel")
        body = request.json() or {}
        if match.group(1) in guild.threads:
            return Response(200, _edit_thread(guild.threads[match.group(1)], body))
        channel = guild.channels[match.group(1)]
        if "parent_id" in body and body["parent_id"] != channel["parent_id"]:
            problem = _parent_problem(guild, body["parent_id"], channel["id"])
            if problem is not None:
                return problem
            channel["parent_id"] = body["parent_id"]
        if "name" in body:
            channel["name"] = _channel_name(body["name"], channel["type"])
        if "permission_overwrites" in body:
            channel["permission_overwrites"] = _overwrites(body["permission_overwrites"])
        return Response(200, dict(channel))

    def _set_overwrite(self, request: Request, match: re.Match[str]) -> Response:
        """Edit Channel Permissions: one overwrite made or replaced, the others kept."""
        guild = self._owner(match.group(1))
        if guild is None or match.group(1) not in guild.channels:
            return error(404, 10003, "Unknown Channel")
        body = request.json() or {}
        channel = guild.channels[match.group(1)]
        target = match.group(2)
        kept = [o for o in channel["permission_overwrites"] if o["id"] != target]
        given = {"id": target, **{k: body.get(k) or 0 for k in ("type", "allow", "deny")}}
        channel["permission_overwrites"] = kept + _overwrites([given])
        return Response(204, None)

    def _delete_overwrite(self, request: Request, match: re.Match[str]) -> Response:
        guild = self._owner(match.group(1))
        if guild is None or match.group(1) not in guild.channels:
            return error(404, 10003, "Unknown Channel")
        channel = guild.channels[match.group(1)]
        target = match.group(2)
        channel["permission_overwrites"] = [
            o for o in channel["permission_overwrites"] if o["id"] != target
        ]
        return Response(204, None)

    def _delete_channel(self, request: Request, match: re.Match[str]) -> Response:
        guild = self._owner(match.group(1))
        if guild is None:
            return error(404, 10003, "Unknown Channel")
        channel = guild.delete_channel(match.group(1))
        self.channel_messages.pop(match.group(1), None)
        return Response(200, channel)

    def _list_messages(self, request: Request, match: re.Match[str]) -> Response:
        if not self.channel_exists(match.group(1)):
            return error(404, 10003, "Unknown Channel")
        limit = int((request.query.get("limit") or ["50"])[0])
        if not 1 <= limit <= 100:
            return _form_error("limit", "must be 1-100")
        before = int((request.query.get("before") or [str(2**64)])[0])
        after = int((request.query.get("after") or ["0"])[0])
        found = [
            m
            for m in self.channel_messages.get(match.group(1), [])
            if after < int(m["id"]) < before
        ]
        newest_first = sorted(found, key=lambda m: int(m["id"]), reverse=True)
        return Response(200, [dict(m) for m in newest_first[:limit]])

    def _create_role(self, guild: Guild, request: Request, match: re.Match[str]) -> Response:
        if len(guild.roles) >= MAX_ROLES:
            return error(400, 30005, "Maximum number of guild roles reached (250)")
        body = request.json() or {}
        role = {
            "id": self.new_id(),
            "name": str(body.get("name", "new role"))[:100],
            "permissions": str(body.get("permissions", guild.roles[guild.guild_id]["permissions"])),
            "mentionable": bool(body.get("mentionable", False)),
            "hoist": bool(body.get("hoist", False)),
            "position": len(guild.roles),
        }
        guild.roles[role["id"]] = role
        return Response(200, dict(role))

    def _edit_role(self, guild: Guild, request: Request, match: re.Match[str]) -> Response:
        role = guild.roles.get(match.group(2))
        if role is None:
            return error(404, 10011, "Unknown Role")
        body = request.json() or {}
        role.update({k: v for k, v in body.items() if k in ("name", "permissions", "mentionable")})
        return Response(200, dict(role))

    def _delete_role(self, guild: Guild, request: Request, match: re.Match[str]) -> Response:
        if match.group(2) not in guild.roles:
            return error(404, 10011, "Unknown Role")
        guild.delete_role(match.group(2))
        return Response(204)

    def _list_members(self, guild: Guild, request: Request, match: re.Match[str]) -> Response:
        limit = int((request.query.get("limit") or ["1"])[0])
        if not 1 <= limit <= 1000:
            return _form_error("limit", "must be 1-1000")
        after = int((request.query.get("after") or ["0"])[0])
        ids = sorted((uid for uid in guild.members if int(uid) > after), key=int)[:limit]
        return Response(200, [_member(guild.members[uid]) for uid in ids])

    def _get_member(self, guild: Guild, request: Request, match: re.Match[str]) -> Response:
        member = guild.members.get(match.group(2))
        if member is None:
            return error(404, 10007, "Unknown Member")
        return Response(200, _member(member))

    def _join(self, guild: Guild, request: Request, match: re.Match[str]) -> Response:
        user_id = match.group(2)
        if user_id in guild.members:
            return Response(204)
        body = request.json() or {}
        if not body.get("access_token"):
            return _form_error("access_token", "required")
        roles = [r for r in body.get("roles", []) if r in guild.roles]
        guild.add_member(user_id, roles=roles)
        return Response(201, _member(guild.members[user_id]))

    def _modify_member(self, guild: Guild, request: Request, match: re.Match[str]) -> Response:
        """Modify Guild Member, its `nick` only (1-32 characters; null or "" resets it)."""
        member = guild.members.get(match.group(2))
        if member is None:
            return error(404, 10007, "Unknown Member")
        nick = (request.json() or {}).get("nick")
        if nick is not None and len(nick) > 32:
            return _form_error("nick", "Must be 32 or fewer in length.")
        if match.group(2) in guild.above_bot:
            return error(403, 50013, "Missing Permissions")
        member["nick"] = nick or None
        return Response(200, _member(member))

    def _add_role(self, guild: Guild, request: Request, match: re.Match[str]) -> Response:
        member, role_id = guild.members.get(match.group(2)), match.group(3)
        if member is None:
            return error(404, 10007, "Unknown Member")
        if role_id not in guild.roles:
            return error(404, 10011, "Unknown Role")
        if role_id not in member["roles"]:
            member["roles"].append(role_id)
        return Response(204)

    def _drop_role(self, guild: Guild, request: Request, match: re.Match[str]) -> Response:
        member, role_id = guild.members.get(match.group(2)), match.group(3)
        if member is None:
            return error(404, 10007, "Unknown Member")
        if role_id not in guild.roles:
            return error(404, 10011, "Unknown Role")
        member["roles"] = [r for r in member["roles"] if r != role_id]
        return Response(204)

    # -- threads ------------------------------------------------------------------------
    def _routes_threads(self) -> None:
        self.authed("POST", rf"/channels/{_ID}/threads", self._create_thread)
        self.authed("GET", rf"/channels/{_ID}/thread-members", self._list_thread_members)
        self.authed("PUT", rf"/channels/{_ID}/thread-members/{_ID}", self._add_thread_member)
        self.authed("DELETE", rf"/channels/{_ID}/thread-members/{_ID}", self._drop_thread_member)

    def _create_thread(self, request: Request, match: re.Match[str]) -> Response:
        guild = self._owner(match.group(1))
        parent = guild.channels.get(match.group(1)) if guild else None
        if guild is None or parent is None:
            return error(404, 10003, "Unknown Channel")
        body = request.json() or {}
        problem = _thread_problem(parent, body)
        if problem is not None:
            return problem
        if guild.active_threads() >= MAX_ACTIVE_THREADS:
            return error(400, 160006, "Maximum number of active threads reached")
        thread = {
            "id": self.new_id(),
            "guild_id": guild.guild_id,
            "parent_id": parent["id"],
            "type": body.get("type", PRIVATE_THREAD),
            "name": body["name"],
            "owner_id": BOT_USER_ID,
            "flags": 0,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "thread_metadata": {
                "archived": False,
                "locked": False,
                "archive_timestamp": _now(),
                "auto_archive_duration": body.get("auto_archive_duration", 4320),
                "invitable": bool(body.get("invitable", True)),
            },
        }
        guild.threads[thread["id"]] = thread
        guild.thread_members[thread["id"]] = [BOT_USER_ID]  # the creator is in it
        return Response(201, dict(thread))

    def _thread(self, thread_id: str) -> tuple[Guild, dict[str, Any]] | Response:
        guild = self._owner(thread_id)
        if guild is None or thread_id not in guild.threads:
            return error(404, 10003, "Unknown Channel")
        return guild, guild.threads[thread_id]

    def _list_thread_members(self, request: Request, match: re.Match[str]) -> Response:
        found = self._thread(match.group(1))
        if isinstance(found, Response):
            return found
        guild, thread = found
        ids = sorted(guild.thread_members[thread["id"]], key=int)
        if (request.query.get("with_member") or ["false"])[0] == "true":
            limit = int((request.query.get("limit") or ["100"])[0])
            if not 1 <= limit <= 100:
                return _form_error("limit", "must be 1-100")
            after = int((request.query.get("after") or ["0"])[0])
            ids = [uid for uid in ids if int(uid) > after][:limit]
        return Response(200, [_thread_member(thread["id"], uid) for uid in ids])

    def _add_thread_member(self, request: Request, match: re.Match[str]) -> Response:
        found = self._membership_change(match)
        if isinstance(found, Response):
            return found
        members = found
        if match.group(2) not in members:
            members.append(match.group(2))
        return Response(204)

    def _drop_thread_member(self, request: Request, match: re.Match[str]) -> Response:
        found = self._membership_change(match)
        if isinstance(found, Response):
            return found
        if match.group(2) in found:
            found.remove(match.group(2))
        return Response(204)

    def _membership_change(self, match: re.Match[str]) -> list[str] | Response:
        found = self._thread(match.group(1))
        if isinstance(found, Response):
            return found
        guild, thread = found
        if thread["thread_metadata"]["archived"]:
            return error(400, 50083, "Thread is archived")
        if match.group(2) not in guild.members:
            return error(404, 10007, "Unknown Member")
        return guild.thread_members[thread["id"]]


def _parent_problem(guild: Guild, parent_id: str | None, channel_id: str | None) -> Response | None:
    if parent_id is None:
        return None
    parent = guild.channels.get(str(parent_id))
    if parent is None or parent["type"] != CATEGORY:
        return _form_error("parent_id", "not a category")
    children = [
        c for c in guild.channels.values() if c["parent_id"] == parent_id and c["id"] != channel_id
    ]
    if len(children) >= MAX_PER_CATEGORY:
        return _form_error("parent_id", _FULL)
    return None


_FULL = "Maximum number of channels in category reached (50)"


def _form_error(field: str, message: str) -> Response:
    """Discord's 50035 with the field's problem, in its documented shape (ErrorDetails)."""
    problem = {"_errors": [{"code": 50035, "message": message}]}
    return error(400, 50035, "Invalid Form Body", {field: problem})


def _thread_problem(parent: dict[str, Any], body: dict[str, Any]) -> Response | None:
    if parent["type"] != TEXT:
        return error(400, 50024, "Cannot execute action on this channel type")
    if not 1 <= len(str(body.get("name", ""))) <= 100:
        return _form_error("name", "must be 1-100 characters")
    if body.get("auto_archive_duration", 4320) not in _ARCHIVE_DURATIONS:
        return _form_error("auto_archive_duration", "not allowed")
    return None


def _edit_thread(thread: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    metadata = thread["thread_metadata"]
    if "name" in body:
        thread["name"] = str(body["name"])[:100]
    for key in ("archived", "locked"):
        if key in body:
            metadata[key] = bool(body[key])
    if "archived" in body:
        metadata["archive_timestamp"] = _now()
    return dict(thread)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _thread_member(thread_id: str, user_id: str) -> dict[str, Any]:
    return {"id": thread_id, "user_id": user_id, "join_timestamp": _now(), "flags": 0}


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
    return {
        "user": dict(member["user"]),
        "roles": list(member["roles"]),
        "nick": member.get("nick"),
    }
