"""What an admin may choose for a cohort and for one scheduling run, and the rules
those choices follow.

Both doors (the web's JSON body, Discord's /schedule options) build a
`SchedulingOptions` and the domain checks it here, so a bad value gets the
same answer wherever it was typed. The cohort's own choices (its settings, which
`cohorts.catalog` stores) are checked here too. Pure: no database.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from roundtable.errors import ValidationError
from roundtable.scheduling.model import CELL_MINUTES

# The allowed range of each whole-number option (the web schema shows the same bounds).
LIMITS: dict[str, tuple[int, int]] = {
    "meeting_minutes": (30, 240),
    "min_group_size": (2, 20),
    "max_group_size": (2, 20),
    "time_limit_seconds": (1, 600),
    "seed": (0, 2**31 - 1),
}
LABELS = {
    "meeting_minutes": "The meeting length (minutes)",
    "min_group_size": "The smallest group size",
    "max_group_size": "The largest group size",
    "time_limit_seconds": "The time limit (seconds)",
    "seed": "The seed",
}


@dataclass(frozen=True)
class SchedulingOptions:
    """Choices for one run; None takes the cohort's setting (or the scheduler's default)."""

    meeting_minutes: int | None = None
    min_group_size: int | None = None
    max_group_size: int | None = None
    use_if_needed: bool | None = None
    require_facilitator: bool | None = None
    time_limit_seconds: int | None = None
    seed: int | None = None

    def as_params(self) -> dict[str, Any]:
        """The job payload's `params`: only what was chosen."""
        return {name: value for name, value in asdict(self).items() if value is not None}


def check_options(
    options: SchedulingOptions, *, cohort_min: int, cohort_max: int
) -> SchedulingOptions:
    """The options if every rule holds; a ValidationError naming the first broken one.

    Sizes are checked against the cohort's own setting when only one is chosen:
    a smallest size above the cohort's largest leaves no valid group either.
    """
    for name, (low, high) in LIMITS.items():
        value = getattr(options, name)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValidationError(
                f"{LABELS[name]} must be a whole number from {low} to {high}, got {value!r}.",
                field=f"params.{name}",
            )
    minutes = options.meeting_minutes
    if minutes is not None and minutes % CELL_MINUTES:
        raise ValidationError(
            f"The meeting length must be a multiple of {CELL_MINUTES} minutes, got {minutes}.",
            field="params.meeting_minutes",
        )
    _check_sizes(options, cohort_min, cohort_max)
    return options


def _check_sizes(options: SchedulingOptions, cohort_min: int, cohort_max: int) -> None:
    low = options.min_group_size if options.min_group_size is not None else cohort_min
    high = options.max_group_size if options.max_group_size is not None else cohort_max
    if low <= high:
        return
    low_text = f"{low}" if options.min_group_size is not None else f"{low}, the cohort's setting"
    high_text = f"{high}" if options.max_group_size is not None else f"{high}, the cohort's setting"
    raise ValidationError(
        f"The smallest group size ({low_text}) cannot be larger than the largest ({high_text}).",
        field="params.min_group_size",
    )


# How a cohort's meeting reminders reach Discord: "dm", one DM per member (and a
# channel post that pings nobody), or "group_post", one post in the group's channel
# that mentions its members instead of the DMs (docs/notifications.md, "Reminders as
# one group post"). Email is the same either way.
DISCORD_REMINDERS = ("dm", "group_post")


def check_discord_reminders(value: str) -> str:
    """The choice if it is one of DISCORD_REMINDERS; a ValidationError saying which are."""
    if value not in DISCORD_REMINDERS:
        raise ValidationError(
            f"Discord reminders must be one of {', '.join(DISCORD_REMINDERS)}, got {value!r}.",
            field="discord_reminders",
        )
    return value


# How a cohort's members get their group's meetings into their calendars: "google", a
# Google Calendar series (sync/calendar_sync.py), or "ics", an .ics invitation by
# e-mail (sync/invitations.py; docs/sync.md, "Calendar invitations by e-mail").
CALENDAR_INVITATIONS = ("google", "ics")


def check_calendar_invitations(value: str) -> str:
    """The choice if it is one of CALENDAR_INVITATIONS; a ValidationError saying which are."""
    if value not in CALENDAR_INVITATIONS:
        raise ValidationError(
            f"Calendar invitations must be one of {', '.join(CALENDAR_INVITATIONS)}, "
            f"got {value!r}.",
            field="calendar_invitations",
        )
    return value


# Where a cohort's groups meet (a group may override it): "discord", its voice channel;
# "google_meet", a Meet link on its Google Calendar series; "zoom", a Zoom meeting per
# date (roundtable.venues; docs/sync.md, "Meeting venues").
MEETING_VENUES = ("discord", "google_meet", "zoom")


def check_meeting_venue(value: str, *, calendar_invitations: str = "google") -> str:
    """The venue if it is one of MEETING_VENUES and fits the calendar choice: a Meet link
    comes from a Google series, which .ics invitations do not have."""
    if value not in MEETING_VENUES:
        raise ValidationError(
            f"The meeting venue must be one of {', '.join(MEETING_VENUES)}, got {value!r}.",
            field="meeting_venue",
        )
    if value == "google_meet" and calendar_invitations != "google":
        raise ValidationError(
            "Google Meet links are made on the groups' Google Calendar series, and this "
            f"cohort sends {calendar_invitations} invitations instead: choose Zoom or Discord, "
            "or Google calendar invitations.",
            field="meeting_venue",
        )
    return value
