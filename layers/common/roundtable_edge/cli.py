"""The `roundtable` command-line tool.

Each area registers its own sub-commands; they are imported only when used so
that `roundtable --help` stays fast and light.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from roundtable_edge.local import LocalCodeMissingError, load_local

# command group -> module that defines `register(subparsers)`. Each module adds
# one parser with `set_defaults(func=...)`; func(args) returns an exit status.
COMMAND_MODULES: dict[str, str] = {
    "db": "roundtable.db.cli",
    "jobs": "roundtable.jobs.cli",
    "local": "devserver.cli",
    "schedule": "roundtable.scheduling.cli",
    "discord": "roundtable_edge.discord.cli",
    "content": "roundtable.content.cli",
    "sync": "roundtable.sync.cli",
}


def build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="roundtable", description=__doc__)
    subparsers = parser.add_subparsers(dest="group", metavar="COMMAND", required=True)
    wanted = argv[0] if argv and argv[0] in COMMAND_MODULES else None
    for group, module_name in COMMAND_MODULES.items():
        if wanted is not None and group != wanted:
            subparsers.add_parser(group)  # listed, not loaded
            continue
        try:
            module = _load(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # area not built yet
        except LocalCodeMissingError:
            continue  # `local` exists only in a source checkout
        module.register(subparsers)
    return parser


def _load(module_name: str) -> ModuleType:
    if module_name.startswith("devserver."):
        return load_local(module_name.removeprefix("devserver."))
    return importlib.import_module(module_name)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_list)
    args = parser.parse_args(args_list)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    # Commands that touch the database set needs_db; the rest start nothing.
    _server = _local_database() if getattr(args, "needs_db", False) else None  # noqa: F841
    if getattr(args, "needs_db", False):
        _install_job_listeners()
    return int(args.func(args) or 0)


def _install_job_listeners() -> None:
    """Jobs run here (`roundtable jobs run`) answer the Discord command that queued them."""
    from roundtable_edge.discord.replies import install_discord_replies

    install_discord_replies()


def _local_database() -> object:
    """Outside AWS, commands use the embedded Postgres unless DATABASE_URL is set."""
    from roundtable.config import get_settings

    if get_settings().is_deployed:
        return None
    from roundtable_edge.local import use_embedded_database_if_unset

    return use_embedded_database_if_unset()


if __name__ == "__main__":
    raise SystemExit(main())
