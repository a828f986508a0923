"""Benchmark: the built tutor's first token, cold and warm, as Lambda would run it; its size.

For the artifact `make build` made (.aws-sam/build: TutorChatFunction and the
CommonLayer's python/), each sample starts the function's Handler, `run.sh`, as
a fresh process the way the Lambda Web Adapter does (tests/fakes/lambda_web_adapter.py:
the template's environment, LAMBDA_TASK_ROOT, readiness on the health path), with
Lambda's sys.path and nothing else (`python -S`: the artifact, the layer, the
runtime's boto3; compiled packages from this machine when it is not arm64, as in
bench/cold_start.py). Against the fake model, which answers at once, and real
Postgres (DATABASE_URL, or the embedded server), in a database of its own.

- cold first token: process start -> readiness -> the first `text` event of a
  learner's first message: what a learner waits after a cold start, less Lambda's
  own sandbox start and the model's latency;
- warm first token: the same for the next message, in the same process;
- the function's unzipped size with its layers (bench/artifact_sizes.py), by default
  and with the optional LiteLLM layer (TutorModelLibrary=litellm), to which the
  adapter's layer adds its own few MB (not downloaded here).

Median of --runs fresh processes (default 3). --litellm-layer puts the built LiteLLM
layer on the path too, as a `TutorModelLibrary=litellm` deployment has it.

    make build && .venv/bin/python bench/tutor.py [--runs 3] [--litellm-layer] [--source]

--source measures the source tree instead (functions/tutor_chat, layers/common; the
venv's packages): no build needed, no size.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.artifact_sizes import MB, measure  # noqa: E402
from bench.cold_start import _host_site_packages, _overlay, _runtime_dir  # noqa: E402

FUNCTION = "TutorChatFunction"
LAYER = "CommonLayer"
LITELLM_LAYER = "LiteLLMLayer"
MODULE = "why-discuss"
BODY = {
    "section_id": "why-discuss.reading-vs-understanding",
    "segment_id": "why-discuss.reading-vs-understanding.chat",
    "message": "Feeling that I understand is not the same as being able to use it.",
}


@contextmanager
def database() -> Iterator[str]:
    """A migrated database of the bench's own (DATABASE_URL's server, or the embedded one)."""
    from devserver.postgres import drop_database, ensure_database, start_embedded_postgres
    from roundtable.config import reset_settings
    from roundtable.db.engine import reset_engine

    server, admin_url = None, os.environ.get("DATABASE_URL")
    if not admin_url:
        server, admin_url = start_embedded_postgres(ROOT / ".roundtable" / "pgdata-test")
    name = f"rt_bench_tutor_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = ensure_database(admin_url, name)
    os.environ["DATABASE_URL"] = url
    reset_settings()
    from roundtable.db import migrate

    migrate.upgrade()
    try:
        yield url
    finally:
        reset_engine()
        drop_database(admin_url, name)
        del server


def code_dirs(
    build_dir: Path, scratch: Path, source: bool, litellm: bool
) -> tuple[Path, list[Path], Path]:
    """(the function's folder, what goes on PYTHONPATH after it, the folder holding `python`)."""
    if source:
        return (
            ROOT / "functions" / "tutor_chat",
            [ROOT / "layers" / "common"],
            Path(sys.executable).parent,
        )
    host = _host_site_packages()
    function = _overlay(build_dir / FUNCTION, scratch, host)
    layers = [_overlay(build_dir / LAYER / "python", scratch, host)]
    if litellm:
        layers.append(_overlay(build_dir / LITELLM_LAYER / "python", scratch, host))
    bin_dir = scratch / "bin"
    bin_dir.mkdir()
    # Lambda's Python has no site-packages of ours: only what PYTHONPATH names.
    (bin_dir / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    (bin_dir / "python").chmod(0o755)
    return function, [*layers, _runtime_dir(scratch, host)], bin_dir


def first_token_s(running: Any, started: float) -> float:
    """Seconds from `started` to the first text event of a new anonymous learner's message."""
    from tests.fakes.lambda_web_adapter import StreamedAnswer, function_url_event

    event = function_url_event("POST", f"/api/tutor/{MODULE}/stream", body=BODY)
    chunks = running.invoke_streaming(event, None)
    answer, rest = StreamedAnswer.from_prelude(next(chunks))
    if answer.status != 200:
        raise SystemExit(f"the tutor answered {answer.status}: {rest!r} {list(chunks)!r}")
    first = None
    for chunk in [rest, *chunks]:
        if first is None and b'"type": "text"' in chunk:
            first = time.perf_counter() - started
    if first is None:
        raise SystemExit("the reply had no text event")
    return first


def sample(
    function: Path, path: list[Path], bin_dir: Path, settings: dict[str, str]
) -> tuple[float, float, float]:
    """(ready, cold first token, warm first token) of one fresh process, in seconds."""
    from tests.fakes.lambda_web_adapter import start_function

    started = time.perf_counter()
    with start_function(function, path, settings, python_bin=bin_dir) as running:
        ready = time.perf_counter() - started
        cold = first_token_s(running, started)
        warm = first_token_s(running, time.perf_counter())
    return ready, cold, warm


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--build-dir", type=Path, default=ROOT / ".aws-sam" / "build")
    parser.add_argument("--source", action="store_true", help="the source tree, not the build")
    parser.add_argument(
        "--litellm-layer", action="store_true", help="with the built LiteLLM layer on the path"
    )
    args = parser.parse_args()
    if not args.source and not (args.build_dir / FUNCTION).is_dir():
        raise SystemExit(f"{args.build_dir / FUNCTION} is missing: run `make build` (or --source)")
    os.environ.setdefault("ROUNDTABLE_STAGE", "test")
    from devserver.fake_llm import FAKE_API_KEY, FAKE_MODEL, FakeLLM

    samples = []
    with database() as url, FakeLLM().running() as fake, tempfile.TemporaryDirectory() as tmp:
        function, path, bin_dir = code_dirs(
            args.build_dir, Path(tmp), args.source, args.litellm_layer
        )
        settings = {
            "ROUNDTABLE_STAGE": "test",
            "DATABASE_URL": url,
            "CONTENT_DIR": str(ROOT / "content"),
            "LLM_MODEL": FAKE_MODEL,
            "LLM_API_BASE": fake.base_url,
            "LLM_API_KEY": FAKE_API_KEY,
            "PYTHONDONTWRITEBYTECODE": "1",  # Lambda's file system is read-only
            "POWERTOOLS_LOG_LEVEL": "ERROR",
            "TUTOR_ANONYMOUS_DAILY_MESSAGES": "1000",
        }
        for _ in range(args.runs):
            samples.append(sample(function, path, bin_dir, settings))
            print(
                f"sample: {json.dumps([round(s * 1000) for s in samples[-1]])} ms", file=sys.stderr
            )

    what = "the source tree" if args.source else str(args.build_dir)
    if args.litellm_layer and not args.source:
        what += f" with {LITELLM_LAYER}"
    ready = statistics.median(s[0] for s in samples) * 1000
    cold = statistics.median(s[1] for s in samples) * 1000
    warm = statistics.median(s[2] for s in samples) * 1000
    print(f"tutor_chat from {what}, run.sh under the adapter stand-in, fake model (no delay)")
    print(f"median of {args.runs} fresh processes")
    print(f"{'ready (process start to readiness check passed)':52} {ready:8.0f} ms")
    print(f"{'cold first token (start, readiness, first message)':52} {cold:8.0f} ms")
    print(f"{'warm first token (next message)':52} {warm:8.0f} ms")
    if not args.source:
        sizes = {
            name: total for name, _own, total in measure(args.build_dir, ROOT / "template.yaml")
        }
        for label, name in (
            ("unzipped size with the common layer (default)", FUNCTION),
            ("unzipped size with the LiteLLM layer too", f"{FUNCTION} +{LITELLM_LAYER}"),
        ):
            size = sizes[name] / MB
            print(f"{label:52} {size:8.1f} MB ({250 - size:.1f} MB under 250)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
