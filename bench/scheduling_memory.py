"""Peak memory of one scheduling run, to size the worker Lambda (template.yaml MemorySize).

Run: .venv/bin/python bench/scheduling_memory.py [--sizes 1000 10000 50000]
                                                [--kinds broad narrow per-group]
                                                [--time-limit 120] [--no-split]
                                                [--part-limit N] [--workers N]
Each run is a fresh process (so its peak is its own): it generates the cohort, solves it
as the worker does (`schedule`, split into independent parts unless --no-split) and
prints the parts, learners placed, seconds and the peak resident memory
(`resource.getrusage(...).ru_maxrss`, the figure Lambda's 'Max Memory Used' reports).
Generation is excluded: its document is built before the solve's baseline is taken.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from roundtable.scheduling.generate import generate_instance  # noqa: E402
from roundtable.scheduling.instance import parse_instance  # noqa: E402
from roundtable.scheduling.scheduler import schedule  # noqa: E402

KINDS = {
    "broad": {"narrow": False, "params": {}},
    "narrow": {"narrow": True, "params": {}},
    "per-group": {"narrow": True, "params": {"anchor_timezone": "per_group"}},
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(
    size: int, kind: str, time_limit: float, split: bool, options: dict[str, int]
) -> dict[str, Any]:
    """One run in this process: generate, parse, solve; the peak and what it produced."""
    spec = KINDS[kind]
    params = {"cohort_start_date": "2025-03-03", "number_of_meetings": 8, **spec["params"]}
    document = generate_instance(size, seed=size, narrow=spec["narrow"], params=params)
    params_parsed, people, existing = parse_instance(document)
    del document
    before = _peak_mb()
    began = time.monotonic()
    result = schedule(
        people,
        params_parsed,
        existing,
        seed=1,
        time_limit=time_limit,
        split=split,
        part_options=options,
    )
    parts = next((p for p in result.stats.phases if p.startswith("exact: solved as")), "")
    return {
        "size": size,
        "kind": kind,
        "parts": parts.split(" ")[3] if parts else "1",
        "placed": result.stats.placed,
        "seconds": time.monotonic() - began,
        "before_mb": before,
        "peak_mb": _peak_mb(),
        # forked region solvers: the largest one's peak (pages shared with this process
        # count in both, so peak + workers x this over-estimates the whole)
        "child_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def _child(args: tuple[int, str, float, bool, dict[str, int]], queue: Any) -> None:
    queue.put(measure(*args))


def measure_in_child(
    size: int, kind: str, time_limit: float, split: bool, options: dict[str, int]
) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=((size, kind, time_limit, split, options), queue))
    process.start()
    process.join()
    if process.exitcode != 0:
        return {"size": size, "kind": kind, "error": f"exit code {process.exitcode}"}
    found: dict[str, Any] = queue.get()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=list(KINDS))
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--no-split", action="store_true")
    parser.add_argument("--part-limit", type=int, help="learners above which a part is cut")
    parser.add_argument("--workers", type=int, help="processes solving regions at once")
    args = parser.parse_args()
    options = {
        key: value
        for key, value in (("part_limit", args.part_limit), ("workers", args.workers))
        if value is not None
    }
    print(
        f"{'kind':<10} {'learners':>8} {'parts':>6} {'placed':>7} {'seconds':>8} "
        f"{'before MB':>9} {'peak MB':>8} {'child MB':>8}"
    )
    for size in args.sizes:
        for kind in args.kinds:
            row = measure_in_child(size, kind, args.time_limit, not args.no_split, options)
            if "error" in row:
                print(f"{kind:<10} {size:>8} {row['error']}", flush=True)
                continue
            print(
                f"{kind:<10} {size:>8} {row['parts']:>6} {row['placed']:>7} "
                f"{row['seconds']:>8.1f} {row['before_mb']:>9.0f} {row['peak_mb']:>8.0f} "
                f"{row['child_mb']:>8.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
