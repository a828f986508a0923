"""The post that opens a group's channel names every member, on Discord yet or not."""

from __future__ import annotations

from dataclasses import replace

from roundtable.sync.desired import Member, welcome_message
from tests.unit.sync.test_desired import _group


def _members_line(content: str) -> str:
    return next(line for line in content.splitlines() if line.startswith("Members: "))


def test_members_without_discord_are_listed_by_name_beside_the_mentions() -> None:
    message = welcome_message(_group())
    assert _members_line(message["content"]) == "Members: <@111> (facilitator), <@222>, No Discord"
    assert message["allowed_mentions"] == {"users": ["111", "222"]}


def test_a_full_group_none_of_whom_linked_discord_is_not_none_yet() -> None:
    group = _group()
    offline = tuple(replace(m, discord_id=None) for m in group.members)
    message = welcome_message(replace(group, members=offline))
    assert _members_line(message["content"]) == "Members: Fay (facilitator), Lee, No Discord"
    assert message["allowed_mentions"] == {"users": []}


def test_names_are_shown_as_written_not_as_discord_markdown() -> None:
    learner = Member(5, "learner", "active", None, None, "ada_lovelace *")
    facilitator = Member(6, "facilitator", "active", None, None, "Grace")
    message = welcome_message(_group(members=(learner, facilitator)))
    assert _members_line(message["content"]) == "Members: Grace (facilitator), ada\\_lovelace \\*"


def test_a_group_with_no_active_members_says_none_yet() -> None:
    group = _group()
    gone = tuple(replace(m, status="removed") for m in group.members)
    assert _members_line(welcome_message(replace(group, members=gone))["content"]) == (
        "Members: none yet"
    )
