"""The language model behind the tutor: which client reaches it, and how its failures read.

Most providers speak OpenAI's Chat Completions protocol; the tutor talks to
those directly over httpx (roundtable.tutor.openai_compat), which imports in
a tenth of a second. Every other provider (Bedrock, Vertex AI, Azure
deployments, ...) is reached through LiteLLM, which is about 150 MB and takes
seconds to import, so it is imported on the first such call only
(`chat_model_from_settings` picks; docs/tutor.md, "The model client"). Deployed,
LiteLLM is an optional layer (template parameter TutorModelLibrary=litellm):
without it, such a model is refused with a 503 that says so.
Provider failures become UpstreamError (502) and timeouts
UpstreamTimeoutError (504), each with a message a learner can act on.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from roundtable.config import Settings
from roundtable.errors import DomainError, ServiceUnavailableError
from roundtable.tutor.provider import CHAT_FAILURES as CHAT_FAILURES
from roundtable.tutor.provider import MAX_REPLY_TOKENS as MAX_REPLY_TOKENS
from roundtable.tutor.provider import FailureTexts as FailureTexts
from roundtable.tutor.provider import ModelEvent as ModelEvent
from roundtable.tutor.provider import TutorBusyError as TutorBusyError
from roundtable.tutor.provider import TutorTimeoutError as TutorTimeoutError
from roundtable.tutor.provider import TutorUnavailableError as TutorUnavailableError
from roundtable.tutor.provider import status_error as status_error

logger = logging.getLogger(__name__)


class ChatModel(Protocol):
    """Streams a reply to a list of {"role", "content"} messages."""

    @property
    def timeout_s(self) -> float:
        """Seconds to wait for the provider (connect, first word, each piece)."""
        ...

    def stream(self, messages: list[dict[str, str]]) -> AsyncIterator[ModelEvent]: ...


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
    require_litellm(settings.llm_model)
    return LiteLLMChatModel(settings.llm_model, settings.llm_api_base, api_key, timeout_s)


def require_litellm(model: str) -> None:
    """ServiceUnavailableError (503) when `model` needs LiteLLM and it is not installed:
    a deployment without the LiteLLM layer (TutorModelLibrary=direct, the default).
    Checked before the learner's message is admitted, so nothing is saved or counted."""
    try:
        installed = importlib.util.find_spec("litellm") is not None
    except ImportError:  # an import hook refusing it
        installed = False
    if not installed:
        logger.error("model %s needs LiteLLM, which is not installed here", model)
        raise ServiceUnavailableError(
            f"the tutor is not available on this site: its model ({model}) needs the "
            "LiteLLM layer (deploy with TutorModelLibrary=litellm)"
        )


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
