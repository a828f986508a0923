"""Parse a verified interaction, route it to its handler, and build responses.

Protocol facts (Discord's "Receiving and Responding" docs): interaction types
1 PING, 2 APPLICATION_COMMAND, 3 MESSAGE_COMPONENT, 4 AUTOCOMPLETE, 5
MODAL_SUBMIT; the first answer must come within 3 s; a deferred answer (5, or
6 for components) buys 15 minutes to edit the original response through the
interaction webhook. Autocomplete (8) and modals (9) cannot be deferred.

Nothing a signed request carries may become a 500: the body's JSON nesting is
bounded before parsing (Python's parser recurses), ids from options and
custom_ids are checked against Postgres' integer range (`database_id`), and
where a command comes from is checked before it runs (`_where_refused`): a
server command in a DM, or anything from a server that is not ours
(DISCORD_GUILD_ID), gets a private answer saying so.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from roundtable.errors import DomainError, ValidationError

if TYPE_CHECKING:
    from sqlalchemy import Engine

logger = logging.getLogger(__name__)

# Interaction types
PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5
# Response (callback) types
PONG = 1
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
# Message flags and limits
EPHEMERAL = 1 << 6
MAX_CONTENT = 2000
MAX_CHOICES = 25
# Option types whose value holds nested options
_SUB_COMMAND, _SUB_COMMAND_GROUP = 1, 2
# Button styles
PRIMARY, SECONDARY, SUCCESS, DANGER = 1, 2, 3, 4
NO_MENTIONS: dict[str, Any] = {"parse": []}
# Discord's payloads nest about ten levels (a message's components in a component
# interaction); far deeper is not Discord, and Python's JSON parser recurses.
MAX_JSON_DEPTH = 32
# Postgres `integer` (every id column): a larger id names nothing, and must not reach a query.
MAX_DATABASE_ID = 2_147_483_647
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_A_BRACKET = re.compile(rb"[^\[\]{}]")


class InteractionError(Exception):
    """The interaction is malformed or names something we do not handle (HTTP 400)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Interaction:
    """The parts of an interaction payload the handlers use."""

    type: int
    id: str
    application_id: str
    token: str
    user_id: str | None
    roles: tuple[str, ...] = ()
    guild_id: str | None = None
    channel_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def command_name(self) -> str:
        return str(self.data.get("name") or "")

    @property
    def custom_id(self) -> str:
        return str(self.data.get("custom_id") or "")

    @property
    def subcommand(self) -> str | None:
        """The chosen sub-command's name (`/sync group` → "group"), if any."""
        for option in _objects(self.data.get("options")):
            if option.get("type") in (_SUB_COMMAND, _SUB_COMMAND_GROUP):
                return str(option.get("name"))
        return None

    @property
    def options(self) -> dict[str, Any]:
        """Option values by name, sub-command levels flattened."""
        leaves = _leaf_options(_objects(self.data.get("options")))
        return {str(o["name"]): o.get("value") for o in leaves}

    @property
    def focused_option(self) -> tuple[str, str]:
        """(name, typed text) of the option being autocompleted."""
        for option in _leaf_options(_objects(self.data.get("options"))):
            if option.get("focused"):
                return str(option["name"]), str(option.get("value") or "")
        return "", ""

    def webhook(self) -> dict[str, str]:
        """What deferred work needs to edit this interaction's response."""
        return {"application_id": self.application_id, "token": self.token}


@dataclass(frozen=True)
class Context:
    """What a handler gets: the interaction, the clock, and (in tests) an engine."""

    interaction: Interaction
    now: datetime
    engine: Engine | None = None


Handler = Callable[[Context], dict[str, Any]]


