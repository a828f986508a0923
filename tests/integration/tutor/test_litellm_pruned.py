"""LiteLLM as the LiteLLM layer ships it, pruned by the Makefile (LITELLM_PRUNE), still streams
a reply and transcribes a recording: the tutor's LiteLLM adapters, in a fresh interpreter whose
packages are the dev venv's minus what the build removes, against the fake over HTTP."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SITE = Path(sysconfig.get_paths()["purelib"])

_PROBE = r"""
import asyncio, importlib.util, sys
from devserver.fake_llm import FAKE_TRANSCRIPT, FakeLLM, fake_reply
from roundtable.tutor.model import LiteLLMChatModel
from roundtable.tutor.transcribe import LiteLLMTranscriber, Recording

assert importlib.util.find_spec("hf_xet") is None, "hf_xet was to be pruned"
messages = [{"role": "user", "content": "Why do groups discuss?"}]
with FakeLLM().running() as fake:
    chat = LiteLLMChatModel("openai/roundtable-fake", fake.base_url, "key", 10.0)
    transcriber = LiteLLMTranscriber("openai/whisper-1", fake.base_url, "key", 10.0)

    async def run():
        events = [event async for event in chat.stream(messages)]
        text = await transcriber.transcribe(Recording(b"OggS audio", "audio/ogg"))
        return events, text

    events, text = asyncio.run(run())
assert "".join(e.text for e in events) == fake_reply(messages), events
assert events[-1].total_tokens, "usage reported"
assert text == FAKE_TRANSCRIPT, text
assert fake.transcriptions[-1]["model"] == "whisper-1"
print("ok", sorted(m for m in sys.modules if m.startswith("litellm.proxy"))[:3])
"""


def _pruned_paths() -> list[str]:
    """What `make build-LiteLLMLayer` removes from the layer (make -n, not run)."""
    dry_run = subprocess.run(
        ["make", "-n", "-s", "build-LiteLLMLayer", "ARTIFACTS_DIR=/artifact"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in dry_run.splitlines() if "rm -rf" in line and "litellm" in line)
    return shlex.split(line.split("rm -rf", 1)[1])


def _pruned_site_packages(target: Path) -> None:
    """A copy of the venv's packages (links, not bytes) with the pruned paths removed."""
    pruned = _pruned_paths()
    assert "litellm/proxy/swagger" in pruned and "hf_xet" in pruned
    for entry in SITE.iterdir():
        if entry.name == "litellm":
            subprocess.run(["cp", "-as", str(entry), str(target / "litellm")], check=True)
        else:
            (target / entry.name).symlink_to(entry)
    removed = 0
    for pattern in pruned:
        for path in target.glob(pattern):
            subprocess.run(["rm", "-rf", str(path)], check=True)
            removed += 1
    assert removed >= 4, f"the prune list matched little: {pruned}"


def test_the_pruned_litellm_still_streams_and_transcribes(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    site.mkdir()
    _pruned_site_packages(site)
    path = [str(ROOT), str(ROOT / "layers" / "common"), str(site)]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(path),
        "PYTHONDONTWRITEBYTECODE": "1",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    probe = subprocess.run(
        [sys.executable, "-S", "-c", _PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    assert probe.stdout.startswith("ok")
