"""The tutor's model over OpenAI's Chat Completions protocol, spoken directly with httpx.

Most providers offer an OpenAI-compatible endpoint: OpenAI itself, Anthropic
(its OpenAI SDK compatibility layer), Gemini, Groq, Mistral, OpenRouter,
DeepSeek, Together, xAI, Fireworks, Cerebras, Perplexity; and so do servers
named by LLM_API_BASE (vLLM, Ollama's /v1, a LiteLLM proxy, the local fake).
For those the tutor needs no LiteLLM: httpx imports in 0.06 s where LiteLLM
takes over 3 s, which is most of a cold first message (docs/tutor.md, "The
model client"). Model names keep LiteLLM's "<provider>/<model>" form, so
LLM_MODEL means the same whichever client serves it.

One request per reply: `POST {base}/chat/completions` with `"stream": true`
and `stream_options.include_usage`, read as server-sent events (`data: {chunk}`
lines, then `data: [DONE]`). Failures map like LiteLLM's (model.status_error).
"""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx

from roundtable.errors import DomainError
from roundtable.tutor.provider import (
    CHAT_FAILURES,
    MAX_REPLY_TOKENS,
    FailureTexts,
    ModelEvent,
    TutorTimeoutError,
    TutorUnavailableError,
    status_error,
)

logger = logging.getLogger(__name__)

# LiteLLM's provider prefix → the provider's OpenAI-compatible base URL (each
# checked against the provider's documentation and LiteLLM's own defaults).
OPENAI_COMPATIBLE_BASES: dict[str, str] = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com/v1",
    "gemini": "https://generativelanguage.googleapis.com/v1beta/openai",
    "groq": "https://api.groq.com/openai/v1",
    "mistral": "https://api.mistral.ai/v1",
    "openrouter": "https://openrouter.ai/api/v1",
    "deepseek": "https://api.deepseek.com/v1",
    "together_ai": "https://api.together.xyz/v1",
    "xai": "https://api.x.ai/v1",
    "fireworks_ai": "https://api.fireworks.ai/inference/v1",
    "cerebras": "https://api.cerebras.ai/v1",
    "perplexity": "https://api.perplexity.ai",
}
# Providers whose LLM_API_BASE (in LiteLLM's meaning too) is an OpenAI-compatible
# server: a vLLM, Ollama's /v1, a LiteLLM proxy, the fake. Other providers with a
# base (azure, ollama's native API, ...) stay with LiteLLM, which knows their APIs.
OPENAI_COMPATIBLE_SERVERS = frozenset({"openai", "hosted_vllm", "litellm_proxy", "openai_like"})


@dataclass(frozen=True)
class Endpoint:
    """An OpenAI-compatible API: its base URL, the provider's model name, the key."""

    base_url: str
    model: str
    api_key: str | None

    def url(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}/{path}"

    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.api_key}"} if self.api_key else {}


def endpoint_for(model: str, api_base: str | None, api_key: str | None) -> Endpoint | None:
    """Where to reach `model` ("<provider>/<model>") directly; None: through LiteLLM."""
    provider, slash, name = model.partition("/")
    if not slash or not name:
        return None  # a bare name: LiteLLM guesses its provider
    if api_base and (provider in OPENAI_COMPATIBLE_SERVERS or provider in OPENAI_COMPATIBLE_BASES):
        return Endpoint(api_base, name, api_key)
    base = OPENAI_COMPATIBLE_BASES.get(provider)
    return Endpoint(base, name, api_key) if base else None


@cache
def ssl_context() -> ssl.SSLContext:
    """One TLS context per process: building one (loading the CA bundle) costs ~20 ms."""
    return httpx.create_ssl_context()


def client(timeout_s: float) -> httpx.AsyncClient:
    """A client for one call: connect, each read and each write within `timeout_s`."""
    return httpx.AsyncClient(timeout=httpx.Timeout(timeout_s), verify=ssl_context())


@dataclass(frozen=True)
class OpenAICompatChatModel:
    """A chat model at an OpenAI-compatible endpoint, streamed."""

    endpoint: Endpoint
    timeout_s: float
    max_tokens: int = MAX_REPLY_TOKENS

    async def stream(self, messages: list[dict[str, str]]) -> AsyncIterator[ModelEvent]:
        body = {
            "model": self.endpoint.model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_tokens": self.max_tokens,
        }
        url = self.endpoint.url("chat/completions")
        try:
            async with (
                client(self.timeout_s) as http,
                http.stream("POST", url, json=body, headers=self.endpoint.headers()) as response,
            ):
                await raise_for_status(response, self.endpoint.model)
                async for data in _sse_data(response.aiter_lines()):
                    event = _event(json.loads(data), self.endpoint.model)
                    if event is not None:
                        yield event
        except DomainError:
            raise
        except Exception as exc:
            raise transport_error(exc, self.endpoint.model) from exc


async def raise_for_status(
    response: httpx.Response, model: str, texts: FailureTexts = CHAT_FAILURES
) -> None:
    """The provider's error answer as the learner-facing error (its body only logged)."""
    if response.status_code < 400:
        return
    body = (await response.aread())[:500].decode(errors="replace")
    logger.warning("model %s answered %s: %s", model, response.status_code, body)
    raise status_error(response.status_code, response.headers.get("retry-after"), model, texts)


def transport_error(exc: Exception, model: str, texts: FailureTexts = CHAT_FAILURES) -> DomainError:
    """The learner-facing error for a call that got no (complete) answer."""
    logger.warning("model %s failed: %s: %s", model, type(exc).__name__, exc)
    if isinstance(exc, httpx.TimeoutException):
        return TutorTimeoutError(texts.timeout)
    return TutorUnavailableError(texts.failed)


async def _sse_data(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """The `data:` payloads of a server-sent event stream, up to `[DONE]`.

    Each chunk is one `data:` line in every provider's stream; comments
    (`: keep-alive`) and `event:` lines are skipped.
    """
    async for line in lines:
        if not line.startswith("data:"):
            continue
        data = line.removeprefix("data:").strip()
        if data == "[DONE]":
            return
        if data:
            yield data


def _event(chunk: dict[str, Any], model: str) -> ModelEvent | None:
    if chunk.get("error"):  # a provider failing mid-stream says so in a chunk
        raise status_error(_error_status(chunk["error"]), None, model)
    usage = chunk.get("usage") or {}
    total = usage.get("total_tokens")
    choices = chunk.get("choices") or []
    delta = (choices[0].get("delta") or {}) if choices else {}
    text = delta.get("content") or ""
    if not text and not total:
        return None
    return ModelEvent(text=str(text), total_tokens=int(total) if total else None)


def _error_status(error: Any) -> int | None:
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, int) else None
