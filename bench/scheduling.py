"""Scheduler benchmark: generated cohorts, heuristic against exact, every answer validated.

Run: .venv/bin/python bench/scheduling.py [--sizes 50 200 1000 5000] [--time-limit 30]
                                         [--repeat 3] [--anchors 150 300 1000]
                                         [--sweep [100 300 600 1200 2000 5000]] [--kinds ...]
                                         [--seeds N]
Prints one row per instance and method; `--anchors` adds the issue-10 comparison of one
cohort anchor against per-group anchors on cohorts that span a daylight-saving change.
With `--repeat N` each instance is solved N times: times are medians, and `same` says
whether every run gave the same groups (the solver is deterministic for a seed unless a
phase is cut short by the clock).

`--sweep` solves every size for every kind of cohort (typical, sparse, peer, few
facilitators, per-group anchors across a clock change) and prints one line each with
every phase's seconds and gap, so a regression in any phase shows as a line. With
`--seeds N` each (kind, size) is solved at N generator seeds (size, size + 1, ...), one
line each with its seed, so a cohort that is quick only at its own seed shows too.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
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


# kind -> (generator options, extra params, keep one facilitator in this many)
KINDS: dict[str, tuple[dict[str, Any], dict[str, Any], int]] = {
    "typical": ({}, {}, 1),
    "sparse": ({"narrow": True}, {}, 1),
    "peer": ({"facilitated": False}, {}, 1),
    "few-facilitators": ({}, {}, 3),
    "dst-per-group": ({"narrow": True}, {"anchor_timezone": "per_group"}, 1),
}
# Cohorts of the sweep span the European and American spring changes (8 weekly meetings).
SWEEP_START = "2025-03-03"
_SWEEP_PHASES = ("placed", "sizes", "preferences", "spread")
SWEEP_HEADER = (
    f"{'kind':<21} {'learners':>8} {'placed':>6} {'total s':>7}  "
    + "  ".join(f"{name + ' s':>13} {'gap':>7}" for name in _SWEEP_PHASES)
    + f"  {'invalid':>7}"
)


def sweep_document(kind: str, size: int, seed: int | None = None) -> dict[str, Any]:
    """The sweep's cohort of this kind and size (the generator seeded by the size unless
    another seed is given)."""
    options, extra, keep = KINDS[kind]
    params = {"cohort_start_date": SWEEP_START, "number_of_meetings": 8} | extra
    seed = size if seed is None else seed
    document = generate_instance(size, seed=seed, params=params, **options)
    if keep > 1:
        facilitators = [p for p in document["people"] if p["role"] == "facilitator"]
        dropped = {p["id"] for p in facilitators[1::keep]} | {
            p["id"] for p in facilitators[2::keep]
        }
        document["people"] = [p for p in document["people"] if p["id"] not in dropped]
    return document


def phase_columns(phases: list[str]) -> dict[str, tuple[float, str]]:
    """Per phase, (seconds, gap): '0' when proven optimal, the gap otherwise ('1.8%a' when
    accepted as a tie-break)."""
    found: dict[str, tuple[float, str]] = {}
    for phase in phases:
        head, _, status = phase.partition(": ")
        name, _, rest = head.partition(" (")
        if not rest.endswith(" s)"):
            continue
        seconds = float(rest[: -len(" s)")])
        if "gap " in status:
            gap = status.split("gap ")[1].split(" ")[0]
            gap += "a" if "accepted" in status else ""
        else:
            gap = "0" if "optimal" in status else status[:7]
        found[name] = (seconds, gap)
    return found


# Issue 20's targets: every phase proven (spread within its accepted gap) within 2 s for
# single-anchor cohorts up to 2,000 learners; within 10 s with every gap at most 1 % for
# per-group anchors at 1,200 learners across a clock change.
_SINGLE_ANCHOR_TARGET = (2000, 2.0)  # (most learners, seconds)
_PER_GROUP_TARGET = (1200, 10.0, 1.0)  # (learners, seconds, largest gap in %)


def _gap_percent(gap: str) -> float:
    """A column's gap in percent: 0 for a proven phase or one not run ('-'), the accepted
    tie-break gap as 0 too; infinity for a status without a gap."""
    if gap in ("0", "-") or gap.endswith("a"):
        return 0.0
    try:
        return float(gap.rstrip("%"))
    except ValueError:
        return float("inf")


def meets_target(kind: str, size: int, seconds: float, gaps: list[str]) -> bool | None:
    """Whether a sweep line meets issue 20's target for its kind and size (None: the
    issue sets none there)."""
    if kind == "dst-per-group":
        learners, limit, largest = _PER_GROUP_TARGET
        if size != learners:
            return None
        return seconds <= limit and all(_gap_percent(g) <= largest for g in gaps)
    most, limit = _SINGLE_ANCHOR_TARGET
    if size > most:
        return None
    return seconds <= limit and all(_gap_percent(g) == 0 for g in gaps)


def target_summary(met: list[tuple[str, bool]]) -> str:
    """The sweep's last line: how many of the lines the targets cover meet them, and
    which do not."""
    missed = [line for line, ok in met if not ok]
    head = f"# targets met: {len(met) - len(missed)} of {len(met)} lines"
    return head + (f"; missed: {', '.join(missed)}" if missed else "")


def sweep_row(kind: str, output: dict[str, Any], seed: int | None = None) -> str:
    """The sweep's line; the kind carries the generator's seed (`peer:101`) when given."""
    stats = output["stats"]
    kind = kind if seed is None else f"{kind}:{seed}"
    columns = phase_columns(stats["phases"])
    cells = []
    for name in _SWEEP_PHASES:
        seconds, gap = columns.get(name, (0.0, "-"))
        cells.append(f"{seconds:>13.2f} {gap:>7}")
    return (
        f"{kind:<21} {stats['learners']:>8} {stats['placed']:>6} {stats['seconds']:>7.2f}  "
        + "  ".join(cells)
        + f"  {output['invalid']:>7}"
    )


def machine_reference() -> str:
    """The machine's speed at fixed work that does not change with the scheduler, so that
    sweeps from different machines compare: one HiGHS dual simplex run on a fixed random
    LP (2,000 rows, 4,000 columns, one thread, no presolve) and a Python loop, each the
    least CPU seconds of three. Session 8's machine ran the sweep 1.5-2x slower than
    session 7's; without this the two could not be told apart from a regression."""
    return (
        f"# machine: HiGHS reference LP {min(_reference_lp() for _ in range(3)):.2f} s, "
        f"Python loop {min(_reference_loop() for _ in range(3)):.2f} s of CPU"
    )


