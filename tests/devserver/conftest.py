"""A real local stack (`python -m devserver`) in a subprocess, on the test database."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from nacl.signing import SigningKey
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from devserver.postgres import drop_database, ensure_database
from tests.conftest import ROOT

STARTUP_SECONDS = 90
_BANNER = re.compile(r"Roundtable local stack on (http://\S+)")


@dataclass
class RunningDevserver:
    """The subprocess, its base URL, its database, and everything it printed so far."""

    process: subprocess.Popen[str]
    url: str
    engine: Engine
    discord_key: SigningKey
    static_dir: Path
    output: list[str] = field(default_factory=list)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def printed(self) -> str:
        return "".join(self.output)


def wait_for(condition: Callable[[], Any], what: str, seconds: float = 30) -> Any:
    """Poll until condition() is truthy; fail naming what never happened."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _drain(process: subprocess.Popen[str], output: list[str], ready: threading.Event) -> None:
    assert process.stdout is not None
    for line in process.stdout:  # keep reading, or a full pipe would block its logging
        output.append(line)
        if _BANNER.search(line):
            ready.set()
    ready.set()


def _static_site(folder: Path) -> Path:
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text("<!doctype html><title>Roundtable SPA</title>")
    (folder / "assets" / "app.js").write_text("console.log('roundtable');")
    return folder


def _own_database(session_url: str) -> tuple[str, str, str]:
    """A database for the devserver alone: its schedules must not touch other tests' rows."""
    admin_url = make_url(session_url).set(database="postgres").render_as_string(False)
    name = f"rt_devserver_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    return admin_url, name, ensure_database(admin_url, name)


@pytest.fixture(scope="module")
def devserver(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningDevserver]:
    """A local stack for one test module: schedules every second, a tiny built SPA."""
    key = SigningKey.generate()
    static_dir = _static_site(tmp_path_factory.mktemp("dist"))
    admin_url, name, url = _own_database(database_url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DISCORD_PUBLIC_KEY": key.verify_key.encode().hex(),
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "devserver", "--port", "0", "--schedule-interval", "1s"]
    command += ["--static-dir", str(static_dir), "--env-file", str(static_dir / "no.env")]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    ready = threading.Event()
    threading.Thread(target=_drain, args=(process, output, ready), daemon=True).start()
    ready.wait(STARTUP_SECONDS)
    banner = _BANNER.search("".join(output))
    engine = create_engine(make_url(url).set(drivername="postgresql+pg8000"))
    try:
        if banner is None:
            raise AssertionError("devserver did not start:\n" + "".join(output))
        yield RunningDevserver(process, banner.group(1), engine, key, static_dir, output)
    finally:
        _stop(process)
        engine.dispose()
        drop_database(admin_url, name)


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)  # the Ctrl-C path, Postgres connections closed
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
