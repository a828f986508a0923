"""The size report `make build` fails on: each function with its layers, and a function with
a layer attached under a condition (the tutor's LiteLLM layer) measured both ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.artifact_sizes import measure
from devserver.template import FUNCTION_TYPE, load_template
from tests.conftest import ROOT

TEMPLATE = ROOT / "template.yaml"


def _fake_build(build: Path, sizes: dict[str, int]) -> None:
    """A build folder where each function (1 byte unless given) and each layer given holds
    one file of that size."""
    template = load_template(TEMPLATE)
    functions = [n for n, r in template["Resources"].items() if r["Type"] == FUNCTION_TYPE]
    for name, size in (dict.fromkeys(functions, 1) | sizes).items():
        (build / name).mkdir(parents=True)
        (build / name / "content").write_bytes(b"x" * size)


def test_the_tutor_is_measured_without_and_with_the_litellm_layer(tmp_path: Path) -> None:
    _fake_build(tmp_path, {"TutorChatFunction": 10, "CommonLayer": 100, "LiteLLMLayer": 1000})
    rows = {name: (own, total) for name, own, total in measure(tmp_path, TEMPLATE)}
    assert rows["TutorChatFunction"] == (10, 110)
    assert rows["TutorChatFunction +LiteLLMLayer"] == (10, 1110)
    assert rows["HttpApiFunction"] == (1, 101)
    assert not [name for name in rows if "+" in name and not name.startswith("TutorChat")]


def test_a_layer_missing_from_the_build_is_named(tmp_path: Path) -> None:
    _fake_build(tmp_path, {"CommonLayer": 1})
    with pytest.raises(SystemExit, match="LiteLLMLayer is missing"):
        measure(tmp_path, TEMPLATE)
