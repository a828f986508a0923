"""The slash-command set, defined once: the function routes with it and
`roundtable discord register-commands` registers it.

Handlers are named by "module:function" and imported only when their command
runs, so answering PING (or /ping) loads no database code.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

# Option types (Discord's application command option types)
SUB_COMMAND = 1
STRING = 3
INTEGER = 4
# Installed to servers; used in servers (0) or the bot's DMs (1).
GUILD_INSTALL = 0
IN_GUILD, IN_BOT_DM = 0, 1
# Admin commands are hidden from members without Manage Server until a server
# admin grants them (Server Settings → Integrations); the handler re-checks.
MANAGE_GUILD = str(1 << 5)

_HANDLERS = "roundtable_edge.discord.handlers"
# roundtable.cohorts.leaving.MAX_REASON_LENGTH, repeated because this module must stay
# import-light (PING); a test keeps the two equal.
LEAVE_REASON_MAX_LENGTH = 500


@dataclass(frozen=True)
class Option:
    """A command option as Discord registers it."""

    name: str
    description: str
    type: int = STRING
    required: bool = False
    autocomplete: str | None = None  # "module:function" answering the autocomplete
    min_value: int | None = None
    max_value: int | None = None
    max_length: int | None = None  # for STRING options: Discord's client enforces it
    options: tuple[Option, ...] = ()  # for sub-commands

    def to_discord(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "type": self.type,
            "name": self.name,
            "description": self.description,
        }
        if self.type == SUB_COMMAND:
            payload["options"] = [o.to_discord() for o in self.options]
            return payload
        payload["required"] = self.required
        if self.autocomplete:
            payload["autocomplete"] = True
        if self.min_value is not None:
            payload["min_value"] = self.min_value
        if self.max_value is not None:
            payload["max_value"] = self.max_value
        if self.max_length is not None:
            payload["max_length"] = self.max_length
        return payload


@dataclass(frozen=True)
class Command:
    """A slash command: what Discord shows, who may see it, and what runs."""

    name: str
    description: str
    handler: str  # "module:function"
    options: tuple[Option, ...] = ()
    admin: bool = False
    in_dms: bool = False

    def to_discord(self) -> dict[str, Any]:
        """The command as Discord's bulk-overwrite endpoint takes it."""
        return {
            "type": 1,
            "name": self.name,
            "description": self.description,
            "options": [o.to_discord() for o in self.options],
            "default_member_permissions": MANAGE_GUILD if self.admin else None,
            "integration_types": [GUILD_INSTALL],
            "contexts": [IN_GUILD, IN_BOT_DM] if self.in_dms else [IN_GUILD],
            "nsfw": False,
        }

    def load_handler(self) -> Any:
        return load(self.handler)

    def load_autocomplete(self, option_name: str) -> Any:
        """The autocomplete function of an option, or None."""
        for option in _all_options(self.options):
            if option.name == option_name and option.autocomplete:
                return load(option.autocomplete)
        return None


def load(reference: str) -> Any:
    """Import "module:function" and return the function."""
    module_name, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def _all_options(options: tuple[Option, ...]) -> list[Option]:
    found: list[Option] = []
    for option in options:
        found.append(option)
        found.extend(_all_options(option.options))
    return found


def _ref(module: str, function: str) -> str:
    return f"{_HANDLERS}.{module}:{function}"


_COHORT_CHOICE = _ref("admin", "autocomplete_cohort")
_MY_GROUP_CHOICE = _ref("facilitator", "autocomplete_my_group")


def _cohort_option() -> Option:
    return Option("cohort", "The cohort", required=True, autocomplete=_COHORT_CHOICE)


def _facilitated_group_option() -> Option:
    return Option(
        "group",
        "One of your groups (default: your only group)",
        type=INTEGER,
        autocomplete=_MY_GROUP_CHOICE,
    )


