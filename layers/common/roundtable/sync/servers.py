"""The Discord servers groups live on: their usage, and placing new groups where there is room.

A server holds at most 250 roles (@everyone included), 500 channels
(categories included; threads are not counted) and 1,000 active threads. What
each group space takes on the server it is placed on:

    space              per group               per cohort on the server
    channel_and_role   1 role, 2 channels      1 category per 25 groups, its channel and role
    channel            2 channels              1 category per 25 groups, its channel and role
    thread             1 active thread         1 category, the groups channel (also the
                                               cohort's), 1 voice room, the cohort role
    thread_no_voice    1 active thread         1 category, the groups channel, the cohort role

Servers come from the discord_servers table (in id order); with none
configured, the one DISCORD_GUILD_ID with Discord's limits, so a deployment
that never configured servers works as before. A group is placed once, when
its cohort is published, on the first open server with room (a cohort fills
one server before the next), and stays there. Usage is read from Discord
(its own count, admins' channels included); in the local stack's outbox,
where nothing can be read, it is counted from the database.

Archived groups keep their channels (in archive categories) until the
retention policy (retention.py) exports and deletes them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from math import ceil
from typing import Any

from sqlalchemy import Connection, Engine, and_, exists, func, or_, select

from roundtable.db.engine import transaction
from roundtable.db.tables import (
    cohort_discord_channels,
    cohort_discord_roles,
    cohorts,
    discord_servers,
    group_members,
    groups,
)
from roundtable.discord.client import DiscordApiError
from roundtable.errors import ConflictError, NotFoundError, UpstreamError, ValidationError
from roundtable.people.actors import Actor
from roundtable.sync.desired import (
    CHANNEL_AND_ROLE,
    GROUPS_PER_CATEGORY,
    THREAD,
    THREAD_SPACES,
)
from roundtable.sync.discord_ops import CHANNEL_LIMIT, ROLE_LIMIT, THREAD_LIMIT, GuildOps

DEFAULT_SERVER_NAME = "Course server (DISCORD_GUILD_ID)"


@dataclass(frozen=True)
class Room:
    """Roles, channels and active threads (taken, free, or needed)."""

    roles: int = 0
    channels: int = 0
    threads: int = 0

    def __add__(self, other: Room) -> Room:
        return Room(
            self.roles + other.roles, self.channels + other.channels, self.threads + other.threads
        )

    def fits_in(self, free: Room) -> bool:
        return (
            self.roles <= free.roles
            and self.channels <= free.channels
            and self.threads <= free.threads
        )


@dataclass
class ServerUsage:
    """One server as the admin sees it before publishing."""

    guild_id: str
    name: str
    role_limit: int
    channel_limit: int
    roles_used: int
    channels_used: int
    accepts_groups: bool
    # What publishing the cohort asked about would add here, and how many of its groups.
    adds_roles: int = 0
    adds_channels: int = 0
    new_groups: int = 0
    thread_limit: int = THREAD_LIMIT  # Discord's active threads per server
    threads_used: int = 0
    adds_threads: int = 0

    @property
    def free(self) -> Room:
        return Room(
            self.role_limit - self.roles_used,
            self.channel_limit - self.channels_used,
            self.thread_limit - self.threads_used,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Placement:
    """Where a cohort's unplaced groups go (group id -> guild id), and each server's usage."""

    cohort_id: int
    space: str
    servers: list[ServerUsage]
    placed: dict[int, str] = field(default_factory=dict)
    unplaced: list[int] = field(default_factory=list)
    needs: Room = field(default_factory=Room)

    @property
    def fits(self) -> bool:
        return not self.unplaced

    def as_dict(self) -> dict[str, Any]:
        return {
            "cohort_id": self.cohort_id,
            "space": self.space,
            "fits": self.fits,
            "new_groups": len(self.placed) + len(self.unplaced),
            "unplaced_groups": len(self.unplaced),
            "needs_roles": self.needs.roles,
            "needs_channels": self.needs.channels,
            "needs_threads": self.needs.threads,
            "servers": [server.as_dict() for server in self.servers],
        }


class DiscordCapacityError(ConflictError):
    """Publishing would pass the roles, channels or threads the Discord servers have left."""

    code = "discord_full"

    def __init__(self, placement: Placement) -> None:
        super().__init__(_refusal(placement))
        self.placement = placement


# -- what a group takes ---------------------------------------------------------------
def group_cost(space: str) -> Room:
    if space in THREAD_SPACES:
        return Room(threads=1)
    return Room(1 if space == CHANNEL_AND_ROLE else 0, 2)


def cohort_cost(space: str, groups_before: int, groups_after: int) -> Room:
    """The cohort's own channels a server needs for `groups_after` of its groups,
    beyond those it has for `groups_before`."""
    first = not groups_before and groups_after > 0
    # The cohort's shared space (discord_cohort.py): a channel of its own unless its
    # thread spaces' groups channel is it, and a role unless its groups' roles open it.
    role = 0 if space == CHANNEL_AND_ROLE else 1
    shared = Room(role, 0 if space in THREAD_SPACES else 1) if first else Room()
    if space in THREAD_SPACES:
        return shared + (Room(0, 3 if space == THREAD else 2) if first else Room())
    categories = ceil(groups_after / GROUPS_PER_CATEGORY) - ceil(
        groups_before / GROUPS_PER_CATEGORY
    )
    return shared + Room(0, categories)


# -- servers and their usage -----------------------------------------------------------
def configured_servers(conn: Connection, default_guild: str | None) -> list[ServerUsage]:
    """The servers (usage not read yet); the default guild alone when none is configured."""
    rows = conn.execute(select(discord_servers).order_by(discord_servers.c.id)).all()
    if not rows and default_guild:
        return [
            ServerUsage(default_guild, DEFAULT_SERVER_NAME, ROLE_LIMIT, CHANNEL_LIMIT, 0, 0, True)
        ]
    return [
        ServerUsage(
            row.guild_id, row.name, row.role_limit, row.channel_limit, 0, 0, row.accepts_groups
        )
        for row in rows
    ]


def read_usage(engine: Engine, ops: GuildOps, servers: list[ServerUsage]) -> list[ServerUsage]:
    """Each server with its roles, channels and active threads in use now (three reads
    per server)."""
    if ops.outbox:
        with engine.connect() as conn:
            return [_counted(conn, server, ops.guild_id) for server in servers]
    result = []
    for server in servers:
        guild = ops.for_guild(server.guild_id)
        roles, channels, threads = len(guild.roles()), len(guild.channels()), guild.active_threads()
        used = replace(server, roles_used=roles, channels_used=channels, threads_used=threads)
        result.append(used)
    return result


def _counted(conn: Connection, server: ServerUsage, default_guild: str) -> ServerUsage:
    """Usage from the database: what our groups and cohorts hold on the server."""
    on_server = _on_guild(server.guild_id, default_guild)
    kept = and_(
        on_server, groups.c.published_at.is_not(None), groups.c.discord_removed_at.is_(None)
    )
    space = func.coalesce(groups.c.discord_space, cohorts.c.discord_space)
    rows = conn.execute(
        select(space, groups.c.status, func.count())
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        .where(kept)
        .group_by(space, groups.c.status)
    ).all()
    room = Room(1, 0)  # @everyone
    for kind, status, count in rows:
        cost = group_cost(kind)
        live_roles = cost.roles if status == "active" else 0
        live_threads = cost.threads if status == "active" else 0  # an ended one is archived
        room = room + Room(live_roles * count, cost.channels * count, live_threads * count)
    cohort_roles = conn.scalar(
        select(func.count())
        .select_from(cohort_discord_roles)
        .where(cohort_discord_roles.c.guild_id == server.guild_id)
    )
    room = room + Room(int(cohort_roles or 0), 0)
    cohort_channels = conn.scalar(
        select(func.count())
        .select_from(cohort_discord_channels)
        .where(cohort_discord_channels.c.guild_id == server.guild_id)
    )
    return replace(
        server,
        roles_used=room.roles,
        channels_used=room.channels + int(cohort_channels or 0),
        threads_used=room.threads,
    )


def _on_guild(guild_id: str, default_guild: str) -> Any:
    if guild_id == default_guild:
        return or_(groups.c.discord_guild_id == guild_id, groups.c.discord_guild_id.is_(None))
    return groups.c.discord_guild_id == guild_id


# -- placement -------------------------------------------------------------------------
def plan_placement(
    conn: Connection, cohort_id: int, servers: list[ServerUsage], default_guild: str | None
) -> Placement:
    """Where each of the cohort's groups still to publish goes: first-fit over open servers.

    Pure arithmetic over `servers` (usage already read); nothing is written."""
    cohort = conn.execute(select(cohorts.c.discord_space).where(cohorts.c.id == cohort_id)).first()
    if cohort is None:
        raise NotFoundError(f"no cohort with id {cohort_id}")
    space = str(cohort.discord_space)
    placement = Placement(cohort_id, space, [replace(s) for s in servers])
    waiting = list(
        conn.scalars(
            select(groups.c.id)
            .where(
                groups.c.cohort_id == cohort_id,
                groups.c.status == "preview",
                groups.c.discord_guild_id.is_(None),
                exists().where(
                    group_members.c.group_id == groups.c.id, group_members.c.status == "active"
                ),
            )
            .order_by(groups.c.id)
        )
    )
    present = _cohort_groups_by_guild(conn, cohort_id, default_guild)
    for group_id in waiting:
        server = _first_with_room(placement, space, present)
        if server is None:
            placement.unplaced.append(group_id)
            placement.needs = placement.needs + group_cost(space)
            continue
        before = present.get(server.guild_id, 0)
        cost = group_cost(space) + cohort_cost(space, before, before + 1)
        server.adds_roles += cost.roles
        server.adds_channels += cost.channels
        server.adds_threads += cost.threads
        server.new_groups += 1
        present[server.guild_id] = before + 1
        placement.placed[group_id] = server.guild_id
        placement.needs = placement.needs + cost
    return placement


def _first_with_room(
    placement: Placement, space: str, present: dict[str, int]
) -> ServerUsage | None:
    for server in placement.servers:
        if not server.accepts_groups:
            continue
        before = present.get(server.guild_id, 0)
        cost = group_cost(space) + cohort_cost(space, before, before + 1)
        free = Room(
            server.free.roles - server.adds_roles,
            server.free.channels - server.adds_channels,
            server.free.threads - server.adds_threads,
        )
        if cost.fits_in(free):
            return server
    return None


def _cohort_groups_by_guild(
    conn: Connection, cohort_id: int, default_guild: str | None
) -> dict[str, int]:
    """The cohort's groups already on each server (their categories exist)."""
    rows = conn.execute(
        select(groups.c.discord_guild_id, func.count())
        .where(
            groups.c.cohort_id == cohort_id,
            groups.c.published_at.is_not(None),
            groups.c.discord_removed_at.is_(None),
        )
        .group_by(groups.c.discord_guild_id)
    ).all()
    result: dict[str, int] = {}
    for guild_id, count in rows:  # no server stored: the default one
        key = str(guild_id or default_guild or "")
        result[key] = result.get(key, 0) + int(count)
    return result


