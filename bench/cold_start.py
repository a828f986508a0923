"""Cold start of each function as built: import + first event, in a fresh interpreter.

Runs against the artifacts in `.aws-sam/build` (`make build`), not the source
tree: each sample is a new `python -I -S` process whose sys.path is what Lambda
gives a function (its artifact, then the layer's python/, then what the
runtime provides: boto3 and its dependencies), so a package missing from an
artifact fails here too. Each function answers one realistic first event
(http_api GET /api/health, a signed Discord PING,
the scheduled events, a worker invoke for an unknown job, a migration Delete).
The tutor has no `app.handler` (run.sh under the Lambda Web Adapter): bench/tutor.py.

Two columns per function: with the bytecode the build ships, and without it
(sys.pycache_prefix pointed at an empty folder, so Python ignores the shipped
.pyc files and compiles every module from source, as before).

The artifacts are built for arm64 Lambda. On another machine, packages with
compiled extensions (pydantic-core, PyNaCl, numpy, ...) are taken from this
interpreter's site-packages instead (the same versions: the lock files are
resolved from the dev venv); everything else is the artifact's own file.

    make build && DATABASE_URL=postgresql://... .venv/bin/python bench/cold_start.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devserver.template import FUNCTION_TYPE, function_layers, load_template  # noqa: E402

# What the Lambda Python runtime puts on sys.path after the layers.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
ARTIFACT_MACHINE = "aarch64"

# Runs in the fresh interpreter: argv = code dirs (json), function folder, event (json).
_PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
sys.path[:0] = json.loads(sys.argv[1])
if sys.argv[4]:
    sys.pycache_prefix = sys.argv[4]
import app
t1 = time.perf_counter()

class Context:
    function_name = "bench"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id = "bench"
    log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 60_000

answer = app.handler(json.loads(sys.argv[3]), Context())
t2 = time.perf_counter()
keys = ("statusCode", "status", "Status")
status = next((answer[k] for k in keys if isinstance(answer, dict) and k in answer), None)
print(json.dumps({"import_ms": (t1 - t0) * 1000, "total_ms": (t2 - t0) * 1000, "status": status}))
"""


def _signed_ping(seed: bytes) -> dict[str, Any]:
    import time

    from nacl.signing import SigningKey

    body, stamp = '{"type":1}', str(int(time.time()))
    signature = SigningKey(seed).sign((stamp + body).encode()).signature.hex()
    return {
        "body": body,
        "headers": {"x-signature-ed25519": signature, "x-signature-timestamp": stamp},
    }


def _http(path: str) -> dict[str, Any]:
    event = json.loads((ROOT / "tests" / "events" / "apiGatewayV2Event.json").read_text())
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = "GET"
    event["cookies"] = []
    return dict(event)


def first_events(seed: bytes, response_url: str) -> dict[str, dict[str, Any]]:
    """The first event each function (by folder) answers in the measurement."""
    scheduled = json.loads(
        (ROOT / "tests" / "events" / "eventBridgeScheduledEvent.json").read_text()
    )
    return {
        "http_api": _http("/api/health"),
        "discord_interactions": _signed_ping(seed),
        "send_reminders": scheduled,
        "sync_rsvps": scheduled,
        "schedule_cohort": {"job_id": 987654321},
        # A batch whose notifications are not (or no longer) claimed: loaded, nothing sent.
        "send_batch": {
            "Records": [
                {
                    "messageId": "bench-1",
                    "eventSource": "aws:sqs",
                    "body": json.dumps(
                        {"ids": [987654321], "claimed_until": "2026-01-01T00:00:00+00:00"}
                    ),
                }
            ]
        },
        "migrate": {
            "RequestType": "Delete",
            "ResponseURL": response_url,
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/bench/1",
            "RequestId": "bench",
            "LogicalResourceId": "DatabaseMigration",
            "PhysicalResourceId": "roundtable-database-migration",
            "ResourceType": "Custom::DatabaseMigration",
            "ResourceProperties": {},
        },
    }


def _native_packages(folder: Path) -> set[str]:
    """Top-level entries of an artifact that contain compiled extensions."""
    native = set()
    for so in folder.rglob("*.so*"):
        native.add(so.relative_to(folder).parts[0])
    return native


def _host_site_packages() -> Path:
    import pydantic_core

    return Path(pydantic_core.__file__).resolve().parent.parent


def _overlay(artifact: Path, scratch: Path, host: Path) -> Path:
    """The artifact as symlinks, native packages replaced by this machine's build."""
    artifact = artifact.resolve()  # symlinks to absolute paths
    if platform.machine() == ARTIFACT_MACHINE:
        return artifact
    overlay = scratch / f"{artifact.parent.name}-{artifact.name}"
    if overlay.exists():  # the layer, shared by every function
        return overlay
    overlay.mkdir()
    native = _native_packages(artifact)
    host_entries = {p.name: p for p in host.iterdir()}
    for entry in artifact.iterdir():
        target = host_entries.get(entry.name) if entry.name in native else entry
        if entry.is_file() and ".so" in entry.suffixes:  # a top-level extension module
            module = entry.name.split(".")[0]
            matches = [p for n, p in host_entries.items() if n.startswith(f"{module}.cpython-312")]
            target = matches[0] if matches else None
        if target is None:
            raise SystemExit(f"{entry.name} (compiled, in {artifact}) is not installed here")
        if entry.name in native and entry.name.endswith(".libs"):
            continue
        # A top-level extension module keeps this machine's file name (its ABI suffix).
        link = target.name if entry.is_file() and ".so" in entry.suffixes else entry.name
        (overlay / link).symlink_to(target)
    for name, path in host_entries.items():  # vendored shared libraries (numpy.libs, ...)
        if name.endswith(".libs") and not (overlay / name).exists():
            (overlay / name).symlink_to(path)
    return overlay


