"""Only the FastAPI functions load the web edge: the Discord function, the worker, the sweeps,
every other edge module and the whole domain import neither it nor FastAPI."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

_PROBE = """
import importlib, json, pkgutil, sys
import roundtable, roundtable_edge
from devserver.functions import load_function

for name in ("discord_interactions", "schedule_cohort", "send_reminders", "sync_rsvps", "migrate"):
    load_function(name)

def walk(package):
    for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if module.name == "roundtable_edge.web":
            continue
        imported = importlib.import_module(module.name)
        if module.ispkg:
            walk(imported)

walk(roundtable)
walk(roundtable_edge)
web = ("fastapi", "starlette", "mangum")
print(json.dumps(sorted(
    m for m in sys.modules if m.split(".")[0] in web or m.startswith("roundtable_edge.web")
)))
"""


def test_no_web_module_is_imported_off_the_web_paths() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "", "ROUNDTABLE_STAGE": "test", "PYTHONPATH": str(ROOT)},
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_the_edge_package_itself_imports_nothing() -> None:
    source = (ROOT / "layers/common/roundtable_edge/__init__.py").read_text()
    web = (ROOT / "layers/common/roundtable_edge/web/__init__.py").read_text()
    for text in (source, web):
        code = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
        assert code == []
