"""`roundtable sync ...`: publish and reconcile from the command line.

Runs in this process (not through the job queue) and prints the result as
JSON. Without credentials (the local stack) the calls land in the `outbox`
table; `roundtable sync outbox` lists what would have been sent.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("sync", help="publish cohorts, reconcile Discord and calendar")
    parser.set_defaults(needs_db=True)
    commands = parser.add_subparsers(dest="sync_command", required=True)
    publish = commands.add_parser("publish", help="publish a cohort's preview groups")
    publish.add_argument("cohort_id", type=int)
    publish.set_defaults(func=_publish)
    group = commands.add_parser("group", help="reconcile groups by id")
    group.add_argument("group_ids", type=int, nargs="+")
    group.set_defaults(func=_groups)
    hourly = commands.add_parser("hourly", help="run the hourly sweep once")
    hourly.set_defaults(func=_hourly)
    invitations = commands.add_parser(
        "calendar-invitations",
        help="how a cohort's groups get calendar invitations: a Google series or .ics e-mails",
    )
    invitations.add_argument("cohort_id", type=int)
    invitations.add_argument("choice", choices=("google", "ics"))
    invitations.set_defaults(func=_calendar_invitations)
    venue = commands.add_parser(
        "venue", help="where one group meets: discord, google_meet, zoom, or its cohort's"
    )
    venue.add_argument("group_id", type=int)
    venue.add_argument("choice", choices=("discord", "google_meet", "zoom", "cohort"))
    venue.set_defaults(func=_venue)
    _register_servers(commands)
    outbox = commands.add_parser("outbox", help="list recorded calls (local stack)")
    outbox.add_argument("--limit", type=int, default=50)
    outbox.set_defaults(func=_outbox)


def _publish(args: argparse.Namespace) -> int:
    from roundtable.db.engine import get_engine
    from roundtable.sync.publish import publish_cohort
    from roundtable.sync.reconcile import default_services

    engine = get_engine()
    result = publish_cohort(engine, args.cohort_id, default_services(engine), now=_now())
    print(json.dumps(result, default=str, indent=2))
    return 1 if result["failures"] else 0


def _groups(args: argparse.Namespace) -> int:
    from roundtable.db.engine import get_engine
    from roundtable.sync.reconcile import default_services, sync_groups

    engine = get_engine()
    report = sync_groups(engine, args.group_ids, default_services(engine), now=_now())
    print(json.dumps(report.as_dict(), default=str, indent=2))
    return 1 if report.failures else 0


def _hourly(args: argparse.Namespace) -> int:
    from roundtable.db.engine import get_engine
    from roundtable.housekeeping import HOURLY_PURGES
    from roundtable.sync.hourly import run_hourly_sync
    from roundtable.sync.reconcile import default_services

    engine = get_engine()
    summary = run_hourly_sync(
        engine, lambda: default_services(engine), now=_now(), purges=HOURLY_PURGES
    )
    print(json.dumps(summary, default=str, indent=2))
    return 0


def _calendar_invitations(args: argparse.Namespace) -> int:
    from roundtable.cohorts.catalog import update_cohort
    from roundtable.db.engine import get_engine, transaction

    with transaction(get_engine()) as conn:
        cohort = update_cohort(
            conn, args.cohort_id, {"calendar_invitations": args.choice}, now=_now()
        )
    chosen = {"cohort_id": cohort.id, "calendar_invitations": cohort.calendar_invitations}
    print(json.dumps(chosen))
    return 0


def _venue(args: argparse.Namespace) -> int:
    from roundtable.db.engine import get_engine, transaction
    from roundtable.venues.choice import set_group_venue

    own = None if args.choice == "cohort" else args.choice
    with transaction(get_engine()) as conn:
        venue = set_group_venue(conn, args.group_id, own)
    print(json.dumps({"group_id": args.group_id, "meeting_venue": venue, "own": own}))
    return 0


def _register_servers(commands: Any) -> None:
    """Discord servers groups are placed on, a cohort's group space (docs/discord.md)."""
    listing = commands.add_parser("servers", help="Discord servers with their usage (read live)")
    listing.set_defaults(func=_servers)
    add = commands.add_parser("server-add", help="let groups be placed on a Discord server")
    add.add_argument("guild_id")
    add.add_argument("name")
    add.add_argument("--role-limit", type=int, default=250)
    add.add_argument("--channel-limit", type=int, default=500)
    add.add_argument("--invite", help="a standing invite link, shown to its groups' learners")
    add.set_defaults(func=_server_add)
    close = commands.add_parser("server-close", help="place no new groups on a server")
    close.add_argument("guild_id")
    close.add_argument("--reopen", action="store_true", help="accept new groups again")
    close.set_defaults(func=_server_close)
    space = commands.add_parser("space", help="a cohort's group space, before publishing")
    space.add_argument("cohort_id", type=int)
    space.add_argument(
        "space", choices=("channel_and_role", "channel", "thread", "thread_no_voice")
    )
    space.set_defaults(func=_space)


def _servers(args: argparse.Namespace) -> int:
    from roundtable.db.engine import get_engine
    from roundtable.sync.servers import configured_servers, default_guild_ops, read_usage

    engine = get_engine()
    ops = default_guild_ops(engine)
    with engine.connect() as conn:
        found = configured_servers(conn, ops.guild_id)
    usage = [server.as_dict() for server in read_usage(engine, ops, found)]
    print(json.dumps(usage, indent=2))
    return 0


def _server_add(args: argparse.Namespace) -> int:
    from roundtable.db.engine import get_engine
    from roundtable.sync.servers import add_server

    added = add_server(
        get_engine(),
        args.guild_id,
        args.name,
        role_limit=args.role_limit,
        channel_limit=args.channel_limit,
        invite_url=args.invite,
    )
    print(json.dumps(added.as_dict(), indent=2))
    return 0


def _server_close(args: argparse.Namespace) -> int:
    from roundtable.db.engine import get_engine
    from roundtable.sync.servers import close_server

    close_server(get_engine(), args.guild_id, accepts_groups=args.reopen)
    return 0


def _space(args: argparse.Namespace) -> int:
    from roundtable.db.engine import get_engine
    from roundtable.people.actors import Actor
    from roundtable.sync.servers import set_group_space

    cli = Actor(user_id=None, is_admin=True, door="cli")
    print(json.dumps({"space": set_group_space(get_engine(), cli, args.cohort_id, args.space)}))
    return 0


def _outbox(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from roundtable.db.engine import get_engine
    from roundtable.db.tables import outbox

    with get_engine().connect() as conn:
        rows = conn.execute(select(outbox).order_by(outbox.c.id.desc()).limit(args.limit)).all()
    for row in reversed(rows):
        print(f"{row.id:>6}  {row.service:<16} {row.operation}  {json.dumps(row.request)[:160]}")
    return 0


def _now() -> datetime:
    return datetime.now(UTC)
