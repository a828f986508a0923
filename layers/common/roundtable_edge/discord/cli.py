"""`roundtable discord register-commands [--guild ID] [--dry-run]`.

Replaces the whole registered command set (Discord's bulk overwrite) with the
one defined in roundtable_edge/discord/commands.py, after printing the set and the
difference against what Discord has. Guild commands update at once and suit
testing; global ones are what a deployment uses.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("discord", help="Discord application commands")
    commands = parser.add_subparsers(dest="discord_command", required=True)
    register_commands = commands.add_parser(
        "register-commands", help="register the slash commands with Discord (bulk overwrite)"
    )
    register_commands.add_argument("--guild", metavar="ID", help="register in one guild only")
    register_commands.add_argument(
        "--dry-run", action="store_true", help="print the set and the diff; change nothing"
    )
    register_commands.set_defaults(func=_register_commands)


def _register_commands(args: argparse.Namespace) -> int:
    from roundtable.config import get_settings
    from roundtable_edge.discord.commands import command_payloads
    from roundtable_edge.discord.registration import describe_command

    settings = get_settings()
    wanted = command_payloads()
    scope = f"guild {args.guild}" if args.guild else "global"
    print(f"Command set ({len(wanted)} commands, {scope}):")
    for command in wanted:
        print(f"  {describe_command(command)}")
    application_id = settings.discord_application_id
    has_token = bool(settings.secret("DISCORD_BOT_TOKEN"))
    if not application_id:
        print("DISCORD_APPLICATION_ID is not set: cannot compare with or register to Discord.")
        return 0 if args.dry_run else 2
    if args.dry_run and not has_token:
        print("No DISCORD_BOT_TOKEN: not compared with what Discord has registered.")
        return 0
    return _apply(args, application_id, wanted, has_token)


def _apply(args: argparse.Namespace, application_id: str, wanted: Any, has_token: bool) -> int:
    from roundtable.config import SettingsError
    from roundtable.discord.rest import DiscordApiError, get_discord_client
    from roundtable_edge.discord.registration import diff_commands

    _server = None if has_token else _local_database()  # noqa: F841 (keeps it running)
    try:
        client = get_discord_client()
    except SettingsError as exc:
        print(f"Cannot reach Discord: {exc}")
        return 2
    try:
        diff = diff_commands(client.get_commands(application_id, args.guild) or [], wanted)
        print("Changes against Discord:")
        print("\n".join(diff.lines()))
        if args.dry_run:
            return 0
        stored = client.bulk_overwrite_commands(application_id, wanted, args.guild)
    except DiscordApiError as exc:
        print(f"Discord refused: {exc}")
        if exc.errors:
            print(f"Details: {exc.errors}")
        return 1
    where = "the outbox (no bot token)" if getattr(client, "outbox", False) else "Discord"
    print(f"Registered {len(stored or [])} commands with {where}.")
    return 0


def _local_database() -> Any:
    """Outbox mode writes to the database: outside AWS, the embedded one unless set."""
    from roundtable.config import get_settings

    if get_settings().is_deployed:
        return None
    from roundtable_edge.local import use_embedded_database_if_unset

    return use_embedded_database_if_unset()
