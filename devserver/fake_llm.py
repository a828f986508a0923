"""A fake OpenAI-compatible chat model, for the local stack and tests only.

`POST /v1/chat/completions` answers like OpenAI's API: a JSON completion, or
with `"stream": true` server-sent events (`data: {chunk}` lines, a usage chunk
when `stream_options.include_usage` is set, then `data: [DONE]`). Replies are
deterministic, derived from the conversation, so tests can assert on them.
LiteLLM reaches it as model `openai/<any name>` with `api_base` = `base_url`.

Faults, for tests (`fail_next`, `first_token_delay_s`, `chunk_delay_s`) and
for trying the local stack by hand, with a directive in the learner's message:
`[fake:500]`, `[fake:429]` (with Retry-After), `[fake:slow=3]` (seconds before
the first token), `[fake:cut]` (the connection drops mid-stream). An
assessment (the system message starts with ASSESSMENT_MARKER) is answered with
JSON feedback from `fake_assessment`, or plain text with `[fake:text]`.

`POST /v1/audio/transcriptions` answers like OpenAI's speech to text: a
multipart/form-data body with `model` and `file` (400 when either is missing,
413 over `max_audio_bytes`, 25 MB like OpenAI), answered `{"text": ...}` (or
the bare text with `response_format=text`). The transcript is always
FAKE_TRANSCRIPT. The same directives, as bytes anywhere in the audio file
(`[fake:500]`, `[fake:429]`, `[fake:slow=3]`), and `fail_next` make it fail;
`transcriptions` records each request's fields and the file's size, never the audio.

Never used in a deployed stack: `start()` refuses there, and only the local
stack and tests import this module.

    python -m devserver.fake_llm --port 8765
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from roundtable.tutor.assessment_prompt import ASSESSMENT_MARKER

FAKE_MODEL = "openai/roundtable-fake"
FAKE_API_KEY = "fake-llm-key"  # LiteLLM's OpenAI client insists on some key
_CREATED = 1_700_000_000  # a fixed timestamp keeps whole responses deterministic
_DIRECTIVE = re.compile(r"\[fake:(500|429|cut|text|slow=(\d+(?:\.\d+)?))\]")
FAKE_TRANSCRIPT = "What is the strongest objection to this argument?"
OPENAI_MAX_AUDIO_BYTES = 25 * 1024 * 1024
_CLOSINGS = (
    "What part of that feels least clear to you?",
    "Can you put that in your own words?",
    "Where have you seen this happen in a group you were part of?",
    "What would you try first, and why?",
)


class FakeLLMRefusedError(RuntimeError):
    """The fake was asked to start in a deployed stack."""


@dataclass
class Fault:
    """Answer the next `times` requests with this HTTP error."""

    status: int
    times: int = 1
    retry_after: int | None = None


@dataclass
class FakeLLM:
    """The server and its knobs; `requests` holds every request body received."""

    host: str = "127.0.0.1"
    port: int = 0
    first_token_delay_s: float = 0.0
    chunk_delay_s: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    transcriptions: list[dict[str, Any]] = field(default_factory=list)
    max_audio_bytes: int = OPENAI_MAX_AUDIO_BYTES
    _faults: list[Fault] = field(default_factory=list)
    _server: _Server | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        """The API base to give LiteLLM (ends in /v1)."""
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def fail_next(self, status: int, *, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next `times` requests with `status` (500, 429, ...)."""
        with self._lock:
            self._faults.append(Fault(status, times, retry_after))

    def start(self) -> FakeLLM:
        _refuse_when_deployed()
        self._server = _Server((self.host, self.port), self)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @contextmanager
    def running(self) -> Iterator[FakeLLM]:
        self.start()
        try:
            yield self
        finally:
            self.stop()

    def take_fault(self) -> Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            fault.times -= 1
            if fault.times <= 0:
                self._faults.pop(0)
            return fault


def _refuse_when_deployed() -> None:
    if os.environ.get("ROUNDTABLE_STAGE") == "deployed" or os.environ.get(
        "AWS_LAMBDA_FUNCTION_NAME"
    ):
        raise FakeLLMRefusedError("the fake LLM is for the local stack and tests only")


def estimate_tokens(text: str) -> int:
    """About four characters per token (what the fake reports as usage)."""
    return math.ceil(len(text) / 4)


