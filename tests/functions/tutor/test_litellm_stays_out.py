"""litellm (~200 MB, seconds to import) is imported only when the tutor actually chats."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

_PROBE = """
import json, sys
from devserver.functions import load_function
load_function({name!r})
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('litellm', 'openai'))))
"""


def _modules_after_import(function: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(name=function)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "", "ROUNDTABLE_STAGE": "test", "PYTHONPATH": str(ROOT)},
    )
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("function", ["http_api", "discord_interactions", "tutor_chat"])
def test_importing_the_function_does_not_import_litellm(function: str) -> None:
    assert _modules_after_import(function) == []
