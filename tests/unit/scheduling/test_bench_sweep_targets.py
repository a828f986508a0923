"""The scheduling bench's verdict on issue 20's targets (`bench/scheduling.py --sweep`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.scheduling import meets_target, phase_columns, target_summary


def test_a_phase_s_column_reads_proven_accepted_or_its_gap():
    phases = [
        "placed (0.01 s): optimal",
        "sizes (1.20 s): 14, bound 8, gap 42.9% (time limit reached)",
        "spread (0.03 s): 104, bound 100, gap 4.0% (accepted)",
    ]
    columns = phase_columns(phases)
    assert columns == {"placed": (0.01, "0"), "sizes": (1.2, "42.9%"), "spread": (0.03, "4.0%a")}


@pytest.mark.parametrize(
    ("kind", "size", "seconds", "gaps", "verdict"),
    [
        ("typical", 300, 1.9, ["0", "0", "0", "4.1%a"], True),
        ("typical", 300, 2.1, ["0", "0", "0", "0"], False),  # too slow
        ("sparse", 2000, 1.0, ["0", "0.5%", "0", "0"], False),  # a phase unproven
        ("peer", 5000, 9.0, ["0", "0", "0", "0"], None),  # no target above 2,000
        ("dst-per-group", 1200, 9.5, ["0", "0", "0.8%", "-"], True),
        ("dst-per-group", 1200, 9.5, ["0", "1.2%", "0", "0"], False),  # gap above 1 %
        ("dst-per-group", 1200, 10.5, ["0", "0", "0", "0"], False),
        ("dst-per-group", 600, 1.0, ["0", "0", "0", "0"], None),  # only 1,200 is a target
        ("typical", 100, 1.0, ["0", "no answer", "0", "0"], False),
    ],
)
def test_a_line_meets_the_target_of_its_kind_and_size(kind, size, seconds, gaps, verdict):
    assert meets_target(kind, size, seconds, gaps) is verdict


def test_the_summary_counts_the_lines_and_names_those_that_miss():
    assert target_summary([("typical:100", True), ("sparse:1200", True)]) == (
        "# targets met: 2 of 2 lines"
    )
    assert target_summary([("typical:100", True), ("sparse:1200", False)]) == (
        "# targets met: 1 of 2 lines; missed: sparse:1200"
    )


_FIRST_LINE_IMPORTS = """
import sys
from bench.scheduling import import_the_solver, run, sweep_document
import_the_solver()
before = set(sys.modules)
run(sweep_document("typical", 40), True, 10.0)
print(sorted(m for m in set(sys.modules) - before if m.startswith("roundtable")))
"""


def test_the_sweep_imports_every_scheduler_module_a_solve_would_import_on_first_use():
    # in a fresh interpreter, as the sweep runs: after `import_the_solver` the first line's
    # solve imports none of the scheduler's modules, so it pays no import no other line pays
    root = Path(__file__).resolve().parents[3]
    environment = os.environ | {"PYTHONPATH": f"{root / 'layers' / 'common'}{os.pathsep}{root}"}
    shown = subprocess.run(
        [sys.executable, "-c", _FIRST_LINE_IMPORTS],
        capture_output=True,
        text=True,
        cwd=root,
        env=environment,
        check=True,
    )
    assert shown.stdout.strip().splitlines()[-1] == "[]"