def fake_reply(messages: list[dict[str, Any]]) -> str:
    """The deterministic answer to a conversation: quotes the last learner message."""
    users = [str(m.get("content") or "") for m in messages if m.get("role") == "user"]
    last = _DIRECTIVE.sub("", users[-1] if users else "").strip()
    quoted = last if len(last) <= 80 else last[:77].rstrip() + "..."
    digest = hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).digest()
    closing = _CLOSINGS[digest[0] % len(_CLOSINGS)]
    turn = len(users)
    return (
        f'You said: "{quoted}". This is reply {turn} from the fake tutor, which '
        f"saw {len(messages)} messages in this conversation. {closing}"
    )


def is_assessment(messages: list[dict[str, Any]]) -> bool:
    """Whether the system message asks for an answer to be assessed (not a chat)."""
    return any(
        m.get("role") == "system" and ASSESSMENT_MARKER in str(m.get("content")) for m in messages
    )


SHORT_ANSWER_WORDS = 20


def fake_assessment(messages: list[dict[str, Any]], *, as_json: bool = True) -> str:
    """Deterministic feedback on the answer (the last user message): an answer shorter than
    SHORT_ANSWER_WORDS words gets the lowest level and a "missing" point, a longer one the
    second-highest level. `[fake:text]` in the answer asks for plain text instead of JSON."""
    system = next(str(m.get("content")) for m in messages if m.get("role") == "system")
    found = re.search(r"The levels, lowest first: (.+)", system)
    levels = [level.strip() for level in found.group(1).split(",")] if found else ["basic"]
    answer = _DIRECTIVE.sub("", str(messages[-1].get("content") or "")).strip()
    words = len(answer.split())
    short = words < SHORT_ANSWER_WORDS
    feedback = {
        "strengths": [f"You answered in your own words ({words} words)."],
        "missing": [f"Say more: at least {SHORT_ANSWER_WORDS} words, with an example."]
        if short
        else [],
        "level": levels[0] if short else levels[max(0, len(levels) - 2)],
        "summary": "A start; add detail and try again." if short else "A clear, complete answer.",
    }
    if not as_json:
        return f"Fake feedback in plain text: {feedback['summary']} ({words} words)"
    return json.dumps(feedback)


def _words(text: str) -> list[str]:
    """The reply in streaming pieces: each word with the space before it."""
    return re.findall(r"\s*\S+", text)


def _directive(messages: list[dict[str, Any]]) -> str | None:
    users = [str(m.get("content") or "") for m in messages if m.get("role") == "user"]
    match = _DIRECTIVE.search(users[-1]) if users else None
    return match.group(1) if match else None


def _error_body(status: int) -> dict[str, Any]:
    kind = {429: "rate_limit_exceeded", 401: "invalid_api_key"}.get(status, "server_error")
    message = {
        429: "Rate limit reached for the fake model; try again later.",
        401: "Incorrect API key provided.",
    }.get(status, "The fake model had an internal error.")
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


def _invalid(message: str, param: str | None = None) -> dict[str, Any]:
    kind = "invalid_request_error"
    return {"error": {"message": message, "type": kind, "param": param, "code": None}}


@dataclass(frozen=True)
class _Upload:
    filename: str
    data: bytes


