"""Ship a function's third-party packages as bytecode only, to fit Lambda's 250 MB.

    python3.12 tools/sourceless.py ARTIFACT_DIR [--keep-source PATH ...]

Every package directory at the top of ARTIFACT_DIR (the function's own modules
are files there, and keep their source) gets each `x.py` compiled to a
sourceless `x.pyc` beside it (unchecked-hash, like the rest of the build), and
the `.py` removed: Python imports a sourceless .pyc from the module's own
folder. Paths given with --keep-source (relative to ARTIFACT_DIR) are left as
source and not compiled: code the function never imports (LiteLLM's proxy
server) costs its source size only, and still imports if it ever must.

The price: tracebacks inside those packages show file and line, not the line's
text. Used for the optional LiteLLM layer only (its python/ folder, build-LiteLLMLayer):
see docs/deploy.md, "What the build ships".
"""

from __future__ import annotations

import argparse
import py_compile
import sys
from pathlib import Path


def make_sourceless(root: Path, keep_source: list[Path]) -> tuple[int, int]:
    """(modules compiled, bytes of source removed)."""
    kept = [(root / path).resolve() for path in keep_source]
    compiled = removed = 0
    for package in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "__pycache__"):
        for source in package.rglob("*.py"):
            if any(source.resolve().is_relative_to(path) for path in kept):
                continue
            py_compile.compile(
                str(source),
                cfile=str(source) + "c",
                doraise=True,
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )
            removed += source.stat().st_size
            source.unlink()
            compiled += 1
    return compiled, removed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--keep-source", type=Path, action="append", default=[])
    args = parser.parse_args()
    compiled, removed = make_sourceless(args.root, args.keep_source)
    mb = removed / 2**20
    print(f"{args.root}: {compiled} modules as sourceless bytecode, {mb:.1f} MB source removed")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
