"""Who is learning, counted against the write limit for progress writes.

The learner dependency itself (`CurrentLearner`: the signed-in user or an
anonymous visitor by cookie) is the web edge's, shared with the tutor.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from roundtable_edge.web.deps import Now
from roundtable_edge.web.learners import CurrentLearner

from roundtable import ratelimit
from roundtable.content.learners import LearnerIdentity
from roundtable.db.engine import get_engine

__all__ = ["CurrentLearner", "LearnerWriter"]


def get_learner_writer(identity: CurrentLearner, now: Now) -> LearnerIdentity:
    """The learner, counted against the per-learner write limit (shared with users' writes)."""
    ratelimit.hit(get_engine(), ratelimit.WRITES, identity.key, now)
    return identity


LearnerWriter = Annotated[LearnerIdentity, Depends(get_learner_writer)]
