"""The fake OpenAI-compatible model, over HTTP: what LiteLLM and the local stack rely on."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from devserver.fake_llm import FakeLLM, FakeLLMRefusedError, fake_reply

MESSAGES = [
    {"role": "system", "content": "You are a tutor."},
    {"role": "user", "content": "What is a good question?"},
]


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with FakeLLM().running() as running:
        yield running


def _post(fake: FakeLLM, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        f"{fake.base_url}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "authorization": "Bearer k"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_a_completion_has_openais_shape_and_a_deterministic_reply(fake: FakeLLM) -> None:
    status, _, body = _post(fake, {"model": "roundtable-fake", "messages": MESSAGES})
    answer = json.loads(body)
    assert status == 200
    assert answer["object"] == "chat.completion"
    assert answer["choices"][0]["message"]["content"] == fake_reply(MESSAGES)
    assert answer["choices"][0]["finish_reason"] == "stop"
    assert answer["usage"]["total_tokens"] > 0
    assert fake_reply(MESSAGES) == fake_reply(list(MESSAGES))
    assert '"What is a good question?"' in fake_reply(MESSAGES)
    assert fake.requests[-1]["messages"] == MESSAGES


def test_a_stream_is_server_sent_chunks_then_usage_then_done(fake: FakeLLM) -> None:
    body = {
        "model": "m",
        "messages": MESSAGES,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    status, headers, raw = _post(fake, body)
    lines = [line for line in raw.decode().split("\n\n") if line]
    assert status == 200 and headers["content-type"] == "text/event-stream"
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == fake_reply(MESSAGES)
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] > 0


@pytest.mark.parametrize(("status", "kind"), [(500, "server_error"), (429, "rate_limit_exceeded")])
def test_injected_faults_answer_with_openais_error_shape(
    fake: FakeLLM, status: int, kind: str
) -> None:
    fake.fail_next(status, retry_after=5)
    got, headers, body = _post(fake, {"model": "m", "messages": MESSAGES})
    assert got == status
    assert json.loads(body)["error"]["type"] == kind
    if status == 429:
        assert headers["retry-after"] == "5"
    assert _post(fake, {"model": "m", "messages": MESSAGES})[0] == 200  # only the next one


def test_a_directive_in_the_message_makes_the_fake_fail(fake: FakeLLM) -> None:
    messages = [{"role": "user", "content": "please [fake:429]"}]
    assert _post(fake, {"model": "m", "messages": messages})[0] == 429


def test_litellm_reaches_the_fake_as_an_openai_model_through_its_api_base(fake: FakeLLM) -> None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    response = litellm.completion(
        model="openai/roundtable-fake",
        api_base=fake.base_url,
        api_key="fake",
        messages=MESSAGES,
        max_retries=0,
    )
    assert response.choices[0].message.content == fake_reply(MESSAGES)


def test_the_fake_refuses_to_start_in_a_deployed_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUNDTABLE_STAGE", "deployed")
    with pytest.raises(FakeLLMRefusedError):
        FakeLLM().start()


def test_only_the_local_stack_and_tests_import_the_fake() -> None:
    from tests.conftest import ROOT

    package = ROOT / "layers" / "common" / "roundtable"
    importers = [
        path.relative_to(ROOT).as_posix()
        for path in [*package.rglob("*.py"), *(ROOT / "functions").rglob("*.py")]
        if "fake_llm" in path.read_text() and path.name != "fake_llm.py"
    ]
    assert importers == []
