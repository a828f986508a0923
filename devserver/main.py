"""`python -m devserver`: the whole of Roundtable on one machine.

Starts the embedded Postgres (unless DATABASE_URL is set), migrates it, and
serves the gateway on http://127.0.0.1:8000, with the template's schedules
firing and async invokes of the worker running in-process. Ctrl-C stops it
all, Postgres included; the data stays in .roundtable/pgdata.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import socket
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from devserver.dev_api import DevApi
from devserver.gateway import Gateway, GatewayServer
from devserver.invoke import Invoker
from devserver.jobs import WorkerPool
from devserver.schedules import ScheduleError, ScheduleRunner, parse_interval
from devserver.template import ROOT, TEMPLATE_PATH, Stack, TemplateError, read_stack

logger = logging.getLogger("devserver")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devserver", description=__doc__)
    env = os.environ.get
    parser.add_argument("--host", default=env("ROUNDTABLE_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env("ROUNDTABLE_PORT", "8000")))
    parser.add_argument("--template", type=Path, default=TEMPLATE_PATH)
    parser.add_argument("--static-dir", type=Path, default=ROOT / "web_frontend" / "dist")
    parser.add_argument("--env-file", type=Path, default=ROOT / ".env")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".roundtable" / "pgdata")
    parser.add_argument(
        "--schedule-interval",
        type=_interval,
        default=env("ROUNDTABLE_SCHEDULE_INTERVAL"),  # argparse applies type= to it
        help="fire every schedule this often (e.g. 30s) instead of its rate() in the template",
    )
    parser.add_argument("--no-schedules", action="store_true", help="never fire schedules")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="load the demo world unless it is there (docs/local-stack.md)",
    )
    parser.add_argument("--worker-threads", type=int, default=4)
    parser.add_argument("--verbose", "-v", action="store_true", help="log every request")
    return parser


def _interval(text: str) -> timedelta:
    try:
        return parse_interval(text)
    except ScheduleError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def load_env_file(path: Path) -> list[str]:
    """Set variables from a KEY=value file that are not already set; the names set."""
    if not path.is_file():
        return []
    applied = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if not sep or not key.strip().isidentifier():
            raise SystemExit(f"{path}:{number}: expected KEY=value, got {line!r}")
        key, value = key.strip(), value.strip().strip("'\"")
        if key not in os.environ:
            os.environ[key] = value
            applied.append(key)
    return applied


def prepare_environment(args: argparse.Namespace) -> Any:
    """Local settings, then the database: migrated, embedded unless DATABASE_URL is set."""
    os.environ["ROUNDTABLE_STAGE"] = "local"  # never the deployed stage, whatever .env says
    os.environ.setdefault("DEV_LOGIN_ENABLED", "true")
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{args.host}:{args.port}")
    from devserver.fake_llm import use_fake_llm_unless_configured
    from devserver.postgres import use_embedded_database_if_unset
    from devserver.static import use_local_swagger_ui
    from roundtable.config import reset_settings
    from roundtable.db import migrate

    use_fake_llm_unless_configured()  # the tutor's model when no LLM key is set (docs/tutor.md)
    use_local_swagger_ui()  # /api/docs without the internet
    reset_settings()
    server = use_embedded_database_if_unset(args.data_dir)
    migrate.upgrade()
    where = "embedded, data in " + str(args.data_dir) if server else "DATABASE_URL"
    logger.info("database migrated to %s (%s)", migrate.head_revision(), where)
    return server


@dataclass
class LocalStack:
    """The running pieces, so they stop in the right order."""

    http: GatewayServer
    schedules: ScheduleRunner
    workers: WorkerPool | None

    def stop(self) -> None:
        from roundtable.jobs.dispatch import set_dispatcher

        self.schedules.stop()
        set_dispatcher(None)
        if self.workers is not None:
            self.workers.shutdown()
        self.http.server_close()


def start_stack(args: argparse.Namespace, stack: Stack) -> LocalStack:
    """Wire invoker, worker pool, schedules and gateway; nothing is served yet."""
    from roundtable.jobs.dispatch import set_dispatcher

    invoker = Invoker(stack)
    workers = None
    if stack.worker is not None:
        workers = WorkerPool(invoker, stack.worker, args.worker_threads)
        set_dispatcher(workers.dispatch)
    schedules = ScheduleRunner(
        invoker, [] if args.no_schedules else stack.schedules, args.schedule_interval
    )
    gateway = Gateway(invoker, DevApi(invoker, schedules), args.static_dir)
    http = GatewayServer((args.host, args.port), gateway)
    schedules.start()
    return LocalStack(http, schedules, workers)


def _banner(local: LocalStack, stack: Stack) -> str:
    lines = [f"Roundtable local stack on {local.http.url}"]
    lines += [f"  {route.key:32} -> {route.function}" for route in local.http.gateway.routes]
    for item in local.schedules.describe():
        every = item["local_interval_seconds"]
        when = f"every {every:g} s" if every else "manual only"
        lines.append(f"  schedule {item['name']:23} -> {item['function']} ({when})")
    lines.append(f"  outbox: {local.http.url}/dev/outbox   Ctrl-C stops everything")
    return "\n".join(lines)


def _load_demo() -> str:
    from devserver.demo import load_for_devserver

    logger.info("loading the demo world (devserver/demo.py)…")
    return "\n" + load_for_devserver(ROOT / "content")


def _configure_logging(verbose: bool) -> None:
    """Our lines and migrations at INFO; libraries (the embedded Postgres) only when wrong."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("devserver").setLevel(logging.DEBUG if verbose else logging.INFO)
    # pgserver's dependency warns about a runtime dir it falls back from, harmlessly.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


def port_in_use(host: str, port: int) -> bool:
    """Whether another process listens on host:port (checked before Postgres starts)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def _port_hint(port: int) -> str:
    return (
        f"error: port {port} is in use — stop the other process"
        f" or run make run ARGS='--port {port + 1}'"
    )


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # the same clean path as Ctrl-C


def main(argv: Sequence[str] | None = None) -> int:
    # .env first, so that it can set the defaults below (ROUNDTABLE_PORT, ...).
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--env-file", type=Path, default=ROOT / ".env")
    load_env_file(early.parse_known_args(argv)[0].env_file)
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    try:
        stack = read_stack(args.template)
    except (OSError, TemplateError) as exc:
        print(f"error: cannot read {args.template}: {exc}", file=sys.stderr)
        return 2
    if port_in_use(args.host, args.port):
        print(_port_hint(args.port), file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    database = None
    local = None
    try:
        database = prepare_environment(args)
        demo = _load_demo() if args.demo else ""
        local = start_stack(args, stack)
        print(_banner(local, stack) + demo, flush=True)
        local.http.serve_forever()
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(_port_hint(args.port), file=sys.stderr)  # taken while the database started
        return 1
    finally:
        _shutdown(local, database)
    return 0


def _shutdown(local: LocalStack | None, database: Any) -> None:
    if local is not None:
        local.stop()
    from roundtable.db.engine import reset_engine

    reset_engine()
    if database is not None:
        database.cleanup()  # stops the embedded Postgres unless another process still uses it
