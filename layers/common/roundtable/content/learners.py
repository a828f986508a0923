"""Who is learning: a signed-in user, or an anonymous visitor known by a token.

Progress and tutor chats work before login. The visitor then carries an
anonymous token (a random UUID, created on first use; the web edge keeps it
in a cookie); at login the user claims what was done under it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from roundtable.auth import jwt_secret, read_access_token
from roundtable.content.progress import Learner


@dataclass(frozen=True)
class LearnerIdentity:
    """The learner, and whether their anonymous token is new (the caller hands it out)."""

    learner: Learner
    new_anonymous_token: bool = False

    @property
    def key(self) -> str:
        """A stable text key for limits and locks: `user:<id>` or `anonymous:<uuid>`."""
        if self.learner.user_id is not None:
            return f"user:{self.learner.user_id}"
        return f"anonymous:{self.learner.anonymous_token}"


def identify_learner(
    *, session_token: str | None, anonymous_token: str | None, now: datetime
) -> LearnerIdentity:
    """The user of a valid session, else the anonymous token's visitor, else a new visitor.

    A session cookie that is present but expired or forged is an
    AuthenticationError (401), not a fall-back to anonymous: the browser
    should refresh the session rather than record progress under no name.
    """
    if session_token:
        return LearnerIdentity(Learner(user_id=read_access_token(session_token, now, jwt_secret())))
    token = parse_token(anonymous_token)
    if token is not None:
        return LearnerIdentity(Learner(anonymous_token=token))
    return LearnerIdentity(Learner(anonymous_token=uuid.uuid4()), new_anonymous_token=True)


def parse_token(value: str | None) -> uuid.UUID | None:
    """The anonymous token in a text value, or None when absent or not a UUID."""
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None
