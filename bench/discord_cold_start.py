"""Cold-start numbers of the Discord interactions function (issue 5 budget).

Each sample is a fresh interpreter, like a new Lambda environment:
  - import: loading functions/discord_interactions/app.py (target: PING path < 150 ms)
  - ping: import + answering a signed PING
  - db command: import + answering a signed /next-meeting from cold (engine,
    first connection, queries; target < 1 s)

    python bench/discord_cold_start.py [--runs 5]

Uses DATABASE_URL when set, else the embedded Postgres (a throwaway database).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_SAMPLE = r"""
import json, os, sys, time
t0 = time.perf_counter()
from devserver.functions import load_function
app = load_function("discord_interactions")
t1 = time.perf_counter()
from nacl.signing import SigningKey
key = SigningKey(bytes.fromhex(os.environ["BENCH_SIGNING_SEED"]))

def signed(body):
    stamp = str(int(time.time()))
    signature = key.sign(stamp.encode() + body.encode()).signature.hex()
    headers = {"x-signature-ed25519": signature, "x-signature-timestamp": stamp}
    return {"body": body, "headers": headers}

mode = sys.argv[1]
if mode == "ping":
    answer = app.handler(signed('{"type":1}'), None)
else:
    payload = {"type": 2, "id": "1", "application_id": "2", "token": "t",
               "guild_id": os.environ["DISCORD_GUILD_ID"],
               "member": {"user": {"id": "424242"}, "roles": []},
               "data": {"name": "next-meeting", "type": 1, "options": []}}
    answer = app.handler(signed(json.dumps(payload)), None)
t2 = time.perf_counter()
print(json.dumps({"import_ms": (t1 - t0) * 1000, "total_ms": (t2 - t0) * 1000,
                  "status": answer["statusCode"], "body": answer["body"][:80]}))
"""


def sample(mode: str, env: dict[str, str]) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", _SAMPLE, mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def prepare_database() -> tuple[str, str, str, object]:
    """A migrated database with one linked user; (url, admin url, name, server handle)."""
    from devserver.postgres import ensure_database, start_embedded_postgres
    from roundtable.config import reset_settings

    server = None
    admin_url = os.environ.get("DATABASE_URL")
    if not admin_url:
        server, admin_url = start_embedded_postgres(ROOT / ".roundtable" / "pgdata-bench")
    name = f"rt_bench_{uuid.uuid4().hex[:6]}"
    url = ensure_database(admin_url, name)
    os.environ["DATABASE_URL"] = url
    reset_settings()
    from roundtable.db import migrate
    from roundtable.db.engine import get_engine
    from roundtable.db.tables import users

    migrate.upgrade()
    with get_engine().begin() as conn:
        conn.execute(users.insert().values(display_name="Bench", discord_id="424242"))
    return url, admin_url, name, server


def report(name: str, values: list[float]) -> None:
    print(
        f"{name:<38} median {statistics.median(values):7.1f} ms"
        f"   min {min(values):7.1f}   max {max(values):7.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from nacl.signing import SigningKey

    seed = os.urandom(32)
    url, admin_url, name, _server = prepare_database()
    env = {
        **os.environ,
        "ROUNDTABLE_STAGE": "test",
        "DATABASE_URL": url,
        "BENCH_SIGNING_SEED": seed.hex(),
        "DISCORD_PUBLIC_KEY": SigningKey(seed).verify_key.encode().hex(),
        # Server commands are answered only from the configured server.
        "DISCORD_GUILD_ID": "700000000000000001",
    }
    try:
        pings = [sample("ping", env) for _ in range(args.runs)]
        commands = [sample("command", env) for _ in range(args.runs)]
    finally:
        from devserver.postgres import drop_database
        from roundtable.db.engine import reset_engine

        reset_engine()
        drop_database(admin_url, name)
    assert all(p["status"] == 200 for p in pings + commands), (pings, commands)
    print(f"Discord function cold start, {args.runs} fresh interpreters each")
    report("import app.py", [float(str(p["import_ms"])) for p in pings])
    report("import + signed PING answered", [float(str(p["total_ms"])) for p in pings])
    report("import + /next-meeting (DB) answered", [float(str(c["total_ms"])) for c in commands])
    print(f"answer to /next-meeting: {commands[0]['body']}")


if __name__ == "__main__":
    main()
