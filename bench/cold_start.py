"""Cold-start cost of each function: importing its handler module in a fresh interpreter.

For each function in template.yaml, runs a new Python process that imports
functions/<name>/app.py the way Lambda does (devserver.functions.load_function),
several times, and prints the median import time, the peak memory of the
process, and which heavy packages the import pulled in. It prints; it does
not assert. One discarded warm-up run per function writes the .pyc files.

    python bench/cold_start.py [--runs 7] [--function http_api ...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devserver.template import read_stack  # noqa: E402

HEAVY = (
    "fastapi",
    "sqlalchemy",
    "litellm",
    "googleapiclient",
    "highspy",
    "boto3",
    "pydantic",
    "numpy",
    "sendgrid",
    "mangum",
)

# Runs in the fresh interpreter; prints one JSON line.
_PROBE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
start = time.perf_counter()
from devserver.functions import load_function
load_function({name!r})
elapsed = time.perf_counter() - start
print(json.dumps({{
    "seconds": elapsed,
    "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "heavy": [p for p in {heavy!r} if p in sys.modules],
    "modules": len(sys.modules),
}}))
"""


@dataclass(frozen=True)
class Sample:
    """One fresh interpreter's import of one handler."""

    seconds: float
    peak_rss_kb: int
    heavy: list[str]
    modules: int


def measure_once(name: str) -> Sample:
    """Import one function's handler in a new process; what it cost."""
    probe = _PROBE.format(root=str(ROOT), name=name, heavy=HEAVY)
    env = {**os.environ, "ROUNDTABLE_STAGE": "local"}
    env.pop("AWS_LAMBDA_FUNCTION_NAME", None)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"importing {name} failed:\n{done.stderr}")
    return Sample(**json.loads(done.stdout.strip().splitlines()[-1]))


def report(name: str, runs: int) -> str:
    """One table row: median and min import time, peak memory, heavy packages."""
    measure_once(name)  # warm-up: compiles .pyc files, as a deployed artifact would have them
    samples = [measure_once(name) for _ in range(runs)]
    times = [sample.seconds * 1000 for sample in samples]
    peak_mb = max(sample.peak_rss_kb for sample in samples) / 1024
    heavy = ", ".join(samples[-1].heavy) or "-"
    return (
        f"{name:22} {statistics.median(times):9.0f} {min(times):7.0f} "
        f"{peak_mb:11.1f} {samples[-1].modules:7}  {heavy}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--function", action="append", help="folder name; default: all")
    args = parser.parse_args()
    folders = args.function or [spec.folder for spec in read_stack().functions.values()]
    print(f"Python {sys.version.split()[0]}, {args.runs} runs each (after one warm-up)")
    print(
        f"{'function':22} {'median ms':>9} {'min ms':>7} {'peak RSS MB':>11} {'modules':>7}  heavy"
    )
    for folder in folders:
        print(report(folder, args.runs), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
