"""The Discord job listener edits the original response through the interaction webhook."""

from __future__ import annotations

from typing import Any

import pytest
from roundtable_edge.discord.replies import DiscordReplies

from roundtable.discord.rest import DiscordRestClient
from roundtable.jobs.listeners import ClaimedJob
from roundtable.scheduling.summary import GroupLine, ScheduleSummary
from roundtable.sync.outcomes import PublishResult
from tests.fakes.discord import APPLICATION_ID, FakeDiscord

SUMMARY = ScheduleSummary(
    cohort_id=3,
    run_id=17,
    cohort_name="Spring 2026",
    groups=(GroupLine("Group 1", 6, "Monday 18:00 Europe/London"),),
    placed=52,
    learners=55,
    unplaced_by_reason={"no_availability": 2, "too_few_learners": 1},
    gap=0.0,
    upper_bound=52,
    seconds=4.2,
    dst_notes=("Group 3 moves an hour for Sydney members from 6 April",),
    preview_group_ids=(1,),
    proposed_joins=0,
    facilitators_without_group=0,
)
TOKEN = "deferred-token"
INTERACTION = {"application_id": APPLICATION_ID, "token": TOKEN}
REPLIES = DiscordReplies()


def _job(kind: str = "schedule_cohort", **payload: Any) -> ClaimedJob:
    return ClaimedJob(7, kind, {"cohort_id": 3, **payload}, attempt=1, max_attempts=5)


def test_a_schedule_summary_replaces_the_deferred_response_with_buttons(
    fake_discord: FakeDiscord,
) -> None:
    REPLIES.finished(_job(reply_to=INTERACTION), SUMMARY)

    message = fake_discord.original_responses[TOKEN]
    assert "**Scheduling result for Spring 2026**" in message["content"]
    assert "placed 52 of 55 learners (95%)" in message["content"]
    assert "- Group 1: 6 people, Monday 18:00 Europe/London" in message["content"]
    assert "no availability: 2" in message["content"]
    assert "proven optimal" in message["content"]
    assert "Sydney members" in message["content"]
    buttons = message["components"][0]["components"]
    assert [b["custom_id"] for b in buttons] == ["publish:3:17", "discard:3:17"]
    assert message["allowed_mentions"] == {"parse": []}
    assert "authorization" not in fake_discord.requests[-1].headers


def test_jobs_queued_before_reply_to_are_answered_through_their_interaction_key(
    fake_discord: FakeDiscord,
) -> None:
    REPLIES.finished(_job(interaction=INTERACTION), SUMMARY)

    assert "Spring 2026" in fake_discord.original_responses[TOKEN]["content"]


def test_a_publish_result_says_what_went_live(fake_discord: FakeDiscord) -> None:
    result = PublishResult(3, 2, 4, 6, 9, 1, 1, record={})

    REPLIES.finished(_job("publish_cohort", reply_to=INTERACTION), result)

    assert fake_discord.original_responses[TOKEN]["content"] == (
        "✅ Published 2 group(s); 4 live in all.\n"
        "Discord: 6 created, 9 roles granted.\n"
        "1 member(s) are not in the server yet; they get their role once they join.\n"
        "Left in preview (no members): 1 group(s)."
    )


def test_only_the_final_failure_edits_the_response(fake_discord: FakeDiscord) -> None:
    job = _job("publish_cohort", reply_to=INTERACTION)

    REPLIES.failed(job, "Discord is down", False)
    assert fake_discord.requests == []  # retries remain: still "thinking…"

    REPLIES.failed(job, "no category for cohort 3", True)
    content = fake_discord.original_responses[TOKEN]["content"]
    assert content == "❌ Publishing failed: no category for cohort 3"


def test_a_job_without_a_discord_reply_address_is_not_answered(fake_discord: FakeDiscord) -> None:
    REPLIES.finished(_job(), SUMMARY)
    REPLIES.finished(_job(reply_to={"email": "admin@example.org"}), SUMMARY)
    REPLIES.failed(_job(reply_to={"token": 5}), "boom", True)

    assert fake_discord.requests == []


def test_an_expired_token_is_logged_not_raised(
    fake_discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    fake_discord.expired_tokens.add(TOKEN)

    REPLIES.failed(_job(reply_to=INTERACTION), "boom", True)

    assert fake_discord.statuses() == [401]
    assert "could not edit the Discord response of job 7" in caplog.text


def test_edits_wait_out_a_rate_limit_on_the_webhook(fake_discord: FakeDiscord) -> None:
    fake_discord.rate_limit_next(
        "PATCH", r"/webhooks/\d+/[^/]+/messages/@original", retry_after=0.05
    )
    replies = DiscordReplies(lambda: DiscordRestClient(fake_discord.base_url, None))

    replies.finished(_job(reply_to=INTERACTION), SUMMARY)

    assert fake_discord.statuses() == [429, 200]
