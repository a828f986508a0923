"""Which modules are due by a meeting, read from the live course content bundle.

A course's progression lists modules and meeting markers; a required module
before the marker of meeting N is due by meeting N (and by every later one).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from roundtable.notifications.due import DueModule, ModulesDue

if TYPE_CHECKING:
    from sqlalchemy import Engine

logger = logging.getLogger(__name__)


class BundleLike(Protocol):
    def course(self, slug: str) -> Mapping[str, Any]: ...

    def module(self, slug: str) -> Mapping[str, Any]: ...


def modules_due_from_bundle(bundle: BundleLike) -> ModulesDue:
    """`modules_due` answered from a content bundle; unknown courses have none due."""

    def modules_due(course_slug: str, meeting_number: int) -> list[DueModule]:
        try:
            progression = bundle.course(course_slug)["progression"]
        except LookupError:
            logger.warning("course %r is not in the content bundle: no module nudges", course_slug)
            return []
        return [
            DueModule(str(item["module_id"]), str(bundle.module(item["slug"])["title"]))
            for item in progression
            if item.get("kind") == "module"
            and not item.get("optional")
            and item.get("due_by_meeting") is not None
            and int(item["due_by_meeting"]) <= meeting_number
        ]

    return modules_due


def live_modules_due(engine: Engine | None = None) -> ModulesDue | None:
    """From the live bundle; None (so no nudges, and digests say progress is unknown) when no
    content is published or it cannot be read."""
    try:
        from roundtable.content.live import load_live_bundle

        return modules_due_from_bundle(load_live_bundle(engine))
    except Exception:  # reminders must go out even when content is broken
        logger.exception("course content unavailable: sending reminders without module nudges")
        return None
