"""`make run` on a port another process holds: a one-line hint and a non-zero exit."""

from __future__ import annotations

import socket
import subprocess
import sys

from tests.conftest import ROOT


def test_a_busy_port_gives_a_one_line_hint_and_exits_non_zero() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        command = [sys.executable, "-m", "devserver", "--port", str(port)]
        command += ["--env-file", "/dev/null"]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        f"error: port {port} is in use — stop the other process"
        f" or run make run ARGS='--port {port + 1}'\n"
    )
