"""Modules due by a meeting, from a course's progression in the content bundle."""

from __future__ import annotations

from typing import Any

from roundtable.notifications.content import modules_due_from_bundle
from roundtable.notifications.due import DueModule


class Bundle:
    """The two lookups the adapter uses, over a small course."""

    courses = {
        "alignment": {
            "progression": [
                {
                    "kind": "module",
                    "slug": "intro",
                    "module_id": "m-intro",
                    "optional": False,
                    "due_by_meeting": 1,
                },
                {
                    "kind": "module",
                    "slug": "extra",
                    "module_id": "m-extra",
                    "optional": True,
                    "due_by_meeting": 1,
                },
                {"kind": "meeting", "number": 1},
                {
                    "kind": "module",
                    "slug": "risks",
                    "module_id": "m-risks",
                    "optional": False,
                    "due_by_meeting": 2,
                },
                {"kind": "meeting", "number": 2},
                {
                    "kind": "module",
                    "slug": "after",
                    "module_id": "m-after",
                    "optional": False,
                    "due_by_meeting": None,
                },
            ]
        }
    }
    titles = {
        "intro": "Introduction",
        "extra": "Extra reading",
        "risks": "Risks",
        "after": "Afterword",
    }

    def course(self, slug: str) -> dict[str, Any]:
        if slug not in self.courses:
            raise LookupError(slug)
        return self.courses[slug]

    def module(self, slug: str) -> dict[str, Any]:
        return {"title": self.titles[slug]}


def test_required_modules_before_a_meetings_marker_are_due_by_it_and_later_ones() -> None:
    due = modules_due_from_bundle(Bundle())
    assert due("alignment", 1) == [DueModule("m-intro", "Introduction")]
    assert due("alignment", 2) == [
        DueModule("m-intro", "Introduction"),
        DueModule("m-risks", "Risks"),
    ]


def test_an_unknown_course_has_no_modules_due() -> None:
    assert modules_due_from_bundle(Bundle())("biology", 3) == []
