"""Building SendGrid requests and classifying provider failures."""

from __future__ import annotations

from datetime import timedelta

from roundtable.discord.rest import DiscordApiError
from roundtable.notifications.catalogue import EmailContent
from roundtable.notifications.delivery import (
    EmailBatch,
    EmailRecipient,
    _discord_error,
    sendgrid_body,
    split_recipients,
)
from roundtable.notifications.policy import backoff, describe_lateness
from tests.fakes.sendgrid import validate_mail

CONTENT = EmailContent("Subject", "Hi %rt_name%", "<p>Hi %rt_name_html%</p>")


def _recipient(email: str) -> EmailRecipient:
    return EmailRecipient(email, email.split("@")[0], {"name": email.split("@")[0]})


def test_the_request_body_is_one_sendgrid_accepts() -> None:
    batch = EmailBatch(CONTENT, [_recipient("a@example.org"), _recipient("b@example.org")])
    body = sendgrid_body(batch, "Roundtable <noreply@roundtable.example>")
    assert validate_mail(body) == []
    assert body["from"] == {"email": "noreply@roundtable.example", "name": "Roundtable"}
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    assert body["personalizations"][1]["substitutions"]["%rt_name%"] == "b"


def test_recipients_are_split_at_the_personalization_limit() -> None:
    recipients = [_recipient(f"p{n}@example.org") for n in range(2500)]
    assert [len(c) for c in split_recipients(recipients)] == [1000, 1000, 500]


def test_an_address_never_appears_twice_in_one_request_whatever_its_case() -> None:
    recipients = [
        _recipient("x@example.org"),
        _recipient("X@Example.org"),
        _recipient("y@example.org"),
    ]
    chunks = split_recipients(recipients)
    assert [[r.email for r in c] for c in chunks] == [
        ["x@example.org", "y@example.org"],
        ["X@Example.org"],
    ]
    for chunk in chunks:
        assert validate_mail(sendgrid_body(EmailBatch(CONTENT, chunk), "a@example.org")) == []


def test_discord_refusals_are_permanent_and_rate_limits_carry_their_wait() -> None:
    closed = _discord_error(DiscordApiError(403, 50007, "Cannot send messages to this user"))
    limited = _discord_error(DiscordApiError(429, 0, "slow down", retry_after=42.0))
    broken = _discord_error(DiscordApiError(502, 0, "bad gateway"))
    assert not closed.retryable
    assert limited.retryable and limited.retry_after == 42.0
    assert broken.retryable


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(20) == timedelta(hours=1)


def test_lateness_reads_in_hours_and_minutes() -> None:
    assert describe_lateness(timedelta(minutes=55)) == "55 minutes"
    assert describe_lateness(timedelta(hours=3, minutes=10)) == "3 hours 10 minutes"
    assert describe_lateness(timedelta(hours=12)) == "12 hours"
