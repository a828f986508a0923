"""The local stack's .env file: fills in what the shell did not set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devserver.main import load_env_file


def test_env_file_sets_only_what_the_shell_left_unset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RT_TEST_KEPT", "from shell")
    monkeypatch.delenv("RT_TEST_NEW", raising=False)
    monkeypatch.delenv("RT_TEST_QUOTED", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\n\nRT_TEST_KEPT=from file\nexport RT_TEST_NEW=1\nRT_TEST_QUOTED='a b'\n"
    )
    assert load_env_file(env_file) == ["RT_TEST_NEW", "RT_TEST_QUOTED"]
    assert os.environ["RT_TEST_KEPT"] == "from shell"
    assert os.environ["RT_TEST_QUOTED"] == "a b"
    for name in ("RT_TEST_NEW", "RT_TEST_QUOTED"):
        monkeypatch.delenv(name)


def test_a_malformed_env_line_is_reported_with_its_line_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RT_TEST_GOOD", "already set")  # so the good line changes nothing
    env_file = tmp_path / ".env"
    env_file.write_text("RT_TEST_GOOD=1\nthis is not a setting\n")
    with pytest.raises(SystemExit, match=r"\.env:2: expected KEY=value"):
        load_env_file(env_file)


def test_a_missing_env_file_changes_nothing(tmp_path: Path) -> None:
    assert load_env_file(tmp_path / "absent.env") == []
