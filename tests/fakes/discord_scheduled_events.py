"""Guild scheduled events for the fake Discord guilds (tests/fakes/discord_guild.py).

As Discord documents them (https://discord.com/developers/docs/resources/guild-scheduled-event):
- GET /guilds/{g}/scheduled-events: the guild's events
- POST /guilds/{g}/scheduled-events: privacy_level 2 (GUILD_ONLY) only; a VOICE event
  (entity_type 2) needs `channel_id`, a voice channel of the guild; an EXTERNAL one (3)
  needs `entity_metadata.location`, `scheduled_end_time` and no channel; the end after
  the start. At most 100 events not yet completed (SCHEDULED or ACTIVE) per guild:
  400 code 30038. Invalid bodies: 400 code 50035 naming the field.
- PATCH / DELETE /guilds/{g}/scheduled-events/{e}: the same checks on the changed
  event; an unknown event is 404 code 10070.

Events are kept in each Guild's `scheduled_events` (id -> event); a test ends or
deletes one behind the sync's back by changing that dict.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tests.fakes.discord import error
from tests.fakes.discord_objects import BOT_USER_ID
from tests.fakes.http import Request, Response

if TYPE_CHECKING:
    from tests.fakes.discord_guild import FakeDiscordGuild, Guild

MAX_UNCOMPLETED_EVENTS = 100
SCHEDULED, ACTIVE = 1, 2
STAGE_EVENT, VOICE_EVENT, EXTERNAL_EVENT = 1, 2, 3
_VOICE_CHANNEL, _STAGE_CHANNEL = 2, 13
_FIELDS = (
    "name",
    "description",
    "channel_id",
    "scheduled_start_time",
    "scheduled_end_time",
    "privacy_level",
    "entity_type",
    "entity_metadata",
)
_E = r"/guilds/(?P<guild>\d{1,20})/scheduled-events"


def route_scheduled_events(fake: FakeDiscordGuild) -> None:
    """Add the scheduled-event routes to a fake Discord with guilds."""
    fake.authed("GET", _E, fake._in_guild(_list))
    fake.authed("POST", _E, fake._in_guild(lambda g, r, m: _create(fake, g, r)))
    fake.authed("PATCH", rf"{_E}/(\d{{1,20}})", fake._in_guild(_edit))
    fake.authed("DELETE", rf"{_E}/(\d{{1,20}})", fake._in_guild(_delete))


def _list(guild: Guild, request: Request, match: re.Match[str]) -> Response:
    return Response(200, [dict(e) for e in guild.scheduled_events.values()])


def _create(fake: FakeDiscordGuild, guild: Guild, request: Request) -> Response:
    body = request.json() or {}
    uncompleted = [e for e in guild.scheduled_events.values() if e["status"] in (SCHEDULED, ACTIVE)]
    if len(uncompleted) >= MAX_UNCOMPLETED_EVENTS:
        return error(
            400, 30038, "Maximum number of uncompleted guild scheduled events reached (100)"
        )
    event: dict[str, Any] = {
        "id": fake.new_id(),
        "guild_id": guild.guild_id,
        "creator_id": BOT_USER_ID,
        "image": None,
        "status": SCHEDULED,
        "entity_id": None,
        "recurrence_rule": None,
        "guild_scheduled_event_exceptions": [],
        "user_count": 0,
        "description": None,
        "channel_id": None,
        "scheduled_end_time": None,
        "entity_metadata": None,
    }
    event.update({k: body[k] for k in _FIELDS if k in body})
    problem = _problem(guild, event)
    if problem is not None:
        return problem
    guild.scheduled_events[event["id"]] = event
    return Response(200, dict(event))


def _edit(guild: Guild, request: Request, match: re.Match[str]) -> Response:
    current = guild.scheduled_events.get(match.group(2))
    if current is None:
        return error(404, 10070, "Unknown Guild Scheduled Event")
    body = request.json() or {}
    changed = {**current, **{k: body[k] for k in _FIELDS if k in body}}
    if changed["entity_type"] == EXTERNAL_EVENT:
        changed["channel_id"] = None  # Discord clears the channel of an external event
    problem = _problem(guild, changed)
    if problem is not None:
        return problem
    current.update(changed)
    return Response(200, dict(current))


def _delete(guild: Guild, request: Request, match: re.Match[str]) -> Response:
    if guild.scheduled_events.pop(match.group(2), None) is None:
        return error(404, 10070, "Unknown Guild Scheduled Event")
    return Response(204)


def _problem(guild: Guild, event: dict[str, Any]) -> Response | None:
    """Discord's refusal of an event that is not well formed, or None."""
    if event.get("privacy_level") != 2:
        return _invalid("privacy_level", "Value must be one of {2}.")
    if not 1 <= len(str(event.get("name") or "")) <= 100:
        return _invalid("name", "Must be between 1 and 100 in length.")
    start, end = (
        _moment(event.get("scheduled_start_time")),
        _moment(event.get("scheduled_end_time")),
    )
    if start is None:
        return _invalid("scheduled_start_time", "This field is required")
    if end is not None and end <= start:
        return _invalid("scheduled_end_time", "Cannot schedule an event to end before it starts.")
    kind = event.get("entity_type")
    if kind == EXTERNAL_EVENT:
        if not str((event.get("entity_metadata") or {}).get("location") or ""):
            return _invalid("entity_metadata", "A location is required for external events.")
        if end is None:
            return _invalid("scheduled_end_time", "External events require an end time.")
        return None
    if kind not in (STAGE_EVENT, VOICE_EVENT):
        return _invalid("entity_type", "Value must be one of {1, 2, 3}.")
    channel = guild.channels.get(str(event.get("channel_id") or ""))
    wanted = _VOICE_CHANNEL if kind == VOICE_EVENT else _STAGE_CHANNEL
    if channel is None or channel["type"] != wanted:
        return _invalid("channel_id", "The channel must be a voice or stage channel of the guild.")
    return None


def _moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _invalid(field: str, message: str) -> Response:
    errors = {field: {"_errors": [{"code": "BASE_TYPE_INVALID", "message": message}]}}
    return error(400, 50035, "Invalid Form Body", errors)
