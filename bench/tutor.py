"""Benchmark: the tutor's first-token latency against the fake model, as a browser sees it.

Runs the local gateway (devserver, from template.yaml) in this process on real
Postgres (DATABASE_URL, or the embedded server in a database of its own, dropped
afterwards), with LiteLLM pointed at the fake OpenAI-compatible model, which
answers at once. So the numbers are ours: identity, quota check and saving the
learner's message, building the prompt, LiteLLM's overhead, the first SSE event.
Prints the cold first request (which imports litellm), then warm requests:
time to the first word over POST /stream, and the whole reply over POST /messages.

    .venv/bin/python bench/tutor.py [--requests 30] [--first-token-delay 0]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODULE = "why-discuss"
BODY = {
    "section_id": "why-discuss.reading-vs-understanding",
    "segment_id": "why-discuss.reading-vs-understanding.chat",
    "message": "Feeling that I understand is not the same as being able to use it.",
}


def _database() -> tuple[Any, str, str]:
    from devserver.postgres import ensure_database, start_embedded_postgres

    server, admin_url = None, os.environ.get("DATABASE_URL")
    if not admin_url:
        server, admin_url = start_embedded_postgres(ROOT / ".roundtable" / "pgdata-test")
    name = f"rt_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    os.environ["DATABASE_URL"] = ensure_database(admin_url, name)
    return server, admin_url, name


def _gateway() -> Any:
    from devserver.dev_api import DevApi
    from devserver.gateway import Gateway, GatewayServer
    from devserver.invoke import Invoker
    from devserver.schedules import ScheduleRunner
    from devserver.template import read_stack

    invoker = Invoker(read_stack())
    gateway = Gateway(invoker, DevApi(invoker, ScheduleRunner(invoker, [])), None)
    server = GatewayServer(("127.0.0.1", 0), gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def new_learner() -> dict[str, str]:
    """A signed-in learner of their own (a fresh history and quota): their session cookie."""
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from roundtable.auth import issue_access_token, jwt_secret
    from roundtable.db.engine import get_engine
    from roundtable.db.tables import users

    with get_engine().begin() as conn:
        user_id = conn.scalar(insert(users).values(display_name="Bench").returning(users.c.id))
    return {"session": issue_access_token(int(user_id), datetime.now(UTC), jwt_secret())}


def first_token_s(url: str) -> tuple[float, float]:
    """(seconds to the first text event, seconds to the end) of one streamed reply."""
    import httpx

    cookies = new_learner()
    started = time.perf_counter()
    first = None
    stream = f"{url}/api/tutor/{MODULE}/stream"
    with httpx.stream("POST", stream, json=BODY, cookies=cookies, timeout=60) as r:
        if r.status_code != 200:
            raise SystemExit(f"stream answered {r.status_code}: {r.read()!r}")
        for line in r.iter_lines():
            if first is None and line.startswith('data: {"type": "text"'):
                first = time.perf_counter() - started
    total = time.perf_counter() - started
    return (first if first is not None else total), total


def whole_reply_s(url: str) -> float:
    import httpx

    cookies = new_learner()
    started = time.perf_counter()
    messages = f"{url}/api/tutor/{MODULE}/messages"
    response = httpx.post(messages, json=BODY, cookies=cookies, timeout=60)
    if response.status_code != 200:
        raise SystemExit(f"messages answered {response.status_code}: {response.text}")
    return time.perf_counter() - started


def _summary(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    return (
        f"{name:34} median {statistics.median(ms):7.1f} ms   p90 {p90:7.1f} ms   "
        f"min {ms[0]:6.1f}   max {ms[-1]:7.1f}   (n={len(ms)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--first-token-delay", type=float, default=0.0)
    args = parser.parse_args()
    os.environ["ROUNDTABLE_STAGE"] = "test"

    server, admin_url, name = _database()
    from devserver.fake_llm import FAKE_API_KEY, FAKE_MODEL, FakeLLM
    from devserver.postgres import drop_database
    from roundtable.config import reset_settings
    from roundtable.db import migrate
    from roundtable.db.engine import reset_engine

    fake = FakeLLM(first_token_delay_s=args.first_token_delay).start()
    os.environ.update(LLM_MODEL=FAKE_MODEL, LLM_API_BASE=fake.base_url, LLM_API_KEY=FAKE_API_KEY)
    reset_settings()
    migrate.upgrade()
    gateway = _gateway()
    try:
        cold_first, cold_total = first_token_s(gateway.url)
        print(f"fake model: first-token delay {args.first_token_delay:g} s, no delay per word")
        print(
            f"{'cold first request (imports litellm)':34} first token {cold_first * 1000:.0f} ms, "
            f"whole reply {cold_total * 1000:.0f} ms"
        )
        warm = [first_token_s(gateway.url) for _ in range(args.requests)]
        print(_summary("warm: first token (POST /stream)", [w[0] for w in warm]))
        print(_summary("warm: whole reply (POST /stream)", [w[1] for w in warm]))
        replies = [whole_reply_s(gateway.url) for _ in range(args.requests)]
        print(_summary("warm: whole reply (POST /messages)", replies))
    finally:
        gateway.shutdown()
        gateway.server_close()
        fake.stop()
        reset_engine()
        drop_database(admin_url, name)
        del server
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