def json_depth(body: bytes) -> int:
    """How deep the JSON text's arrays and objects nest (brackets inside strings do not count)."""
    skeleton = _NOT_A_BRACKET.sub(b"", _JSON_STRING.sub(b"", body))
    depth = deepest = 0
    for byte in skeleton:
        depth += 1 if byte in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def parse_interaction(body: bytes) -> Interaction:
    """The Interaction in a (verified) request body; InteractionError when malformed."""
    if json_depth(body) > MAX_JSON_DEPTH:
        raise InteractionError(f"request body is nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InteractionError("request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise InteractionError("interaction must be a JSON object")
    kind = payload.get("type")
    if not isinstance(kind, int) or isinstance(kind, bool):
        raise InteractionError(f"interaction type must be an integer, got {kind!r}")
    if kind == PING:
        return Interaction(PING, str(payload.get("id", "")), "", "", user_id=None)
    member: dict[str, Any] = _object(payload.get("member"))
    user = _object(member.get("user")) or _object(payload.get("user"))
    data = _object(payload.get("data"))
    for name in ("id", "application_id", "token"):
        if not isinstance(payload.get(name), str) or not payload[name]:
            raise InteractionError(f"interaction is missing {name!r}")
    return Interaction(
        type=kind,
        id=payload["id"],
        application_id=payload["application_id"],
        token=payload["token"],
        user_id=str(user["id"]) if user.get("id") else None,
        roles=tuple(str(r) for r in _list(member.get("roles"))),
        guild_id=_text_or_none(payload.get("guild_id")),
        channel_id=_text_or_none(payload.get("channel_id")),
        data=data,
    )


def respond(interaction: Interaction, *, now: datetime | None = None, engine: Any = None) -> Any:
    """The response for an interaction (a dict for Discord); InteractionError for bad input."""
    if interaction.type == PING:
        return {"type": PONG}
    context = Context(interaction, now or datetime.now(UTC), engine)
    if interaction.type == APPLICATION_COMMAND:
        command = _command(interaction)
        refused = _where_refused(interaction, in_dms=command.in_dms, engine=engine)
        return message(refused) if refused else _run(command.load_handler(), context)
    if interaction.type == AUTOCOMPLETE:
        return _autocomplete(context)
    if interaction.type == MESSAGE_COMPONENT:
        from roundtable_edge.discord.commands import component_handler

        handler = component_handler(interaction.custom_id)
        if handler is None:
            raise InteractionError(f"unknown component {interaction.custom_id!r}")
        # Buttons also live in DMs (meeting reminders): only another server is refused.
        refused = _where_refused(interaction, in_dms=True, engine=engine)
        return message(refused) if refused else _run(handler, context)
    if interaction.type == MODAL_SUBMIT:
        raise InteractionError("this application shows no modals")
    raise InteractionError(f"unknown interaction type {interaction.type}")


def configured_guild() -> str | None:
    """Our Discord server (DISCORD_GUILD_ID), or None when not configured (a local stack)."""
    from roundtable.config import get_settings

    return get_settings().discord_guild_id


def in_our_guild(interaction: Interaction, engine: Engine | None = None) -> bool:
    """Whether the interaction comes from one of our servers: DISCORD_GUILD_ID or one
    configured for groups (discord_servers); any server when none is configured."""
    if interaction.guild_id is None:
        return False
    ours = configured_guild()
    if ours is None or interaction.guild_id == ours:
        return True
    # Imported here: only an interaction from another server pays for the lookup.
    from roundtable.db.engine import get_engine
    from roundtable.sync.servers import is_course_server

    return is_course_server(engine or get_engine(), interaction.guild_id)


def _where_refused(
    interaction: Interaction, *, in_dms: bool, engine: Engine | None = None
) -> str | None:
    """Why this interaction may not run where it was sent from, or None when it may."""
    if interaction.guild_id is None:
        return None if in_dms else "This command works in the course's Discord server, not in DMs."
    if not in_our_guild(interaction, engine):
        return "Roundtable answers in its own Discord server only; use the command there."
    return None


def database_id(value: Any, what: str) -> int:
    """An id from an option or a custom_id, checked to fit Postgres' integer ids.

    ValidationError (a private answer) for anything else: a huge number names
    nothing, and would be a database error rather than an answer.
    """
    plain = isinstance(value, int | str) and not isinstance(value, bool)
    text = str(value).strip() if plain else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or int(text) < 1:
        raise ValidationError(f"{value!r} is not a {what}; pick one from the list.")
    if int(text) > MAX_DATABASE_ID:
        raise ValidationError(f"There is no {what} {text}.")
    return int(text)


def _command(interaction: Interaction) -> Any:
    from roundtable_edge.discord.commands import find_command

    command = find_command(interaction.command_name)
    if command is None:
        raise InteractionError(f"unknown command /{interaction.command_name}")
    return command


def _run(handler: Handler, context: Context) -> dict[str, Any]:
    """Run a handler; domain errors become a private answer saying what is wrong."""
    try:
        answer: dict[str, Any] = handler(context)
        return answer
    except DomainError as exc:
        return message(str(exc))
    except Exception:
        # Not the user's fault: log it, and still answer rather than let it time out.
        logger.exception("interaction %s failed", context.interaction.id)
        return message(
            "Sorry, something went wrong on our side. Please try again in a minute; "
            f"if it keeps failing, tell an admin (reference {context.interaction.id})."
        )


def _autocomplete(context: Context) -> dict[str, Any]:
    command = _command(context.interaction)
    option, _ = context.interaction.focused_option
    if _where_refused(context.interaction, in_dms=command.in_dms, engine=context.engine):
        return autocomplete_result([])
    handler = command.load_autocomplete(option)
    if handler is None:
        return autocomplete_result([])
    try:
        answer: dict[str, Any] = handler(context)
        return answer
    except DomainError:  # e.g. not an admin: autocomplete cannot show errors, offer nothing
        return autocomplete_result([])
    except Exception:
        logger.exception("autocomplete for /%s failed", command.name)
        return autocomplete_result([])


# -- response builders -----------------------------------------------------------
def message_data(
    content: str,
    *,
    ephemeral: bool = True,
    components: list[dict[str, Any]] | None = None,
    embeds: list[dict[str, Any]] | None = None,
    mentions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A message body; no pings unless `mentions` says so."""
    data: dict[str, Any] = {
        "content": truncate(content),
        "allowed_mentions": mentions or NO_MENTIONS,
        "components": components or [],
    }
    if embeds:
        data["embeds"] = embeds
    if ephemeral:
        data["flags"] = EPHEMERAL
    return data


def message(content: str, *, ephemeral: bool = True, **options: Any) -> dict[str, Any]:
    """Answer with a message (private by default)."""
    data = message_data(content, ephemeral=ephemeral, **options)
    return {"type": CHANNEL_MESSAGE, "data": data}


def deferred(*, ephemeral: bool = True) -> dict[str, Any]:
    """Acknowledge now ("thinking…"); the original response is edited later."""
    return {"type": DEFERRED_CHANNEL_MESSAGE, "data": {"flags": EPHEMERAL} if ephemeral else {}}


def update_message(
    content: str, *, components: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Replace the message a clicked button belongs to."""
    data = message_data(content, ephemeral=False, components=components)
    return {"type": UPDATE_MESSAGE, "data": data}


def autocomplete_result(choices: list[tuple[str, str | int]]) -> dict[str, Any]:
    """Up to 25 autocomplete choices as (shown name, value)."""
    return {
        "type": AUTOCOMPLETE_RESULT,
        "data": {
            "choices": [
                {"name": truncate(name, 100), "value": value}
                for name, value in choices[:MAX_CHOICES]
            ]
        },
    }


def button(
    label: str, custom_id: str, *, style: int = PRIMARY, disabled: bool = False
) -> dict[str, Any]:
    """A button component; `custom_id` comes back when it is clicked (max 100 chars)."""
    return {
        "type": 2,
        "style": style,
        "label": label,
        "custom_id": custom_id[:100],
        "disabled": disabled,
    }


def action_row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


def truncate(text: str, limit: int = MAX_CONTENT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def discord_time(moment: datetime, style: str = "F") -> str:
    """A Discord timestamp: every reader sees it in their own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _objects(value: Any) -> list[dict[str, Any]]:
    """The JSON objects in a list (options); anything else is ignored."""
    return [item for item in _list(value) if isinstance(item, dict)]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text_or_none(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


def _leaf_options(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    leaves: list[dict[str, Any]] = []
    for option in options:
        if option.get("type") in (_SUB_COMMAND, _SUB_COMMAND_GROUP):
            leaves.extend(_leaf_options(_objects(option.get("options"))))
        elif "name" in option:
            leaves.append(option)
    return leaves
