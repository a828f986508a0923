"""Daily tutor quotas, counted from the chat messages (and assessed answers) themselves.

Each learner (a user, or an anonymous token) may send so many messages and
use so many tokens per UTC day. The count is read from `chat_messages` under
a per-learner advisory lock, in the same transaction that saves the new
message, so two requests at once cannot both take the last message.
Anonymous visitors can make new tokens at will, so they are also limited per
address and hour (the web API's counters).

Every message also passes `admit_message`, which caps the spend whatever the
caller claims to be: per learner per minute (a burst from one account or
token), per address per hour for anonymous visitors, and for everyone
together per hour (TUTOR_GLOBAL_HOURLY_MESSAGES), so a crowd of fresh tokens
from many addresses still cannot run up the model's bill.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine

from roundtable import ratelimit
from roundtable.config import Settings
from roundtable.content.progress import Learner
from roundtable.errors import RateLimitedError
from roundtable.ratelimit import Limit
from roundtable.tutor.assessment_store import usage_since as answer_usage_since
from roundtable.tutor.store import Usage, usage_since

ANONYMOUS_PER_ADDRESS = Limit("tutor-anonymous", 60, 3600)
PER_LEARNER = Limit("tutor-learner", 10, 60)  # a user or an anonymous token, per minute
_EVERYONE = "tutor-everyone"  # one bucket for all learners; its size is a setting


def everyone_limit(settings: Settings) -> Limit:
    """The hourly cap on tutor messages of all learners together."""
    return Limit(_EVERYONE, settings.tutor_global_hourly_messages, 3600)


def admit_message(
    engine: Engine, learner: Learner, address: str, now: datetime, settings: Settings
) -> None:
    """Count one tutor message against the spend limits; RateLimitedError (429) when over.

    The daily quota (`check_quota`) is checked again with the message saved;
    these counters stop bursts and crowds before any model is called.
    """
    if learner.user_id is None:
        ratelimit.hit(engine, ANONYMOUS_PER_ADDRESS, f"ip:{address}", now)
        ratelimit.hit(engine, PER_LEARNER, f"anonymous:{learner.anonymous_token}", now)
    else:
        ratelimit.hit(engine, PER_LEARNER, f"user:{learner.user_id}", now)
    try:
        ratelimit.hit(engine, everyone_limit(settings), "all", now)
    except RateLimitedError as exc:
        raise RateLimitedError(
            "the tutor is answering as many messages as it can for everyone right now; "
            f"try again in {_duration(exc.retry_after or 60)}",
            retry_after=exc.retry_after,
        ) from None


@dataclass(frozen=True)
class Quota:
    """The most one learner may use per UTC day."""

    messages: int
    tokens: int

    @classmethod
    def for_learner(cls, learner: Learner, settings: Settings) -> Quota:
        if learner.user_id is not None:
            return cls(settings.tutor_daily_messages, settings.tutor_daily_tokens)
        return cls(settings.tutor_anonymous_daily_messages, settings.tutor_anonymous_daily_tokens)


@dataclass(frozen=True)
class QuotaStatus:
    """Today's use against the quota."""

    quota: Quota
    used: Usage
    resets_at: datetime


def day_start(now: datetime) -> datetime:
    """Midnight UTC at the start of `now`'s day."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def quota_status(conn: Connection, learner: Learner, quota: Quota, now: datetime) -> QuotaStatus:
    """How much of today's quota the learner has used."""
    start = day_start(now)
    chats = usage_since(conn, learner, start)
    answers = answer_usage_since(conn, learner, start)  # an assessed answer counts as a message
    used = Usage(chats.messages + answers.messages, chats.tokens + answers.tokens)
    return QuotaStatus(quota, used, start + timedelta(days=1))


def check_quota(conn: Connection, learner: Learner, quota: Quota, now: datetime) -> QuotaStatus:
    """RateLimitedError (429, retry at midnight UTC) when one more message is over the quota.

    Call under `lock_learner` and save the message in the same transaction.
    """
    status = quota_status(conn, learner, quota, now)
    retry_after = max(1, math.ceil((status.resets_at - now).total_seconds()))
    wait = _duration(retry_after)
    if status.used.messages >= quota.messages:
        raise RateLimitedError(
            f"you have sent the {quota.messages} tutor messages allowed per day; "
            f"the tutor is available again in {wait} (at 00:00 UTC)",
            retry_after=retry_after,
        )
    if status.used.tokens >= quota.tokens:
        raise RateLimitedError(
            f"your tutor conversations today used the daily allowance of {quota.tokens} "
            f"tokens; the tutor is available again in {wait} (at 00:00 UTC)",
            retry_after=retry_after,
        )
    return status


def _duration(seconds: int) -> str:
    hours, minutes = divmod(math.ceil(seconds / 60), 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"