COMMANDS: tuple[Command, ...] = (
    Command("ping", "Check that Roundtable answers", _ref("basic", "ping"), in_dms=True),
    Command(
        "availability",
        "Link to the page where you set your weekly availability",
        _ref("basic", "availability"),
        in_dms=True,
    ),
    Command("group", "Your group: members, weekly time, next meeting", _ref("member", "group")),
    Command(
        "next-meeting",
        "Your next meeting, with buttons to say whether you can make it",
        _ref("member", "next_meeting"),
    ),
    Command(
        "checkin",
        "Check in to your meeting (from 15 minutes before to 60 minutes after it starts)",
        _ref("member", "checkin"),
    ),
    Command("progress", "Your course progress", _ref("member", "progress"), in_dms=True),
    Command(
        "guest-visit",
        "Can't make your next meeting? Join another group's meeting that week as a guest",
        _ref("guest_visits", "guest_visit"),
    ),
    Command(
        "leave",
        "Leave a cohort and your group (your facilitator is told, with your reason if given)",
        _ref("cohorts", "leave"),
        options=(
            Option(
                "cohort",
                "The cohort to leave (default: your only one)",
                autocomplete=_ref("cohorts", "autocomplete_my_cohort"),
            ),
            Option(
                "reason",
                "Why you are leaving (optional; your facilitator reads it)",
                max_length=LEAVE_REASON_MAX_LENGTH,
            ),
        ),
    ),
    Command(
        "attendance",
        "Facilitators: who RSVP'd and who checked in, last and next meeting",
        _ref("facilitator", "attendance"),
        options=(_facilitated_group_option(),),
    ),
    Command(
        "group-progress",
        "Facilitators: course progress of each member of your group",
        _ref("facilitator", "group_progress"),
        options=(_facilitated_group_option(),),
    ),
    Command(
        "schedule",
        "Admins: put a cohort's signups into groups (answers with a summary to publish)",
        _ref("admin", "schedule"),
        options=(
            _cohort_option(),
            Option("meeting-length", "Minutes per meeting", INTEGER, min_value=30, max_value=240),
            Option("min-size", "Smallest group (learners)", INTEGER, min_value=2, max_value=20),
            Option("max-size", "Largest group (learners)", INTEGER, min_value=2, max_value=20),
        ),
        admin=True,
    ),
    Command(
        "publish",
        "Admins: publish a cohort's groups (channels, roles, calendar, welcome messages)",
        _ref("admin", "publish"),
        options=(_cohort_option(),),
        admin=True,
    ),
    Command(
        "sync",
        "Admins: reconcile Discord and the calendar with the database",
        _ref("admin", "sync"),
        options=(
            Option(
                "group",
                "Sync one group",
                SUB_COMMAND,
                options=(
                    Option(
                        "name",
                        "The group",
                        INTEGER,
                        required=True,
                        autocomplete=_ref("admin", "autocomplete_group"),
                    ),
                ),
            ),
            Option(
                "cohort", "Sync every group of a cohort", SUB_COMMAND, options=(_cohort_option(),)
            ),
        ),
        admin=True,
    ),
    Command(
        "cohort-status",
        "Admins: signups, groups and recent jobs of a cohort",
        _ref("admin", "cohort_status"),
        options=(_cohort_option(),),
        admin=True,
    ),
)

# Buttons: custom_id prefix → handler. The rest of a custom_id is data the
# handler re-checks (it arrives from the client and is not trusted).
COMPONENTS: dict[str, str] = {
    "rsvp": _ref("member", "rsvp_button"),
    "guest": _ref("guest_visits", "button_clicked"),  # guest:book:<own>:<host>, guest:cancel:<id>
    "publish": _ref("admin", "publish_button"),
    "discard": _ref("admin", "discard_button"),
}


def find_command(name: str) -> Command | None:
    """The command called `name`, or None."""
    return next((c for c in COMMANDS if c.name == name), None)


def component_handler(custom_id: str) -> Any:
    """The handler for a clicked component, or None when the prefix is unknown."""
    reference = COMPONENTS.get(custom_id.split(":", 1)[0])
    return load(reference) if reference else None


def command_payloads() -> list[dict[str, Any]]:
    """The whole command set in Discord's registration shape."""
    return [command.to_discord() for command in COMMANDS]
