"""The language model behind the tutor, reached through LiteLLM.

LiteLLM is about 200 MB and takes seconds to import, so it is imported on
the first call, and only the tutor_chat function ships it. Provider
failures become UpstreamError (502) and timeouts UpstreamTimeoutError
(504), each with a message a learner can act on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
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
        try:
            api_key = settings.secret("LLM_API_KEY")
        except Exception as exc:  # a missing parameter, no SSM access, a placeholder
            logger.exception("cannot read LLM_API_KEY for the tutor")
            raise ServiceUnavailableError("the tutor is not configured on this site") from exc
        return cls(
            model=settings.llm_model,
            api_base=settings.llm_api_base,
            api_key=api_key,
            timeout_s=float(settings.llm_timeout_s),
        )

    async def stream(self, messages: list[dict[str, str]]) -> AsyncIterator[ModelEvent]:
        litellm = _litellm()
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


def _litellm() -> Any:
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


def provider_error(exc: Exception, model: str) -> DomainError:
    """The learner-facing error for a failed provider call (logged with its cause)."""
    name = type(exc).__name__
    status = getattr(exc, "status_code", None)
    logger.warning("tutor model %s failed: %s (%s): %s", model, name, status, exc)
    if name in ("Timeout", "APITimeoutError") or isinstance(exc, TimeoutError):
        return TutorTimeoutError("the tutor took too long to answer; please try again")
    if name == "RateLimitError" or status == 429:
        return TutorBusyError(
            "the tutor is busy right now; please try again in a minute", retry_after=30
        )
    if name in ("AuthenticationError", "PermissionDeniedError", "NotFoundError"):
        logger.error("tutor model %s is misconfigured (check LLM_MODEL and LLM_API_KEY)", model)
        return TutorUnavailableError("the tutor is not available right now (configuration)")
    return TutorUnavailableError(
        "the tutor could not answer because its model provider failed; please try again"
    )
