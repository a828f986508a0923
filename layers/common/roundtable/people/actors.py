"""Who is acting: what every door (web, Discord, CLI, job) resolves before calling a service.

A service takes an `Actor` and checks the permission itself, so two doors
cannot disagree about who may do what. The door only says who is asking:
the web from the session, Discord from the linked account and the configured
admin role (a member of that role need not have linked their account, so
`user_id` may be None), the CLI and jobs as the system.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from roundtable.errors import PermissionDeniedError

Door = Literal["web", "discord", "cli", "job"]


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    is_admin: bool
    door: Door = "web"

    def require_admin(self) -> Actor:
        """This actor if an admin; else PermissionDeniedError, worded alike at every door."""
        if not self.is_admin:
            raise PermissionDeniedError("Only Roundtable admins can do this.")
        return self


SYSTEM = Actor(user_id=None, is_admin=True, door="job")
