"""`group_assigned` from the reader's side: a facilitator is told they facilitate."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest

from roundtable.notifications.catalogue import load_catalogue
from roundtable.notifications.compose import Links, Ready, compose
from roundtable.notifications.facts import Facts, Group, Member, User
from roundtable.notifications.ledger import Claimed

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIRST = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)
GROUP = Group(7, "Group 7", "active", "Spring 2026", "intro", None, FIRST, FIRST)


def _facts(*members: Member) -> Facts:
    users = {
        m.user_id: User(
            m.user_id, m.display_name, f"u{m.user_id}@example.org", None, "UTC", True, True
        )
        for m in members
    }
    return Facts(
        users=users, groups={GROUP.id: GROUP}, members=defaultdict(list, {GROUP.id: list(members)})
    )


def _email_to(user_id: int, facts: Facts) -> str:
    row = Claimed(
        1,
        "group_assigned",
        "group",
        GROUP.id,
        user_id,
        "email",
        "x",
        {"group_id": GROUP.id},
        0,
        NOW,
    )
    ready = compose(row, facts, NOW, Links("http://example.org", None))
    assert isinstance(ready, Ready)
    return load_catalogue().render("group_assigned", "email_text", ready.values, ready.zone)


FAY = Member(1, "facilitator", "Fay")
SAM = Member(2, "facilitator", "Sam")
ADA = Member(3, "learner", "Ada")


def test_a_learner_reads_who_facilitates() -> None:
    text = _email_to(ADA.user_id, _facts(FAY, ADA))
    assert "You're in Group 7 for Spring 2026, facilitated by Fay." in text


def test_the_facilitator_reads_that_they_facilitate_not_facilitated_by_themself() -> None:
    text = _email_to(FAY.user_id, _facts(FAY, ADA))
    assert "You're in Group 7 for Spring 2026, which you are facilitating." in text
    assert "facilitated by" not in text


@pytest.mark.parametrize(
    ("reader", "expected"),
    [
        (FAY, "which you are facilitating with Sam."),
        (SAM, "which you are facilitating with Fay."),
        (ADA, "facilitated by Fay and Sam."),
    ],
)
def test_co_facilitators_read_about_each_other(reader: Member, expected: str) -> None:
    assert expected in _email_to(reader.user_id, _facts(FAY, SAM, ADA))


def test_a_group_without_a_facilitator_says_one_is_to_be_announced() -> None:
    text = _email_to(ADA.user_id, _facts(ADA))
    assert "Spring 2026, with a facilitator to be announced." in text
