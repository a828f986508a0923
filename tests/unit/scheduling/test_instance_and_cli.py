"""The v1 instance format: bad input is rejected naming person and field; the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from roundtable_edge.cli import main

from roundtable.scheduling.checks import InvalidInputError
from roundtable.scheduling.instance import parse_instance
from tests.unit.scheduling.helpers import instance, person

FIXTURE = Path(__file__).parents[2] / "fixtures" / "scheduling" / "issue_example.json"
EVENING = {"Tuesday": [["18:00", "20:00"]]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timezone": "Mars/Olympus"}, r"person 'L1': timezone: unknown time zone 'Mars/Olympus'"),
        (
            {"availability_local": {"Tuesday": [["18:0", "20:00"]]}},
            r"'L1': availability_local.*'18:0'",
        ),
        (
            {"availability_local": {"Tuesday": [["20:00", "18:00"]]}},
            r"'L1': availability_local.*not after",
        ),
        (
            {"if_needed_local": {"Funday": [["18:00", "20:00"]]}},
            r"'L1': if_needed_local: unknown day",
        ),
        ({"role": "observer"}, r"person 'L1': role: unknown role 'observer'"),
        ({"max_groups": -1}, r"person 'L1': max_groups"),
    ],
)
def test_bad_person_fields_are_rejected_naming_person_and_field(change, message):
    document = instance([person("L1", "UTC", EVENING) | change])
    with pytest.raises(InvalidInputError, match=message):
        parse_instance(document)


def test_duplicate_ids_are_rejected():
    document = instance([person("L1", "UTC", EVENING), person("L1", "UTC", EVENING)])
    with pytest.raises(InvalidInputError, match=r"person 'L1': id: duplicate"):
        parse_instance(document)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"cohort_start_date": "2025-13-01"}, r"params.cohort_start_date"),
        ({"anchor_timezone": "Nowhere/Town"}, r"params.anchor_timezone: unknown time zone"),
        ({"min_group_size": 9}, r"params.min_group_size"),
        ({"meeting_minutes": 50}, r"params.meeting_minutes"),
        ({"colour": "blue"}, r"params.colour: unknown parameter"),
    ],
)
def test_bad_parameters_are_rejected_naming_the_field(params, message):
    with pytest.raises(InvalidInputError, match=message):
        parse_instance(instance([person("L1", "UTC", EVENING)], **params))


def test_the_cli_prints_the_result_as_json(capsys):
    assert main(["schedule", "solve", str(FIXTURE), "--seed", "1", "--time-limit", "5"]) == 0
    output = json.loads(capsys.readouterr().out)
    assert output["stats"]["learners"] == 1
    assert {u["id"]: u["reason"] for u in output["unplaced"]}["L1"] == "no_facilitator_time"


def test_the_cli_rejects_bad_input_on_stderr_with_status_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(instance([person("L1", "Mars/Olympus", EVENING)])))
    assert main(["schedule", "solve", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "person 'L1': timezone" in captured.err