def plan_for_cohort(engine: Engine, ops: GuildOps, cohort_id: int) -> Placement:
    """Where the cohort's groups to publish would go, from each server's usage now.

    `ops`: the default server's (Services.discord). Reads two lists per server."""
    default_guild = ops.guild_id or None
    with engine.connect() as conn:
        servers = configured_servers(conn, default_guild)
    servers = read_usage(engine, ops, servers)
    with engine.connect() as conn:
        return plan_placement(conn, cohort_id, servers, default_guild)


def cohort_discord_capacity(
    engine: Engine, actor: Actor, ops: GuildOps, cohort_id: int
) -> Placement:
    """Each server's usage and what publishing the cohort would add (the admin's panel)."""
    actor.require_admin()
    try:
        return plan_for_cohort(engine, ops, cohort_id)
    except DiscordApiError as exc:
        raise UpstreamError(f"Discord's servers could not be read: {exc.message}") from exc


def require_room(engine: Engine, actor: Actor, ops: GuildOps, cohort_id: int) -> Placement:
    """The placement; DiscordCapacityError with the numbers when the cohort would not fit
    (asked before a publish is queued, so the admin hears it at once; the publish
    itself checks again, as usage may change meanwhile)."""
    placement = cohort_discord_capacity(engine, actor, ops, cohort_id)
    if not placement.fits:
        raise DiscordCapacityError(placement)
    return placement


