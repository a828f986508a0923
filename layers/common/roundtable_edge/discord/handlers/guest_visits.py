"""/guest-visit: join another group's meeting the week I cannot make my own (+ its buttons).

Presenters only: the command shows `meetings.guests.guest_options` for my next
meeting as buttons; a button books through `book_guest_visit` or cancels
through `cancel_guest_visit`, the services the web calls. A button's
custom_id comes from the client, so the services re-check everything; their
refusals are the answers.
"""

from __future__ import annotations

import re
from typing import Any

from roundtable.errors import NotFoundError, ValidationError
from roundtable.groups.learners import next_meeting
from roundtable.meetings.guests import (
    GuestOptions,
    GuestVisit,
    book_guest_visit,
    cancel_guest_visit,
    guest_options,
)
from roundtable_edge.discord.handlers.common import connect
from roundtable_edge.discord.handlers.member import viewer_of
from roundtable_edge.discord.interactions import (
    DANGER,
    Context,
    action_row,
    button,
    message,
    truncate,
    update_message,
)

_BOOK = re.compile(r"^guest:book:(\d{1,10}):(\d{1,10})$")
_CANCEL = re.compile(r"^guest:cancel:(\d{1,10})$")
_PER_ROW, _ROWS = 5, 5  # Discord's limits: five buttons a row, five rows a message
_LABEL_LIMIT = 80


def guest_visit(context: Context) -> dict[str, Any]:
    """/guest-visit: other groups' meetings in the week of my next meeting, as Join buttons."""
    with connect(context) as conn:
        viewer = viewer_of(conn, context)
        found = next_meeting(conn, viewer, context.now)
        if found is None:
            raise NotFoundError("You have no upcoming meeting to replace with a guest visit.")
        options = guest_options(conn, viewer, found.meeting.id, context.now)
    if options.booked is not None:
        return message(_booked_text(options.booked), components=_cancel_button(options.booked))
    if not options.options:
        return message(
            f"No other group's meeting that week fits your availability and has room "
            f"(your meeting: {options.own_group_name}, {options.own_starts_label})."
        )
    return message(_options_text(options), components=_join_buttons(options))


def button_clicked(context: Context) -> dict[str, Any]:
    """Join … / Cancel my visit: book or cancel for the clicking learner."""
    custom_id = context.interaction.custom_id
    booking, cancelling = _BOOK.match(custom_id), _CANCEL.match(custom_id)
    if booking is None and cancelling is None:
        raise ValidationError("This button is malformed; run /guest-visit again.")
    with connect(context) as conn:
        viewer = viewer_of(conn, context)
        if booking is not None:
            own, host = int(booking.group(1)), int(booking.group(2))
            visit = book_guest_visit(conn, viewer, own, host, context.now, source="discord")
            return update_message(_booked_text(visit), components=_cancel_button(visit))
        assert cancelling is not None
        visit = cancel_guest_visit(conn, viewer, int(cancelling.group(1)), context.now)
    return update_message(
        f"Cancelled: you will not join {visit.host_group_name} as a guest "
        f"({visit.starts_label}). Your own meeting is yours again; run /guest-visit to choose "
        "another."
    )


# -- wording -------------------------------------------------------------------
def _options_text(options: GuestOptions) -> str:
    return (
        f"Can't make {options.own_group_name} ({options.own_starts_label})? "
        "Join another group's meeting that week as a guest (times in your zone):"
    )


def _join_buttons(options: GuestOptions) -> list[dict[str, Any]]:
    buttons = [
        button(
            truncate(f"Join {o.group_name}, {o.starts_label}", _LABEL_LIMIT),
            f"guest:book:{options.own_meeting_id}:{o.host_meeting_id}",
        )
        for o in options.options[: _PER_ROW * _ROWS]
    ]
    return [
        action_row(*buttons[start : start + _PER_ROW]) for start in range(0, len(buttons), _PER_ROW)
    ]


def _booked_text(visit: GuestVisit) -> str:
    return (
        f"You will join **{visit.host_group_name}** (meeting {visit.host_meeting_number}) as a "
        f"guest, {visit.starts_label}, instead of {visit.own_group_name}. You can see its "
        "channel until the meeting is over, and a calendar invitation is on its way."
    )


def _cancel_button(visit: GuestVisit) -> list[dict[str, Any]]:
    return [action_row(button("Cancel my visit", f"guest:cancel:{visit.id}", style=DANGER))]
