"""`roundtable schedule run COHORT_ID`: the service from the command line."""

from __future__ import annotations

import json

import pytest
from roundtable_edge.cli import main
from sqlalchemy import Engine

from tests.integration.scheduling.world import add_cohort, add_facilitator, add_person, runs

MONDAY = {"Monday": [("17:00", "21:00")]}


def test_schedule_run_writes_the_preview_and_prints_the_summary(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    with engine.begin() as conn:
        cohort = add_cohort(conn, "CLI Cohort")
        add_facilitator(conn, cohort, "UTC", MONDAY)
        for _ in range(4):
            add_person(conn, cohort, "UTC", MONDAY)

    status = main(["schedule", "run", str(cohort), "--time-limit", "10", "--seed", "2"])

    assert status == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["cohort_name"], summary["placed"], len(summary["groups"])) == (
        "CLI Cohort",
        4,
        1,
    )
    (run,) = runs(engine, cohort)
    assert (run.id, run.params["seed"], run.job_id) == (summary["run_id"], 2, None)


def test_schedule_run_of_an_unknown_cohort_exits_2_with_the_reason(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schedule", "run", "404"]) == 2
    assert capsys.readouterr().err.strip() == "roundtable schedule run: no cohort with id 404"
