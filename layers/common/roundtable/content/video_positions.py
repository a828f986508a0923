"""Where a learner stopped in a video segment, so the module page can resume there.

One row per learner and video segment id (the author's stable id, like
progress), holding whole seconds into the video, always inside the
segment's span. Anonymous positions move to the user at login
(`roundtable.auth.accounts.claim_anonymous_work`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert

from roundtable.content.bundle import Bundle, UnknownContentError
from roundtable.content.progress import Learner, owner_conflict_target
from roundtable.db.tables import video_positions
from roundtable.errors import ValidationError

# Longer than any video: a larger number is a client bug, not a position.
MAX_POSITION_S = 24 * 3600


def find_video_segment(bundle: Bundle, module_slug: str, segment_id: str) -> Mapping[str, Any]:
    """The video segment with this id in the module; UnknownContentError when there is none,
    ValidationError when the segment is not a video."""
    module = bundle.module(module_slug)
    for outcome in module["outcomes"]:
        for section in outcome["sections"]:
            for segment in section["segments"]:
                if segment["id"] == segment_id:
                    if segment["kind"] != "video":
                        raise ValidationError(
                            f"segment {segment_id!r} is a {segment['kind']}, not a video",
                            field="segment_id",
                        )
                    return dict(segment)
    raise UnknownContentError("segment", f"{module_slug}/{segment_id}", bundle.version)


def clamp_position(position_s: float, from_s: int, to_s: int) -> int:
    """Whole seconds, inside [from_s, to_s]; ValidationError for a number that is no position."""
    if not math.isfinite(position_s) or not 0 <= position_s <= MAX_POSITION_S:
        raise ValidationError(
            f"position_s must be a number of seconds from 0 to {MAX_POSITION_S}, "
            f"not {position_s!r}",
            field="position_s",
        )
    return min(max(math.floor(position_s), from_s), to_s)


def save_video_position(
    conn: Connection,
    *,
    learner: Learner,
    bundle: Bundle,
    module_slug: str,
    segment_id: str,
    position_s: float,
    now: datetime | None = None,
) -> int:
    """Remember where the learner is in a video segment; returns the position kept (clamped
    to the segment's from/to)."""
    segment = find_video_segment(bundle, module_slug, segment_id)
    position = clamp_position(position_s, segment["from_s"], segment["to_s"])
    at = now or datetime.now(UTC)
    statement = insert(video_positions).values(
        user_id=learner.user_id,
        anonymous_token=learner.anonymous_token,
        segment_id=segment_id,
        position_s=position,
        updated_at=at,
    )
    conn.execute(
        statement.on_conflict_do_update(
            **owner_conflict_target(learner, "segment_id"),
            set_={"position_s": position, "updated_at": at},
        )
    )
    return position


def positions_of(conn: Connection, learner: Learner, segment_ids: Iterable[str]) -> dict[str, int]:
    """The learner's saved position in each of these video segments that has one."""
    rows = conn.execute(
        select(video_positions.c.segment_id, video_positions.c.position_s).where(
            learner.owns(video_positions), video_positions.c.segment_id.in_(list(segment_ids))
        )
    )
    return {row.segment_id: row.position_s for row in rows}
