"""`roundtable discord register-commands` against the fake Discord."""

from __future__ import annotations

import pytest
from roundtable_edge.cli import main
from roundtable_edge.discord.commands import COMMANDS

from tests.fakes.discord import APPLICATION_ID, FakeDiscord


def test_dry_run_without_credentials_prints_the_command_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISCORD_BOT_TOKEN", raising=False)
    monkeypatch.delenv("DISCORD_APPLICATION_ID", raising=False)
    assert main(["discord", "register-commands", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"Command set ({len(COMMANDS)} commands, global)" in out
    assert "/schedule cohort* meeting-length min-size max-size — Admins:" in out
    assert "[admin]" in out and "/sync [group name*] [cohort cohort*]" in out


def test_dry_run_prints_the_diff_and_changes_nothing(
    fake_discord: FakeDiscord, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["discord", "register-commands", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "  + /ping (new)" in out and "  = 0 unchanged" in out
    assert [r.method for r in fake_discord.requests] == ["GET"]


def test_registering_overwrites_the_set_and_a_second_run_finds_nothing_to_change(
    fake_discord: FakeDiscord, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["discord", "register-commands"]) == 0
    stored = fake_discord.commands[(APPLICATION_ID, None)]
    assert sorted(c["name"] for c in stored) == sorted(c.name for c in COMMANDS)
    schedule = next(c for c in stored if c["name"] == "schedule")
    assert schedule["default_member_permissions"] == "32"
    assert f"Registered {len(COMMANDS)} commands with Discord." in capsys.readouterr().out
    assert main(["discord", "register-commands", "--dry-run"]) == 0
    assert f"  = {len(COMMANDS)} unchanged" in capsys.readouterr().out


def test_a_guild_registration_reports_removed_and_changed_commands(
    fake_discord: FakeDiscord, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_discord.commands[(APPLICATION_ID, "42")] = [
        {"id": "1", "type": 1, "name": "realize-cohort", "description": "old"},
        {"id": "2", "type": 1, "name": "ping", "description": "Replies with latency"},
    ]
    assert main(["discord", "register-commands", "--guild", "42", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "  - /realize-cohort (will be removed)" in out
    assert "  ~ /ping: description, contexts, integration_types" in out
    assert main(["discord", "register-commands", "--guild", "42"]) == 0
    names = {c["name"] for c in fake_discord.commands[(APPLICATION_ID, "42")]}
    assert "realize-cohort" not in names and "checkin" in names


def test_discord_refusing_the_set_is_reported_with_details(
    fake_discord: FakeDiscord, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_discord.bot_token = "rotated-token"
    assert main(["discord", "register-commands"]) == 1
    assert "Discord refused" in capsys.readouterr().out


def test_registering_without_an_application_id_fails_clearly(
    fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISCORD_APPLICATION_ID")
    assert main(["discord", "register-commands"]) == 2
    assert "DISCORD_APPLICATION_ID is not set" in capsys.readouterr().out