def import_the_solver() -> str:
    """Import every module of the scheduler before the first line, and say how long that
    took: the solve imports most of them on first use, so without this the sweep's first
    line (typical 100) carried 0.16-0.18 s of CPU of imports where their bytecode is not
    cached (0.03 s where it is) that no later line pays. Counted in no line, printed
    instead."""
    import importlib
    import pkgutil

    import roundtable.scheduling as package

    began = time.perf_counter()
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    seconds = time.perf_counter() - began
    return f"# the scheduler's modules imported before the first line: {seconds:.2f} s"


def _reference_lp() -> float:
    import highspy
    import numpy as np

    from roundtable.scheduling.highs_model import quiet_stdout

    rng = np.random.default_rng(20)
    rows, cols, per_col = 2000, 4000, 6
    index = np.concatenate([rng.choice(rows, per_col, replace=False) for _ in range(cols)])
    with quiet_stdout():  # HiGHS's banner
        highs = highspy.Highs()  # type: ignore[no-untyped-call]
    for option, value in (("output_flag", False), ("threads", 1), ("presolve", "off")):
        highs.setOptionValue(option, value)
    highs.setOptionValue("solver", "simplex")
    none = np.zeros(0, dtype=np.int32)
    highs.addRows(rows, np.full(rows, 8.0), np.full(rows, np.inf), 0, none, none, np.zeros(0))
    highs.addCols(
        cols,
        rng.integers(1, 100, cols).astype(np.float64),
        np.zeros(cols),
        np.ones(cols),
        len(index),
        np.arange(0, cols * per_col, per_col, dtype=np.int32),
        index.astype(np.int32),
        rng.integers(1, 10, len(index)).astype(np.float64),
    )
    began = time.process_time()
    highs.run()
    return time.process_time() - began


def _reference_loop() -> float:
    began = time.process_time()
    total = 0
    for i in range(2_000_000):
        total += i % 7
    return time.process_time() - began


def bench_sweep(
    sizes: list[int], kinds: list[str], time_limit: float, repeat: int, seeds: int = 1
) -> None:
    """One line per (kind, size), or per (kind, size, seed) with `seeds` above 1: every
    phase's seconds and gap (medians over repeats), after the machine's reference speed
    (`machine_reference`)."""
    print(machine_reference())
    print(import_the_solver())
    print(SWEEP_HEADER)
    met: list[tuple[str, bool]] = []
    for kind in kinds:
        for size in sizes:
            for seed in range(size, size + seeds):
                document = sweep_document(kind, size, seed)
                outputs = [run(document, True, time_limit) for _ in range(repeat)]
                ordered = sorted(outputs, key=lambda o: o["stats"]["seconds"])
                output = ordered[len(ordered) // 2]
                output["invalid"] = max(o["invalid"] for o in outputs)
                print(sweep_row(kind, output, seed if seeds > 1 else None), flush=True)
                stats = output["stats"]
                gaps = [gap for _seconds, gap in phase_columns(stats["phases"]).values()]
                ok = meets_target(kind, size, stats["seconds"], gaps)
                if ok is not None:
                    met.append((f"{kind}:{seed}", ok and not output["invalid"]))
    print(target_summary(met))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[50, 200, 1000, 5000])
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=1, help="runs per instance (medians)")
    parser.add_argument("--anchors", type=int, nargs="*", help="sizes for the anchor comparison")
    parser.add_argument(
        "--sweep", type=int, nargs="*", help="sizes for the sweep over kinds (default: all)"
    )
    parser.add_argument("--kinds", nargs="*", choices=list(KINDS), default=list(KINDS))
    parser.add_argument(
        "--seeds", type=int, default=1, help="generator seeds per sweep line (size, size+1, ...)"
    )
    args = parser.parse_args()
    if args.sweep is not None:
        bench_sweep(
            args.sweep or [100, 300, 600, 1200, 2000, 5000],
            args.kinds,
            args.time_limit,
            args.repeat,
            args.seeds,
        )
        return
    if args.sizes:
        bench_sizes(args.sizes, args.time_limit, args.repeat)
    if args.anchors:
        bench_anchors(args.anchors, args.time_limit, args.repeat)


if __name__ == "__main__":
    main()
