"""Scheduler benchmark: generated cohorts, heuristic against exact, every answer validated.

Run: .venv/bin/python bench/scheduling.py [--sizes 50 200 1000 5000] [--time-limit 30]
                                         [--repeat 3] [--anchors 150 300 1000]
Prints one row per instance and method; `--anchors` adds the issue-10 comparison of one
cohort anchor against per-group anchors on cohorts that span a daylight-saving change.
With `--repeat N` each instance is solved N times: times are medians, and `same` says
whether every run gave the same groups (the solver is deterministic for a seed unless a
phase is cut short by the clock).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from roundtable.scheduling.generate import generate_instance  # noqa: E402
from roundtable.scheduling.instance import parse_instance, result_document  # noqa: E402
from roundtable.scheduling.scheduler import schedule  # noqa: E402
from tests.unit.scheduling.validator import validate  # noqa: E402

HEADER = (
    f"{'instance':<28} {'method':<9} {'learners':>8} {'placed':>6} {'bound':>6} {'gap':>6} "
    f"{'groups':>6} {'invalid':>7} {'place s':>7} {'total s':>7} {'same':>4}  "
    f"{'phases (S sizes, R preferences, F spread)':<42} sizes (learners: groups)"
)
_SHORT = {"sizes": "S", "preferences": "R", "spread": "F"}


def run(document: dict[str, Any], exact: bool, time_limit: float) -> dict[str, Any]:
    """Solve one instance and return the result document plus its validation errors."""
    params, people, existing = parse_instance(document)
    result = schedule(people, params, existing, seed=1, time_limit=time_limit, exact=exact)
    output = result_document(result, params)
    output["invalid"] = len(validate(document, output))
    return output


def run_repeated(
    document: dict[str, Any], exact: bool, time_limit: float, repeat: int
) -> dict[str, Any]:
    """Solve `repeat` times; the last output with median times and whether all agreed."""
    outputs = [run(document, exact, time_limit) for _ in range(repeat)]
    output = outputs[-1]
    stats = output["stats"]
    stats["placement_seconds"] = statistics.median(o["stats"]["placement_seconds"] for o in outputs)
    stats["seconds"] = statistics.median(o["stats"]["seconds"] for o in outputs)
    output["same"] = all(o["groups"] == output["groups"] for o in outputs)
    output["invalid"] = max(o["invalid"] for o in outputs)
    return output


def phase_summary(phases: list[str]) -> str:
    """'S ok R ok F 0.2%': each later phase proven optimal, or its gap."""
    parts = []
    for phase in phases:
        name = phase.split(" ", 1)[0].rstrip(":")
        if name not in _SHORT:
            continue
        status = phase.split(": ", 1)[1] if ": " in phase else phase
        if status.endswith("optimal"):
            parts.append(f"{_SHORT[name]} ok")
        elif "gap" in status:
            parts.append(f"{_SHORT[name]} {status.split('gap ')[1].split(' ')[0]}")
        else:
            parts.append(f"{_SHORT[name]} {status}")
    return " ".join(parts)


def row(name: str, method: str, output: dict[str, Any]) -> str:
    stats = output["stats"]
    sizes = Counter(len(group["learners"]) for group in output["groups"])
    histogram = " ".join(f"{size}:{count}" for size, count in sorted(sizes.items()))
    exact = method == "exact"
    bound = stats["upper_bound"] if exact else "-"
    gap = f"{stats['gap']:.4f}".rstrip("0").rstrip(".") if exact else "-"
    phases = phase_summary(stats["phases"]) if exact else "-"
    same = "yes" if output.get("same", True) else "NO"
    return (
        f"{name:<28} {method:<9} {stats['learners']:>8} {stats['placed']:>6} "
        f"{bound:>6} {gap:>6} {len(output['groups']):>6} "
        f"{output['invalid']:>7} {stats['placement_seconds']:>7.2f} {stats['seconds']:>7.2f} "
        f"{same:>4}  {phases:<42} {histogram}"
    )


def bench_sizes(sizes: list[int], time_limit: float, repeat: int) -> None:
    print(HEADER)
    params = {"cohort_start_date": "2025-01-13", "number_of_meetings": 8}
    for size in sizes:
        for facilitated in (True, False):
            document = generate_instance(size, seed=size, facilitated=facilitated, params=params)
            name = f"N={size} {'facilitated' if facilitated else 'peer'}"
            for exact in (False, True):
                output = run_repeated(document, exact, time_limit, repeat)
                print(row(name, "exact" if exact else "heuristic", output), flush=True)


def bench_anchors(sizes: list[int], time_limit: float, repeat: int) -> None:
    print(HEADER)
    spans = {"Mar-Apr": "2025-03-03", "Oct-Dec": "2025-10-13"}
    for size in sizes:
        for span, begin in spans.items():
            for anchor in ("UTC", "America/New_York", "Europe/London", "per_group"):
                params = {"cohort_start_date": begin, "number_of_meetings": 8}
                params["anchor_timezone"] = anchor
                document = generate_instance(size, seed=size + 1, narrow=True, params=params)
                output = run_repeated(document, True, time_limit, repeat)
                print(row(f"N={size} {span} {anchor}", "exact", output), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[50, 200, 1000, 5000])
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=1, help="runs per instance (medians)")
    parser.add_argument("--anchors", type=int, nargs="*", help="sizes for the anchor comparison")
    args = parser.parse_args()
    if args.sizes:
        bench_sizes(args.sizes, args.time_limit, args.repeat)
    if args.anchors:
        bench_anchors(args.anchors, args.time_limit, args.repeat)


if __name__ == "__main__":
    main()
