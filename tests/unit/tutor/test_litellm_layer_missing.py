"""Deployed without the LiteLLM layer (TutorModelLibrary=direct), a model that needs LiteLLM
is refused with a 503 that tells the operator what to deploy, while the providers the tutor
reaches directly keep working. LiteLLM is made unimportable in a fresh interpreter by an
import hook, as on Lambda without the layer; the dev venv keeps it installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest

from roundtable.config import load_settings
from roundtable.tutor.model import LiteLLMChatModel, chat_model_from_settings
from tests.conftest import ROOT

_PROBE = r"""
import json, sys

class NoLiteLLM:
    # What a Lambda without the layer has: no litellm on the path.
    def find_spec(self, name, path=None, target=None):
        if name == "litellm" or name.startswith("litellm."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoLiteLLM())

from roundtable.config import load_settings
from roundtable.errors import ServiceUnavailableError
from roundtable.tutor.model import chat_model_from_settings
from roundtable.tutor.transcribe import transcriber_from_settings, voice_input_available

def outcome(factory):
    try:
        return {"made": type(factory(load_settings())).__name__}
    except ServiceUnavailableError as exc:
        return {"code": exc.code, "message": str(exc)}

print(json.dumps({
    "chat": outcome(chat_model_from_settings),
    "voice": outcome(transcriber_from_settings),
    "voice_flag": voice_input_available(load_settings()),
    "litellm_loaded": "litellm" in sys.modules,
}))
"""


def _factories_without_litellm(model: str, transcription_model: str) -> dict[str, object]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers" / "common")]),
        "ROUNDTABLE_STAGE": "test",
        "LLM_MODEL": model,
        "LLM_TRANSCRIPTION_MODEL": transcription_model,
        "LLM_API_KEY": "test-key",
    }
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    ("model", "transcription_model"),
    [
        ("bedrock/anthropic.claude-3-5-sonnet", "none"),
        ("azure/gpt-4o", "azure/whisper"),
    ],
)
def test_a_model_that_needs_litellm_is_refused_with_what_to_deploy(
    model: str, transcription_model: str
) -> None:
    found = _factories_without_litellm(model, transcription_model)
    chat = found["chat"]
    assert isinstance(chat, dict) and chat["code"] == "unavailable"
    assert "needs the LiteLLM layer" in chat["message"]
    assert "TutorModelLibrary=litellm" in chat["message"]
    assert model in chat["message"]
    assert found["litellm_loaded"] is False


def test_voice_input_through_litellm_is_refused_the_same_way() -> None:
    found = _factories_without_litellm("azure/gpt-4o", "azure/whisper")
    voice = found["voice"]
    assert isinstance(voice, dict) and voice["code"] == "unavailable"
    assert "azure/whisper" in voice["message"]
    assert "TutorModelLibrary=litellm" in voice["message"]
    assert found["voice_flag"] is False  # GET /api/tutor/status: no microphone offered


def test_providers_reached_directly_do_not_need_the_layer() -> None:
    found = _factories_without_litellm("openai/gpt-4.1-mini", "openai/gpt-4o-mini-transcribe")
    assert found["chat"] == {"made": "OpenAICompatChatModel"}
    assert found["voice"] == {"made": "OpenAICompatTranscriber"}
    assert found["voice_flag"] is True


def test_with_litellm_installed_the_same_model_goes_through_it() -> None:
    """The control: the refusal comes from LiteLLM's absence, not from the model name."""
    settings = replace(load_settings(), llm_model="bedrock/anthropic.claude-3-5-sonnet")
    assert isinstance(chat_model_from_settings(settings), LiteLLMChatModel)
