"""Each function's unzipped size after `sam build`, its layers included.

Lambda refuses a function whose code plus layers exceed 250 MB unzipped, so
`make build` runs this, printing each function's margin under the limit, and
fails when one is over. A function with a layer the template attaches only
under a condition (the tutor's LiteLLM layer, `TutorModelLibrary=litellm`) is
measured both ways: a second row "+LiteLLMLayer" has it.

    python bench/artifact_sizes.py [--build-dir .aws-sam/build] [--limit-mb 250]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devserver.template import (  # noqa: E402
    FUNCTION_TYPE,
    conditional_layers,
    function_layers,
    load_template,
)

MB = 1024 * 1024


def tree_size(path: Path) -> int:
    """Bytes of all files under path (symlinks counted as links, not targets)."""
    total = 0
    for folder, _dirs, files in os.walk(path):
        total += sum(os.lstat(os.path.join(folder, name)).st_size for name in files)
    return total


def measure(build_dir: Path, template_path: Path) -> list[tuple[str, int, int]]:
    """(function, own bytes, bytes with layers) for every function in the template, and
    ("<function> +<layer>", ...) with each layer it has only under a condition."""
    template = load_template(template_path)
    rows = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != FUNCTION_TYPE:
            continue
        own = tree_size(_built(build_dir, logical_id))
        variants = {logical_id: ()} | {
            f"{logical_id} +{layer}": (condition,)
            for condition, layer in conditional_layers(template, logical_id).items()
        }
        for name, conditions in variants.items():
            layers = function_layers(template, logical_id, conditions)
            rows.append((name, own, own + sum(tree_size(_built(build_dir, x)) for x in layers)))
    return rows


def _built(build_dir: Path, logical_id: str) -> Path:
    folder = build_dir / logical_id
    if not folder.is_dir():
        raise SystemExit(f"{folder} is missing: run `sam build` first")
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, default=Path(".aws-sam/build"))
    parser.add_argument("--template", type=Path, default=Path("template.yaml"))
    parser.add_argument("--limit-mb", type=float, default=250.0)
    args = parser.parse_args()
    rows = measure(args.build_dir, args.template)
    print(f"{'function':36} {'own MB':>8} {'+layers MB':>11} {'margin MB':>10}")
    too_big = []
    for name, own, total in sorted(rows, key=lambda row: row[2], reverse=True):
        flag = "  OVER LIMIT" if total > args.limit_mb * MB else ""
        margin = args.limit_mb - total / MB
        print(f"{name:36} {own / MB:8.1f} {total / MB:11.1f} {margin:10.1f}{flag}")
        if flag:
            too_big.append(name)
    if too_big:
        print(f"error: over Lambda's {args.limit_mb:.0f} MB unzipped limit: {', '.join(too_big)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