def _form_fields(content_type: str, body: bytes) -> dict[str, Any]:
    """A multipart/form-data body's fields: text as str, files as _Upload ({} if not multipart)."""
    if not content_type.startswith("multipart/form-data"):
        return {}
    message = BytesParser(policy=HTTP).parsebytes(
        b"content-type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        payload = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if isinstance(name, str):
            fields[name] = _Upload(filename, payload) if filename else payload.decode()
    return fields


def _usage(messages: list[dict[str, Any]], reply: str) -> dict[str, int]:
    prompt = sum(estimate_tokens(str(m.get("content") or "")) for m in messages)
    completion = estimate_tokens(reply)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _completion(model: str, messages: list[dict[str, Any]], reply: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": _CREATED,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply},
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(messages, reply),
    }


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": _CREATED,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: FakeLLM) -> None:
        super().__init__(address, _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    """Speaks enough of OpenAI's chat completions API for LiteLLM's OpenAI client."""

    server: _Server
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        if self.path.rstrip("/") in ("/v1/audio/transcriptions", "/audio/transcriptions"):
            self._transcribe()
            return
        if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            self._json(404, {"error": {"message": f"no route POST {self.path}"}})
            return
        length = int(self.headers.get("content-length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._json(400, {"error": {"message": "body is not JSON", "type": "bad"}})
            return
        with self.server.fake._lock:
            self.server.fake.requests.append(body)
        self._answer(body)

    def do_GET(self) -> None:
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            self._json(200, {"object": "list", "data": [{"id": "roundtable-fake"}]})
        else:
            self._json(404, {"error": {"message": f"no route GET {self.path}"}})

    def _answer(self, body: dict[str, Any]) -> None:
        fake = self.server.fake
        messages = list(body.get("messages") or [])
        directive = _directive(messages)
        fault = fake.take_fault()
        if fault is not None or directive in ("500", "429"):
            self._fail(fault or Fault(int(str(directive)), retry_after=2))
            return
        delay = fake.first_token_delay_s
        if directive and directive.startswith("slow="):
            delay = float(directive.split("=", 1)[1])
        time.sleep(delay)
        model = str(body.get("model") or "roundtable-fake")
        reply = fake_reply(messages)
        if is_assessment(messages):
            reply = fake_assessment(messages, as_json=directive != "text")
        if body.get("stream"):
            usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream(model, messages, reply, usage=usage, cut=directive == "cut")
        else:
            self._json(200, _completion(model, messages, reply))

    def _transcribe(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("content-length") or 0)
        if length > fake.max_audio_bytes:
            self.close_connection = True  # the body is left unread
            limit = f"Maximum content size limit ({fake.max_audio_bytes}) exceeded."
            self._json(413, _invalid(limit))
            return
        fields = _form_fields(self.headers.get("content-type", ""), self.rfile.read(length))
        audio = fields.pop("file", None)
        if audio is None or not fields.get("model"):
            missing = "file" if audio is None else "model"
            self._json(400, _invalid(f"you must provide a {missing} parameter", missing))
            return
        with fake._lock:
            fake.transcriptions.append(
                {**fields, "filename": audio.filename, "file_bytes": len(audio.data)}
            )
        directive = _DIRECTIVE.search(audio.data.decode("latin-1"))
        fault = fake.take_fault()
        if fault is not None or (directive and directive.group(1) in ("500", "429")):
            self._fail(fault or Fault(int(directive.group(1) if directive else 500), retry_after=7))
            return
        if directive and directive.group(2):
            time.sleep(float(directive.group(2)))
        if fields.get("response_format") == "text":
            self._text(FAKE_TRANSCRIPT)
        else:
            self._json(200, {"text": FAKE_TRANSCRIPT})

    def _text(self, text: str) -> None:
        data = text.encode()
        self.send_response(200)
        self.send_header("content-type", "text/plain; charset=utf-8")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _fail(self, fault: Fault) -> None:
        headers = {}
        if fault.status == 429 and fault.retry_after:
            headers["retry-after"] = str(fault.retry_after)
        self._json(fault.status, _error_body(fault.status), headers)

    def _stream(
        self, model: str, messages: list[dict[str, Any]], reply: str, *, usage: bool, cut: bool
    ) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        words = _words(reply)
        for index, word in enumerate(words):
            if cut and index == len(words) // 2:
                # Close without the final zero-length chunk: the client sees
                # an incomplete body, as when a provider's connection drops.
                self.close_connection = True
                return
            delta = {"role": "assistant", "content": word} if index == 0 else {"content": word}
            self._event(_chunk(model, delta))
            time.sleep(self.server.fake.chunk_delay_s)
        self._event(_chunk(model, {}, "stop"))
        if usage:
            self._event({**_chunk(model, {}), "choices": [], "usage": _usage(messages, reply)})
        self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")

    def _event(self, payload: dict[str, Any]) -> None:
        self._write_chunk(b"data: " + json.dumps(payload).encode() + b"\n\n")

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: the local stack logs its own requests


def use_fake_llm_unless_configured(chunk_delay_s: float = 0.03) -> FakeLLM | None:
    """The local stack's tutor model: without LLM_API_KEY or LLM_API_BASE, start the fake
    and point LLM_MODEL, LLM_API_BASE and LLM_API_KEY at it (the environment of this process)."""
    if os.environ.get("LLM_API_KEY") or os.environ.get("LLM_API_BASE"):
        return None
    fake = FakeLLM(chunk_delay_s=chunk_delay_s).start()
    os.environ.update(LLM_MODEL=FAKE_MODEL, LLM_API_BASE=fake.base_url, LLM_API_KEY=FAKE_API_KEY)
    print(f"tutor: no LLM_API_KEY set, so it answers with the fake model at {fake.base_url}")
    return fake


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devserver.fake_llm")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--first-token-delay", type=float, default=0.0)
    parser.add_argument("--chunk-delay", type=float, default=0.03)
    args = parser.parse_args(argv)
    fake = FakeLLM(args.host, args.port, args.first_token_delay, args.chunk_delay).start()
    print(f"fake LLM on {fake.base_url}: LLM_MODEL={FAKE_MODEL} LLM_API_BASE={fake.base_url}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
