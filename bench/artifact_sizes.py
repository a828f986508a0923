"""Each function's unzipped size after `sam build`, its layers included.

Lambda refuses a function whose code plus layers exceed 250 MB unzipped, so
`make build` runs this, printing each function's margin under the limit, and
fails when one is over.

    python bench/artifact_sizes.py [--build-dir .aws-sam/build] [--limit-mb 250]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devserver.template import FUNCTION_TYPE, function_layers, load_template  # noqa: E402

MB = 1024 * 1024


def tree_size(path: Path) -> int:
    """Bytes of all files under path (symlinks counted as links, not targets)."""
    total = 0
    for folder, _dirs, files in os.walk(path):
        total += sum(os.lstat(os.path.join(folder, name)).st_size for name in files)
    return total


def measure(build_dir: Path, template_path: Path) -> list[tuple[str, int, int]]:
    """(function, own bytes, bytes with layers) for every function in the template."""
    template = load_template(template_path)
    rows = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != FUNCTION_TYPE:
            continue
        own_dir = build_dir / logical_id
        if not own_dir.is_dir():
            raise SystemExit(f"{own_dir} is missing: run `sam build` first")
        own = tree_size(own_dir)
        layers = sum(
            tree_size(build_dir / layer) for layer in function_layers(template, logical_id)
        )
        rows.append((logical_id, own, own + layers))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, default=Path(".aws-sam/build"))
    parser.add_argument("--template", type=Path, default=Path("template.yaml"))
    parser.add_argument("--limit-mb", type=float, default=250.0)
    args = parser.parse_args()
    rows = measure(args.build_dir, args.template)
    print(f"{'function':32} {'own MB':>8} {'+layers MB':>11} {'margin MB':>10}")
    too_big = []
    for name, own, total in sorted(rows, key=lambda row: row[2], reverse=True):
        flag = "  OVER LIMIT" if total > args.limit_mb * MB else ""
        margin = args.limit_mb - total / MB
        print(f"{name:32} {own / MB:8.1f} {total / MB:11.1f} {margin:10.1f}{flag}")
        if flag:
            too_big.append(name)
    if too_big:
        print(f"error: over Lambda's {args.limit_mb:.0f} MB unzipped limit: {', '.join(too_big)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