class SyncConfigError(RuntimeError):
    """The sync cannot run with these settings (e.g. no Discord guild configured)."""


OUTBOX_GUILD = "0"


def default_guild_ops(engine: Engine | None = None) -> GuildOps:
    """The configured server's (DISCORD_GUILD_ID) operations over the shared REST client;
    in the local stack's outbox without a guild, a stand-in id."""
    from roundtable.config import get_settings
    from roundtable.discord.rest import get_discord_client

    client = get_discord_client(engine)
    guild_id = get_settings().discord_guild_id
    if not guild_id:
        if not getattr(client, "outbox", False):
            raise SyncConfigError("DISCORD_GUILD_ID is not set: the sync needs the course's guild")
        guild_id = OUTBOX_GUILD
    return GuildOps(client, guild_id)


def place_groups(conn: Connection, placement: Placement) -> None:
    """Store each placed group's server and space (in the publish transaction).

    Raises DiscordCapacityError, writing nothing, when any group has no room."""
    if not placement.fits:
        raise DiscordCapacityError(placement)
    for group_id, guild_id in placement.placed.items():
        conn.execute(
            groups.update()
            .where(groups.c.id == group_id, groups.c.discord_guild_id.is_(None))
            .values(discord_guild_id=guild_id, discord_space=placement.space)
        )


