"""A cold start's first message is a chat: importing the tutor function leaves out what only
the assessed-answer routes need (the assessment domain, with groups, meetings and people),
which those routes import when called (tests/functions/tutor/test_assessment.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

_PROBE = """
import json, sys
from devserver.functions import load_function
load_function("tutor_chat")
print(json.dumps(sorted(sys.modules)))
"""


def test_importing_the_tutor_leaves_the_assessment_domain_out() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "", "ROUNDTABLE_STAGE": "test", "PYTHONPATH": str(ROOT)},
    )
    modules = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "assessment_routes" in modules  # the routes are registered
    assert "roundtable.tutor.chat" in modules
    assert not {"roundtable.tutor.assessment", "roundtable.groups.facilitation"} & modules
