"""Who is learning: the signed-in user, or an anonymous visitor by cookie (made on first use).

Course content, progress and the tutor work before login; the anonymous
token cookie is claimed by the user at login (http_api's routes/auth.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from roundtable.auth import authenticate
from roundtable.content.learners import LearnerIdentity, identify_learner
from roundtable.db.engine import transaction
from roundtable_edge.web.cookies import ANONYMOUS_COOKIE, SESSION_COOKIE, remember_anonymous
from roundtable_edge.web.deps import Now


def get_learner(request: Request, response: Response, now: Now) -> LearnerIdentity:
    """The learner behind the request; sets the anonymous cookie when it is new.

    A route that returns its own Response (a stream, say) must call
    `remember_anonymous` on it: FastAPI drops this `response`'s cookies then.
    A session cookie must name a user whose session has not ended (401).
    """
    session_token = request.cookies.get(SESSION_COOKIE)
    if session_token:
        with transaction() as conn:
            authenticate(conn, session_token, now)
    identity = identify_learner(
        session_token=session_token,
        anonymous_token=request.cookies.get(ANONYMOUS_COOKIE),
        now=now,
    )
    remember_anonymous(response, identity)
    return identity


CurrentLearner = Annotated[LearnerIdentity, Depends(get_learner)]