def _runtime_dir(scratch: Path, host: Path) -> Path:
    runtime = scratch / "runtime"
    runtime.mkdir()
    for name in RUNTIME_PROVIDED:
        if (host / name).exists():
            (runtime / name).symlink_to(host / name)
    return runtime


def measure(
    code_dirs: list[Path], event: dict[str, Any], env: dict[str, str], no_pyc: str
) -> dict[str, Any]:
    # -B: write no bytecode. (-I ignores PYTHONDONTWRITEBYTECODE, so without it the
    # first no-pyc sample filled the empty pycache prefix and the next ones read it.)
    args = [sys.executable, "-I", "-S", "-B", "-c", _PROBE]
    args += [json.dumps([str(d) for d in code_dirs]), "", json.dumps(event), no_pyc]
    done = subprocess.run(
        args, capture_output=True, text=True, env=env, cwd=code_dirs[0], check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{code_dirs[0]} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _response_server() -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/response"


def _database() -> tuple[str, str, str]:
    from devserver.postgres import ensure_database
    from roundtable.config import reset_settings

    admin_url = os.environ.get("DATABASE_URL")
    if not admin_url:
        raise SystemExit("set DATABASE_URL (postgresql://...): the first events read the database")
    name = f"rt_bench_cold_{uuid.uuid4().hex[:6]}"
    url = ensure_database(admin_url, name)
    os.environ["DATABASE_URL"] = url
    reset_settings()
    from roundtable.db import migrate

    migrate.upgrade()
    return url, admin_url, name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--build-dir", type=Path, default=ROOT / ".aws-sam" / "build")
    parser.add_argument("--function", action="append", help="folder name; default: all")
    args = parser.parse_args()
    template = load_template(ROOT / "template.yaml")
    seed = os.urandom(32)
    server, response_url = _response_server()
    events = first_events(seed, response_url)
    url, admin_url, name = _database()
    from nacl.signing import SigningKey

    env = {
        "PATH": "/usr/bin:/bin",
        "ROUNDTABLE_STAGE": "test",
        "DATABASE_URL": url,
        "DISCORD_PUBLIC_KEY": SigningKey(seed).verify_key.encode().hex(),
        "JWT_SECRET": "bench-secret-bench-secret-bench-secret-0123",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }
    host = _host_site_packages()
    rows = []
    try:
        with tempfile.TemporaryDirectory() as scratch_name:
            scratch = Path(scratch_name)
            runtime = _runtime_dir(scratch, host)
            for logical_id, resource in template["Resources"].items():
                if resource["Type"] != FUNCTION_TYPE:
                    continue
                folder = resource["Properties"]["CodeUri"].strip("/").split("/", 1)[1]
                if args.function and folder not in args.function:
                    continue
                if resource["Properties"].get("Handler", "app.handler") != "app.handler":
                    # tutor_chat: run.sh under the Lambda Web Adapter; bench/tutor.py times it.
                    print(f"skipped {folder}: not an app.handler", file=sys.stderr)
                    continue
                code = [_overlay(args.build_dir / logical_id, scratch, host)]
                for layer in function_layers(template, logical_id):
                    code.append(_overlay(args.build_dir / layer / "python", scratch, host))
                code.append(runtime)
                no_pyc = scratch / f"no-pyc-{logical_id}"
                no_pyc.mkdir()
                timings: dict[str, list[dict[str, Any]]] = {"pyc": [], "source": []}
                for _ in range(args.runs):
                    timings["pyc"].append(measure(code, events[folder], env, ""))
                    timings["source"].append(measure(code, events[folder], env, str(no_pyc)))
                rows.append((folder, timings))
                print(f"measured {folder}", file=sys.stderr, flush=True)
    finally:
        server.shutdown()
        from devserver.postgres import drop_database
        from roundtable.db.engine import reset_engine

        reset_engine()
        drop_database(admin_url, name)

    def median(samples: list[dict[str, Any]], key: str) -> float:
        return statistics.median(float(s[key]) for s in samples)

    print(f"Cold start from {args.build_dir} (median of {args.runs} fresh interpreters each, ms)")
    print(f"Python {platform.python_version()} on {platform.machine()}\n")
    header = f"{'function':22} {'import':>8} {'+event':>8} {'no-pyc import':>14} {'+event':>8}"
    print(f"{header} {'ratio':>6}  first answer")
    for folder, timings in rows:
        pyc, src = timings["pyc"], timings["source"]
        ratio = median(src, "total_ms") / median(pyc, "total_ms")
        print(
            f"{folder:22} {median(pyc, 'import_ms'):8.0f} {median(pyc, 'total_ms'):8.0f} "
            f"{median(src, 'import_ms'):14.0f} {median(src, 'total_ms'):8.0f} {ratio:6.2f}  "
            f"{pyc[-1]['status']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
