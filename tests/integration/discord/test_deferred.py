"""Deferred work edits the original response through the interaction webhook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from roundtable.discord.deferred import edit_failure, edit_schedule_summary, reports_failure
from roundtable.discord.rest import DiscordRestClient, get_discord_client
from tests.fakes.discord import APPLICATION_ID, FakeDiscord

SUMMARY = {
    "cohort_id": 3,
    "run_id": 17,
    "cohort_name": "Spring 2026",
    "groups": 9,
    "placed": 52,
    "learners": 55,
    "unplaced_by_reason": {"no_availability": 2, "too_few_learners": 1},
    "gap": 0.0,
    "seconds": 4.2,
    "dst_notes": ["Group 3 moves an hour for Sydney members from 6 April"],
}
INTERACTION = {"application_id": APPLICATION_ID, "token": "deferred-token"}


def test_schedule_summary_replaces_the_deferred_response_with_buttons(
    fake_discord: FakeDiscord,
) -> None:
    edit_schedule_summary(get_discord_client(), INTERACTION, SUMMARY)
    message = fake_discord.original_responses["deferred-token"]
    assert "**Scheduling result for Spring 2026**" in message["content"]
    assert "placed 52 of 55 learners (95%)" in message["content"]
    assert "no availability: 2" in message["content"]
    assert "proven optimal" in message["content"]
    assert "Sydney members" in message["content"]
    buttons = message["components"][0]["components"]
    assert [b["custom_id"] for b in buttons] == ["publish:3:17", "discard:3:17"]
    assert message["allowed_mentions"] == {"parse": []}
    assert "authorization" not in fake_discord.requests[-1].headers


def test_a_summary_without_run_ids_has_no_buttons(fake_discord: FakeDiscord) -> None:
    summary = {k: v for k, v in SUMMARY.items() if k != "run_id"}
    edit_schedule_summary(get_discord_client(), INTERACTION, summary)
    message = fake_discord.original_responses["deferred-token"]
    assert message["components"] == [] and "/publish" in message["content"]


def test_a_failure_notice_edits_the_response(fake_discord: FakeDiscord) -> None:
    assert edit_failure(get_discord_client(), INTERACTION, "Scheduling", "solver crashed")
    assert fake_discord.original_responses["deferred-token"]["content"] == (
        "❌ Scheduling failed: solver crashed"
    )


def test_a_failure_notice_on_an_expired_token_reports_false(fake_discord: FakeDiscord) -> None:
    fake_discord.expired_tokens.add("deferred-token")
    assert not edit_failure(get_discord_client(), INTERACTION, "Scheduling", "boom")


@dataclass
class _JobContext:
    payload: dict[str, Any]


def test_a_decorated_job_that_raises_says_so_and_re_raises(fake_discord: FakeDiscord) -> None:
    @reports_failure("Publishing", get_discord_client)
    def job(context: Any) -> dict[str, Any]:
        raise RuntimeError("no category for cohort 3")

    with pytest.raises(RuntimeError):
        job(_JobContext({"cohort_id": 3, "interaction": INTERACTION}))
    content = fake_discord.original_responses["deferred-token"]["content"]
    assert content == "❌ Publishing failed: no category for cohort 3"


def test_edits_wait_out_a_rate_limit_on_the_webhook(fake_discord: FakeDiscord) -> None:
    fake_discord.rate_limit_next(
        "PATCH", r"/webhooks/\d+/[^/]+/messages/@original", retry_after=0.05
    )
    client = DiscordRestClient(fake_discord.base_url, None)
    edit_schedule_summary(client, INTERACTION, SUMMARY)
    assert fake_discord.statuses() == [429, 200]
