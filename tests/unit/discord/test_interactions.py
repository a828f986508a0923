"""Parsing, the command set's shape, response builders and the summary text (no network)."""

from __future__ import annotations

import json
import time

import pytest
from nacl.signing import SigningKey
from roundtable_edge.discord import commands
from roundtable_edge.discord.interactions import (
    InteractionError,
    autocomplete_result,
    parse_interaction,
    respond,
    truncate,
)
from roundtable_edge.discord.registration import diff_commands
from roundtable_edge.discord.replies import schedule_summary_text
from roundtable_edge.discord.verify import RequestRejectedError, raw_body, verify_request

from roundtable.scheduling.summary import GroupLine, ScheduleSummary
from tests.fakes.discord import validate_commands


def _payload(**extra: object) -> bytes:
    base = {"type": 2, "id": "1", "application_id": "2", "token": "t"}
    return json.dumps({**base, **extra}).encode()


def test_the_user_comes_from_member_in_guilds_and_user_in_dms() -> None:
    in_guild = parse_interaction(_payload(member={"user": {"id": "5"}, "roles": ["9"]}))
    in_dm = parse_interaction(_payload(user={"id": "6"}))
    assert (in_guild.user_id, in_guild.roles) == ("5", ("9",))
    assert (in_dm.user_id, in_dm.roles) == ("6", ())


def test_options_are_flattened_through_sub_commands_and_focus_is_found() -> None:
    data = {
        "name": "sync",
        "options": [
            {
                "name": "group",
                "type": 1,
                "options": [{"name": "name", "value": "Ow", "focused": True}],
            }
        ],
    }
    interaction = parse_interaction(_payload(data=data))
    assert interaction.subcommand == "group"
    assert interaction.options == {"name": "Ow"}
    assert interaction.focused_option == ("name", "Ow")


def test_garbage_in_member_or_data_does_not_crash_parsing() -> None:
    interaction = parse_interaction(_payload(member="nope", data=[1, 2]))
    assert interaction.user_id is None and interaction.options == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\xff\xfe", "request body is not valid JSON"),
        (b"null", "interaction must be a JSON object"),
        (b'{"type": true}', "interaction type must be an integer, got True"),
        (b'{"type": 2, "id": "1", "token": "t"}', "interaction is missing 'application_id'"),
    ],
)
def test_malformed_interactions_raise_a_clear_error(body: bytes, message: str) -> None:
    with pytest.raises(InteractionError, match="^" + message.replace("(", r"\(") + "$"):
        parse_interaction(body)


def test_a_ping_needs_no_ids_and_gets_pong() -> None:
    assert respond(parse_interaction(b'{"type":1}')) == {"type": 1}


def test_the_command_set_passes_discords_validation_rules() -> None:
    assert validate_commands(commands.command_payloads()) == {}


def test_every_handler_and_autocomplete_reference_imports() -> None:
    for command in commands.COMMANDS:
        assert callable(command.load_handler()), command.name
        for option in command.options:
            for inner in (option, *option.options):
                if inner.autocomplete:
                    assert callable(commands.load(inner.autocomplete)), inner.name
    for reference in commands.COMPONENTS.values():
        assert callable(commands.load(reference))


def test_admin_commands_are_hidden_by_default_permissions_and_others_are_not() -> None:
    payloads = {c["name"]: c for c in commands.command_payloads()}
    admin = {"schedule", "publish", "sync", "cohort-status"}
    assert {n for n, c in payloads.items() if c["default_member_permissions"]} == admin


def test_autocomplete_results_are_capped_at_25_and_names_at_100_characters() -> None:
    result = autocomplete_result([("x" * 150, n) for n in range(30)])
    choices = result["data"]["choices"]
    assert len(choices) == 25 and len(choices[0]["name"]) == 100


def test_truncate_keeps_messages_within_discords_limit() -> None:
    assert len(truncate("a" * 2500)) == 2000 and truncate("short") == "short"


def test_summary_text_handles_no_learners_a_gap_and_many_groups() -> None:
    summary = ScheduleSummary(
        cohort_id=1,
        cohort_name="C",
        run_id=2,
        groups=tuple(GroupLine(f"G{n}", 0, "Monday 18:00 UTC") for n in range(14)),
        placed=0,
        learners=0,
        unplaced_by_reason={},
        gap=0.034,
        upper_bound=0,
        seconds=1.25,
        dst_notes=(),
        preview_group_ids=(),
        proposed_joins=0,
        facilitators_without_group=0,
    )
    text = schedule_summary_text(summary)
    assert "Groups: 14 · placed 0 of 0 learners\n" in text  # no share of nobody
    assert "- G11: 0 people, Monday 18:00 UTC\n- … and 2 more" in text
    assert "Solved in 1.2 s: within 3.4% of optimal." in text and "Unplaced" not in text


def test_diff_ignores_fields_discord_adds_and_defaults_it_omits() -> None:
    wanted = [{"type": 1, "name": "ping", "description": "d", "options": [], "nsfw": False}]
    registered = [{"id": "7", "version": "8", "type": 1, "name": "ping", "description": "d"}]
    diff = diff_commands(registered, wanted)
    assert diff.empty and diff.unchanged == ["ping"]


def test_verify_accepts_a_fresh_signature_and_rejects_a_stale_one() -> None:
    key = SigningKey.generate()
    stamp = "1700000000"
    body = b'{"type":1}'
    headers = {
        "X-Signature-Ed25519": key.sign(stamp.encode() + body).signature.hex(),
        "X-Signature-Timestamp": stamp,
    }
    public = key.verify_key.encode().hex()
    verify_request(public, headers, body, now=1700000000 + 299)
    with pytest.raises(RequestRejectedError, match="stale"):
        verify_request(public, headers, body, now=time.time())


def test_raw_body_refuses_huge_base64_before_decoding() -> None:
    with pytest.raises(RequestRejectedError) as raised:
        raw_body("A" * 400_000, is_base64=True)
    assert raised.value.status == 413


def test_the_leave_reasons_length_is_the_domains() -> None:
    from roundtable.cohorts.leaving import MAX_REASON_LENGTH

    leave = commands.find_command("leave")
    assert leave is not None
    [reason] = [o for o in leave.to_discord()["options"] if o["name"] == "reason"]
    assert reason["max_length"] == MAX_REASON_LENGTH == commands.LEAVE_REASON_MAX_LENGTH
