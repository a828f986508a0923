"""Who is learning: the signed-in user, or an anonymous visitor by cookie (made on first use).

Course content, progress and the tutor work before login; the anonymous
token cookie is claimed by the user at login (routes/auth.py reads it).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from api.deps import ANONYMOUS_COOKIE, SESSION_COOKIE, Now
from roundtable import ratelimit
from roundtable.config import get_settings
from roundtable.content.learners import ANONYMOUS_TOKEN_MAX_AGE, LearnerIdentity, identify_learner
from roundtable.db.engine import get_engine


def get_learner(request: Request, response: Response, now: Now) -> LearnerIdentity:
    """The learner behind the request; sets the anonymous cookie when it is new."""
    identity = identify_learner(
        session_token=request.cookies.get(SESSION_COOKIE),
        anonymous_token=request.cookies.get(ANONYMOUS_COOKIE),
        now=now,
    )
    if identity.new_anonymous_token:
        response.set_cookie(
            ANONYMOUS_COOKIE,
            str(identity.learner.anonymous_token),
            max_age=int(ANONYMOUS_TOKEN_MAX_AGE.total_seconds()),
            path="/",
            secure=get_settings().cookies_secure,
            httponly=True,
            samesite="lax",
        )
    return identity


CurrentLearner = Annotated[LearnerIdentity, Depends(get_learner)]


def get_learner_writer(identity: CurrentLearner, now: Now) -> LearnerIdentity:
    """The learner, counted against the per-learner write limit (shared with users' writes)."""
    ratelimit.hit(get_engine(), ratelimit.WRITES, identity.key, now)
    return identity


LearnerWriter = Annotated[LearnerIdentity, Depends(get_learner_writer)]
