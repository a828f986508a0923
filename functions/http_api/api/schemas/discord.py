"""Discord servers models: each server's usage before publishing, the cohort's group space."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from api.schemas.common import Model

GroupSpace = Literal["channel_and_role", "channel", "thread", "thread_no_voice"]


class DiscordServerUsagePublic(Model):
    guild_id: str
    name: str
    role_limit: int
    channel_limit: int
    roles_used: int
    channels_used: int
    accepts_groups: bool
    adds_roles: int  # what publishing the cohort would add on this server
    adds_channels: int
    new_groups: int
    thread_limit: int  # Discord's 1,000 active threads (a thread space's group takes one)
    threads_used: int
    adds_threads: int


class DiscordCapacityPublic(Model):
    cohort_id: int
    space: GroupSpace
    fits: bool  # false: publishing is refused (409) with these numbers
    new_groups: int
    unplaced_groups: int
    needs_roles: int
    needs_channels: int
    needs_threads: int
    servers: list[DiscordServerUsagePublic]


class GroupSpaceUpdate(BaseModel):
    space: GroupSpace


class GroupSpacePublic(Model):
    cohort_id: int
    space: GroupSpace
