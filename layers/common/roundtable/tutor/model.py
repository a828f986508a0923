"""The language model behind the tutor: which client reaches it, and how its failures read.

Most providers speak OpenAI's Chat Completions protocol; the tutor talks to
those directly over httpx (roundtable.tutor.openai_compat), which imports in
a tenth of a second. Every other provider (Bedrock, Vertex AI, Azure
deployments, ...) is reached through LiteLLM, which is about 200 MB and takes
seconds to import, so it is imported on the first such call only
(`chat_model_from_settings` picks; docs/tutor.md, "The model client").
Provider failures become UpstreamError (502) and timeouts
UpstreamTimeoutError (504), each with a message a learner can act on.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from roundtable.config import Settings
from roundtable.errors import (
    DomainError,
    ServiceUnavailableError,
    UpstreamError,
    UpstreamTimeoutError,
)

logger = logging.getLogger(__name__)

MAX_REPLY_TOKENS = 1024


@dataclass(frozen=True)
class ModelEvent:
    """A piece of a streamed reply: text, or (at the end) the tokens the call used."""

    text: str = ""
    total_tokens: int | None = None


class ChatModel(Protocol):
    """Streams a reply to a list of {"role", "content"} messages."""

    @property
    def timeout_s(self) -> float:
        """Seconds to wait for the provider (connect, first word, each piece)."""
        ...

    def stream(self, messages: list[dict[str, str]]) -> AsyncIterator[ModelEvent]: ...


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
class LiteLLMChatModel:
    """Any provider LiteLLM speaks to: `model` is "<provider>/<model name>"."""

    model: str
    api_base: str | None
    api_key: str | None
    timeout_s: float
    max_tokens: int = MAX_REPLY_TOKENS

    @classmethod
    def from_settings(cls, settings: Settings) -> LiteLLMChatModel:
        """The configured model; ServiceUnavailableError (503) when its key cannot be read."""
        return cls(
            model=settings.llm_model,
            api_base=settings.llm_api_base,
            api_key=llm_api_key(settings),
            timeout_s=float(settings.llm_timeout_s),
        )

    async def stream(self, messages: list[dict[str, str]]) -> AsyncIterator[ModelEvent]:
        litellm = litellm_module()
        try:
            response = await litellm.acompletion(
                model=self.model,
                messages=messages,
                stream=True,
                stream_options={"include_usage": True},
                api_base=self.api_base,
                api_key=self.api_key,
                timeout=self.timeout_s,
                max_tokens=self.max_tokens,
                # No silent retries: the learner sees the failure at once, and
                # their message is saved, so trying again loses nothing.
                max_retries=0,
                drop_params=True,  # providers without stream_options just ignore it
            )
            async for chunk in response:
                event = _event(chunk)
                if event is not None:
                    yield event
        except DomainError:
            raise
        except Exception as exc:
            raise provider_error(exc, self.model) from exc


def chat_model_from_settings(settings: Settings) -> ChatModel:
    """The configured model, over the direct OpenAI-compatible client when its provider
    has such an endpoint (or LLM_API_BASE names one), else through LiteLLM.
    ServiceUnavailableError (503) when the key cannot be read."""
    from roundtable.tutor.openai_compat import OpenAICompatChatModel, endpoint_for

    api_key = llm_api_key(settings)
    endpoint = endpoint_for(settings.llm_model, settings.llm_api_base, api_key)
    timeout_s = float(settings.llm_timeout_s)
    if endpoint is not None:
        return OpenAICompatChatModel(endpoint, timeout_s)
    return LiteLLMChatModel(settings.llm_model, settings.llm_api_base, api_key, timeout_s)


def llm_api_key(settings: Settings) -> str | None:
    """LLM_API_KEY; ServiceUnavailableError (503) when it cannot be read."""
    try:
        return settings.secret("LLM_API_KEY")
    except Exception as exc:  # a missing parameter, no SSM access, a placeholder
        logger.exception("cannot read LLM_API_KEY for the tutor")
        raise ServiceUnavailableError("the tutor is not configured on this site") from exc


def litellm_module() -> Any:
    # LiteLLM fetches a model price list from GitHub at import unless told
    # not to: a cold start must not wait on, or fail because of, the network.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True  # it prints "Give Feedback" banners to stdout
    return litellm


def _event(chunk: Any) -> ModelEvent | None:
    usage = getattr(chunk, "usage", None)
    total = getattr(usage, "total_tokens", None) if usage is not None else None
    choices = getattr(chunk, "choices", None) or []
    text = (getattr(choices[0].delta, "content", None) or "") if choices else ""
    if not text and not total:
        return None
    return ModelEvent(text=text, total_tokens=int(total) if total else None)


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


def provider_error(exc: Exception, model: str, texts: FailureTexts = CHAT_FAILURES) -> DomainError:
    """The learner-facing error for a failed LiteLLM call (logged with its cause)."""
    name = type(exc).__name__
    status = getattr(exc, "status_code", None)
    logger.warning("tutor model %s failed: %s (%s): %s", model, name, status, exc)
    if name in ("Timeout", "APITimeoutError") or isinstance(exc, TimeoutError):
        return TutorTimeoutError(texts.timeout)
    if name == "RateLimitError":
        status = 429
    elif name in ("AuthenticationError", "PermissionDeniedError", "NotFoundError"):
        status = 401
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    return status_error(
        status if isinstance(status, int) else None, headers.get("retry-after"), model, texts
    )


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
