"""What every tutor model client shares: the streamed event, the learner-facing errors,
and how a provider's HTTP status reads (model.py's LiteLLM adapter, openai_compat's client,
transcribe's speech to text)."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from roundtable.errors import DomainError, UpstreamError, UpstreamTimeoutError

logger = logging.getLogger(__name__)

MAX_REPLY_TOKENS = 1024


@dataclass(frozen=True)
class ModelEvent:
    """A piece of a streamed reply: text, or (at the end) the tokens the call used."""

    text: str = ""
    total_tokens: int | None = None


class TutorUnavailableError(UpstreamError):
    """The model provider failed or refused the request."""

    code = "tutor_unavailable"


class TutorBusyError(UpstreamError):
    """The model provider is rate limiting us."""

    code = "tutor_busy"


class TutorTimeoutError(UpstreamTimeoutError):
    """The model did not answer in time."""

    code = "tutor_timeout"


@dataclass(frozen=True)
class FailureTexts:
    """What the learner reads when a provider call fails, per kind of failure."""

    timeout: str
    busy: str
    misconfigured: str
    failed: str


CHAT_FAILURES = FailureTexts(
    timeout="the tutor took too long to answer; please try again",
    busy="the tutor is busy right now; please try again in a minute",
    misconfigured="the tutor is not available right now (configuration)",
    failed="the tutor could not answer because its model provider failed; please try again",
)
DEFAULT_RETRY_AFTER_S = 30
MAX_RETRY_AFTER_S = 3600


def status_error(
    status: int | None, retry_after: str | None, model: str, texts: FailureTexts = CHAT_FAILURES
) -> DomainError:
    """The learner-facing error for a provider's HTTP error status (None: no answer).

    429 is the provider rate limiting us (TutorBusyError, with its Retry-After);
    401/403/404 mean our key or model name is wrong (logged as an error, for
    the operator); anything else is the provider failing.
    """
    if status == 429:
        return TutorBusyError(texts.busy, retry_after=retry_after_seconds(retry_after))
    if status in (401, 403, 404):
        logger.error("model %s is misconfigured (check LLM_MODEL and LLM_API_KEY)", model)
        return TutorUnavailableError(texts.misconfigured)
    return TutorUnavailableError(texts.failed)


def retry_after_seconds(header: str | None) -> int:
    """A Retry-After header (seconds, or an HTTP date) as seconds, within reason."""
    seconds: float | None = None
    if header:
        try:
            seconds = float(header)
        except ValueError:
            seconds = _seconds_until(header)
    if seconds is None or not math.isfinite(seconds):
        return DEFAULT_RETRY_AFTER_S
    return max(1, min(MAX_RETRY_AFTER_S, math.ceil(seconds)))


def _seconds_until(http_date: str) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - datetime.now(UTC)).total_seconds()
