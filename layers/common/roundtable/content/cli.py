"""`roundtable content ...`: validate a content tree and build its bundle."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from roundtable.content.model import Problem
from roundtable.people.actors import Actor

# Whoever can run the CLI holds the database credentials: an admin.
_CLI = Actor(user_id=None, is_admin=True, door="cli")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("content", help="course content: validate and build bundles")
    commands = parser.add_subparsers(dest="content_command", required=True)
    validate = commands.add_parser("validate", help="report every problem in a content tree")
    validate.add_argument("directory", type=Path)
    validate.add_argument("--json", action="store_true", help="print the report as JSON")
    validate.set_defaults(func=validate_command)
    build = commands.add_parser("build", help="build the versioned JSON bundle of a content tree")
    build.add_argument("directory", type=Path)
    build.add_argument(
        "--out",
        type=Path,
        help="file to write (or a directory: writes <version>.json in it); default stdout",
    )
    build.set_defaults(func=build_command)
    importer = commands.add_parser("import", help="convert another platform's course content")
    formats = importer.add_subparsers(dest="import_format", required=True)
    lens = formats.add_parser(
        "lens", help="a Lens Academy vault (modules/, Lenses/, Learning Outcomes/, ...)"
    )
    lens.add_argument(
        "source", help="the vault folder, or github:<owner>/<repo>[@<ref>][:<folder>]"
    )
    lens.add_argument("destination", type=Path, help="a new, empty folder to write")
    lens.add_argument("--json", action="store_true", help="print the report as JSON")
    lens.set_defaults(func=import_lens_command)
    versions = commands.add_parser("versions", help="the built versions: live, built, failed")
    versions.add_argument("--limit", type=int, default=20)
    versions.set_defaults(func=versions_command, needs_db=True)
    rebuild = commands.add_parser(
        "rebuild", help="queue a build of the content branch's head (live if valid)"
    )
    rebuild.add_argument(
        "--check", action="store_true", help="only check it: record the build, keep what is live"
    )
    rebuild.set_defaults(func=rebuild_command, needs_db=True)
    rollback = commands.add_parser("rollback", help="make an earlier built version live again")
    rollback.add_argument("version", help="the version (its first characters are enough)")
    rollback.set_defaults(func=rollback_command, needs_db=True)


def validate_command(args: argparse.Namespace) -> int:
    """Print every problem; exit 1 when there is an error, 0 otherwise."""
    from roundtable.content.validate import ContentDirectoryError, validate_tree

    try:
        report = validate_tree(args.directory)
    except ContentDirectoryError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        _print_problems(report.problems, sys.stdout)
        print(_summary(len(report.errors), len(report.warnings)))
    return 0 if report.ok else 1


def build_command(args: argparse.Namespace) -> int:
    """Build the bundle; print its version; exit 1 (and build nothing) when there are errors."""
    from roundtable.content.bundle import ContentInvalidError, build_bundle
    from roundtable.content.validate import ContentDirectoryError

    try:
        bundle, report = build_bundle(args.directory)
    except ContentDirectoryError as exc:
        print(exc, file=sys.stderr)
        return 2
    except ContentInvalidError as exc:
        _print_problems(exc.errors, sys.stderr)
        print(f"not built: {_summary(len(exc.errors), 0)}", file=sys.stderr)
        return 1
    _print_problems(report.warnings, sys.stderr)
    if args.out is None:
        sys.stdout.buffer.write(bundle.to_json() + b"\n")
        return 0
    out = args.out / f"{bundle.version}.json" if args.out.is_dir() else args.out
    out.write_bytes(bundle.to_json())
    print(f"built content version {bundle.version} -> {out}")
    return 0


def import_lens_command(args: argparse.Namespace) -> int:
    """Convert a vault; print what was not carried over and the result's validation.
    Exit 1 when either has an error (the folder is written anyway, to fix by hand), 2 when
    nothing could be written."""
    from roundtable.content.lens.importer import ImportTargetError, import_from

    try:
        report = import_from(args.source, args.destination)
    except ImportTargetError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.json:
        document = {
            "ok": report.ok,
            "written": report.counts,
            "notes": [note.to_dict() for note in report.notes],
            "validation": report.validation.to_dict(),
        }
        print(json.dumps(document, indent=2))
        return 0 if report.ok else 1
    written = ", ".join(f"{count} {kind}" for kind, count in report.counts.items())
    print(f"wrote {written} to {args.destination}")
    if report.notes:
        print(f"\nnot carried over, or changed (paths in {args.source}):")
        _print_problems(report.notes, sys.stdout)
    if report.validation.problems:
        print(f"\nthe imported folder, validated (paths in {args.destination}):")
        _print_problems(report.validation.problems, sys.stdout)
    errors = sum(note.severity == "error" for note in report.notes)
    print(
        _summary(
            errors + len(report.validation.errors),
            len(report.notes) - errors + len(report.validation.warnings),
        )
    )
    return 0 if report.ok else 1


def versions_command(args: argparse.Namespace) -> int:
    """One line per build, newest first: version, status, when, who, errors and warnings."""
    from roundtable.content.learning import content_status
    from roundtable.db.engine import get_engine

    with get_engine().connect() as conn:
        status = content_status(conn, limit=args.limit)
    for build in status.builds:
        version = (build["version"] or "")[:16]
        who = build.get("activated_by") or build.get("requested_by") or ""
        print(
            f"{version:<16}  {build['status']:<7} {build['created_at']:%Y-%m-%d %H:%M}  "
            f"{len(build['errors'])} errors, {len(build['warnings'])} warnings  {who}"
        )
    return 0


def rebuild_command(args: argparse.Namespace) -> int:
    from roundtable.config import get_settings
    from roundtable.content.operations import request_content_build
    from roundtable.db.engine import get_engine, transaction
    from roundtable.errors import DomainError

    try:
        with transaction(get_engine()) as conn:
            queued = request_content_build(conn, _CLI, get_settings(), activate=not args.check)
    except DomainError as exc:
        print(exc, file=sys.stderr)
        return 1
    what = "check" if args.check else "build"
    print(f"queued job {queued.job_id}: {what} {queued.repository}@{queued.ref}")
    print(f"follow it with: roundtable jobs show {queued.job_id}")
    return 0


def rollback_command(args: argparse.Namespace) -> int:
    from roundtable.content.operations import roll_back_content
    from roundtable.content.versions import find_version
    from roundtable.db.engine import get_engine, transaction
    from roundtable.errors import DomainError

    try:
        with transaction(get_engine()) as conn:
            rolled = roll_back_content(conn, _CLI, find_version(conn, args.version))
    except DomainError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"live: {rolled.version} (was {rolled.previous or 'nothing'})")
    return 0


def _print_problems(problems: tuple[Problem, ...], stream: Any) -> None:
    for problem in problems:
        print(problem, file=stream)


def _summary(errors: int, warnings: int) -> str:
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