def _refusal(placement: Placement) -> str:
    total = len(placement.placed) + len(placement.unplaced)
    servers = "; ".join(
        f"{s.name}: {s.roles_used} of {s.role_limit} roles, "
        f"{s.channels_used} of {s.channel_limit} channels and "
        f"{s.threads_used} of {s.thread_limit} active threads in use"
        + ("" if s.accepts_groups else " (closed to new groups)")
        for s in placement.servers
    )
    per_group = group_cost(placement.space)
    return (
        f"Publishing would not fit on Discord: {len(placement.unplaced)} of the cohort's "
        f"{total} new groups have no server with room (each takes {per_group.roles} role(s), "
        f"{per_group.channels} channel(s) and {per_group.threads} thread(s) as "
        f"'{placement.space}'). "
        f"Servers: {servers or 'none configured'}. Add a server, let the retention policy "
        "free finished cohorts' channels, or choose a group space that takes less."
    )


# -- administering servers ---------------------------------------------------------------
def add_server(
    engine: Engine,
    guild_id: str,
    name: str,
    *,
    role_limit: int = ROLE_LIMIT,
    channel_limit: int = CHANNEL_LIMIT,
    invite_url: str | None = None,
) -> ServerUsage:
    """Register a server groups may be placed on (the bot must already be in it).

    Lower limits than Discord's keep room for an organisation's own roles and channels;
    `invite_url`, a standing invite, is shown to learners whose group is there (they join
    a server at login too, but only the servers their groups were on then)."""
    if invite_url is not None and not invite_url.startswith("https://"):
        raise ValidationError(f"An invite is an https:// link, got {invite_url!r}.")
    if not guild_id.isdigit():
        raise ValidationError(f"A server id is a number (a snowflake), got {guild_id!r}.")
    if not 1 <= role_limit <= ROLE_LIMIT or not 1 <= channel_limit <= CHANNEL_LIMIT:
        raise ValidationError(
            f"Limits must be at most Discord's: {ROLE_LIMIT} roles and {CHANNEL_LIMIT} channels."
        )
    with transaction(engine) as conn:
        exists = conn.scalar(
            select(discord_servers.c.id).where(discord_servers.c.guild_id == guild_id)
        )
        if exists is not None:
            raise ConflictError(f"Server {guild_id} is already configured.")
        conn.execute(
            discord_servers.insert().values(
                guild_id=guild_id,
                name=name.strip() or guild_id,
                role_limit=role_limit,
                channel_limit=channel_limit,
                invite_url=invite_url,
            )
        )
    return ServerUsage(guild_id, name, role_limit, channel_limit, 0, 0, True)


def is_course_server(engine: Engine, guild_id: str) -> bool:
    """Whether groups may live on this server (commands are answered there too)."""
    with engine.connect() as conn:
        found = conn.scalar(
            select(discord_servers.c.id).where(discord_servers.c.guild_id == guild_id)
        )
    return found is not None


def close_server(engine: Engine, guild_id: str, *, accepts_groups: bool = False) -> None:
    """Stop (or resume) placing new groups on a server; its groups stay."""
    with transaction(engine) as conn:
        done = conn.execute(
            discord_servers.update()
            .where(discord_servers.c.guild_id == guild_id)
            .values(accepts_groups=accepts_groups)
        ).rowcount
    if not done:
        raise NotFoundError(f"No configured server {guild_id}.")


def set_group_space(engine: Engine, actor: Actor, cohort_id: int, space: str) -> str:
    """Choose the cohort's group space; refused once any of its groups is published."""
    from roundtable.db.tables import GROUP_SPACES

    actor.require_admin()
    if space not in GROUP_SPACES:
        raise ValidationError(
            f"The group space must be one of {', '.join(GROUP_SPACES)}, got {space!r}.",
            field="space",
        )
    with transaction(engine) as conn:
        found = conn.scalar(select(cohorts.c.id).where(cohorts.c.id == cohort_id).with_for_update())
        if found is None:
            raise NotFoundError(f"no cohort with id {cohort_id}")
        published = conn.scalar(
            select(func.count()).where(
                groups.c.cohort_id == cohort_id, groups.c.published_at.is_not(None)
            )
        )
        if published:
            raise ConflictError(
                "The group space cannot change once groups are published: they keep theirs."
            )
        conn.execute(cohorts.update().where(cohorts.c.id == cohort_id).values(discord_space=space))
    return space
