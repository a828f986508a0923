"""Every route × anonymous / learner / facilitator elsewhere / facilitator here / admin.

"Here" is the group the route is about (the learner's group); "elsewhere" is a
facilitator of another group of the same cohort. The last test checks that
this table names every route of this area's routers (content and progress
routes are tested with their own), so a new route cannot skip it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from roundtable.db.engine import transaction
from roundtable.db.tables import meetings, scheduling_runs
from roundtable.groups.regroup import request_regroup_proposal
from roundtable.growth.links import create_campaign
from roundtable.people.actors import Actor
from tests.integration.api.builders import World, build_world, make_cohort, make_group

ROLES = ("anonymous", "learner", "fac_elsewhere", "fac_here", "admin")


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # a template over the world: {cohort}, {group}, {learner}, {job}, ...
    expected: tuple[int, int, int, int, int]  # in ROLES order
    body: Any = None

    @property
    def template(self) -> str:
        """The route path as the app declares it."""
        path = self.path.split("?", 1)[0]
        for name, parameter in PARAMETERS.items():
            path = path.replace(name, parameter)
        return path


SIGNED_IN = (401, 200, 200, 200, 200)
FACILITATORS = (401, 403, 200, 200, 200)
THIS_GROUP = (401, 403, 403, 200, 200)
ADMIN = (401, 403, 403, 403, 200)

CASES = [
    Case("GET", "/api/health", (200,) * 5),
    Case("GET", "/auth/discord", (503,) * 5),
    Case("GET", "/auth/discord/callback", (302,) * 5),
    Case("POST", "/auth/refresh", (401,) * 5),
    Case("POST", "/auth/logout", (200,) * 5),
    Case("GET", "/auth/dev-login", (200,) * 5),
    Case("GET", "/auth/sign-in-methods", (200,) * 5),
    Case("POST", "/auth/dev-login", (200,) * 5, {"display_name": "Matrix"}),
    Case("GET", "/api/users/me", SIGNED_IN),
    Case("PATCH", "/api/users/me", SIGNED_IN, {"dm_notifications": False}),
    Case("GET", "/api/users/me/availability", SIGNED_IN),
    Case("PUT", "/api/users/me/availability", SIGNED_IN, {"intervals": []}),
    Case("POST", "/api/users/me/facilitator-application", SIGNED_IN, {}),
    Case("GET", "/api/cohorts", SIGNED_IN),
    Case("GET", "/api/cohorts/{cohort}", SIGNED_IN),
    Case("POST", "/api/cohorts/{spare_cohort}/enroll", SIGNED_IN, {"role": "learner"}),
    # Leaving is by rule: the learner leaves; facilitators leading a group must hand it over
    # first; someone not enrolled has nothing to leave.
    Case("POST", "/api/cohorts/{cohort}/leave", (401, 200, 409, 409, 404), {"reason": "busy"}),
    Case("GET", "/api/groups/mine", SIGNED_IN),
    Case("GET", "/api/groups/joinable?cohort_id={cohort}", SIGNED_IN),
    # Only enrolled learners join; facilitators and outsiders are refused by rule, not role.
    Case("POST", "/api/groups/{group}/join", (401, 200, 409, 409, 409)),
    # RSVPs are for members of the meeting's group.
    Case("PUT", "/api/meetings/{meeting}/rsvp", (401, 200, 403, 200, 403), {"status": "attending"}),
    Case("GET", "/api/groups/next-meeting", SIGNED_IN),
    # Check-in is by rule too: no meeting of the world is open for check-in now.
    Case("POST", "/api/meetings/check-in", (401, 409, 409, 409, 409)),
    # Guest visits: the learner of the meeting's group is refused by rule (this cohort is
    # not running); everyone else is not a learner of that group.
    Case("GET", "/api/meetings/{meeting}/guest-options", (401, 409, 403, 403, 403)),
    Case(
        "POST",
        "/api/guest-visits",
        (401, 409, 403, 403, 403),
        {"own_meeting_id": "{meeting}", "host_meeting_id": "{meeting}"},
    ),
    Case("DELETE", "/api/guest-visits/{no_visit}", (401, 404, 404, 404, 404)),
    # Feedback: the meeting's learners answer (its form is not open yet: 409); the
    # facilitators read their group's answers, the admins a cohort's summary.
    Case("GET", "/api/feedback/open", SIGNED_IN),
    Case("GET", "/api/meetings/{meeting}/feedback", (401, 200, 403, 403, 403)),
    Case(
        "PUT",
        "/api/meetings/{meeting}/feedback",
        (401, 409, 403, 403, 403),
        {"answers": {"overall": 4}},
    ),
    Case("GET", "/api/facilitator/groups/{group}/feedback", THIS_GROUP),
    Case("GET", "/api/admin/cohorts/{cohort}/feedback", ADMIN),
    Case("GET", "/api/guest-visits", SIGNED_IN),
    # Growth: arriving with a referral is for anyone; the rest of the admin page is admins'.
    Case("POST", "/api/growth/arrivals", (200,) * 5, {"ref": "matrix"}),
    Case("GET", "/api/growth/my-link", SIGNED_IN),
    Case("GET", "/api/growth/cohorts/{cohort}/gate", SIGNED_IN),
    Case("GET", "/api/admin/growth/campaigns", ADMIN),
    Case(
        "POST",
        "/api/admin/growth/campaigns",
        (401, 403, 403, 403, 201),
        {"name": "Matrix", "slug": "matrix-2"},
    ),
    Case("PATCH", "/api/admin/growth/campaigns/{campaign}", ADMIN, {"archived": True}),
    Case("DELETE", "/api/admin/growth/campaigns/{campaign}", ADMIN),
    Case("GET", "/api/admin/growth/cohorts/{cohort}/gate", ADMIN),
    Case("PUT", "/api/admin/growth/cohorts/{cohort}/gate", ADMIN, {"mode": "closed"}),
    Case("GET", "/api/admin/growth/cohorts/{cohort}/waiting-list", ADMIN),
    Case(
        "POST",
        "/api/admin/growth/cohorts/{cohort}/waiting-list/admit",
        ADMIN,
        {"user_ids": ["{learner}"]},
    ),
    Case("GET", "/api/admin/growth/cohorts/{cohort}/sources", ADMIN),
    Case("GET", "/api/jobs/{job}", (401, 404, 404, 404, 200)),
    Case("GET", "/api/facilitator/groups", FACILITATORS),
    Case("GET", "/api/facilitator/groups/{group}/members", THIS_GROUP),
    Case("GET", "/api/facilitator/groups/{group}/meetings", THIS_GROUP),
    Case("GET", "/api/facilitator/groups/{group}/members/{learner}/progress", THIS_GROUP),
    Case("GET", "/api/facilitator/groups/{group}/members/{learner}/chats", THIS_GROUP),
    Case("GET", "/api/facilitator/groups/{group}/members/{learner}/answers", THIS_GROUP),
    Case("GET", "/api/facilitator/groups/{group}/timeline", THIS_GROUP),
    Case("GET", "/api/admin/cohorts", ADMIN),
    Case(
        "POST",
        "/api/admin/cohorts",
        (401, 403, 403, 403, 201),
        {
            "name": "Matrix Cohort",
            "course_slug": "running-discussion-groups",
            "start_date": "2030-01-07",
        },
    ),
    Case("GET", "/api/admin/cohorts/{cohort}", ADMIN),
    Case("PATCH", "/api/admin/cohorts/{cohort}", ADMIN, {"max_group_size": 7}),
    Case("GET", "/api/admin/cohorts/{cohort}/signups", ADMIN),
    Case("GET", "/api/admin/cohorts/{cohort}/availability", ADMIN),
    Case("GET", "/api/admin/cohorts/{cohort}/groups?status=active&name=owl", ADMIN),
    Case("POST", "/api/admin/cohorts/{cohort}/schedule", (401, 403, 403, 403, 202), {}),
    Case("GET", "/api/admin/cohorts/{spare_cohort}/preview", ADMIN),
    Case("GET", "/api/admin/cohorts/{spare_cohort}/preview/unplaced", ADMIN),
    Case("POST", "/api/admin/cohorts/{spare_cohort}/publish", (401, 403, 403, 403, 202)),
    Case("GET", "/api/admin/cohorts/{cohort}/discord", ADMIN),
    Case("GET", "/api/admin/cohorts/{cohort}/calendar-budget", ADMIN),
    Case("PUT", "/api/admin/cohorts/{spare_cohort}/discord/space", ADMIN, {"space": "thread"}),
    Case("POST", "/api/admin/cohorts/{spare_cohort}/runs/{run}/discard", ADMIN),
    Case("GET", "/api/admin/cohorts/{cohort}/status", ADMIN),
    Case("GET", "/api/admin/cohorts/{cohort}/live", ADMIN),
    Case(
        "POST",
        "/api/admin/cohorts/{cohort}/groups",
        (401, 403, 403, 403, 201),
        {
            "name": "Saturday Wrens",
            "facilitator_id": "{fac_other}",
            "anchor_timezone": "UTC",
            "weekday": 5,
            "local_time": "10:00",
            "member_ids": ["{other_learner}"],
        },
    ),
    Case("POST", "/api/admin/cohorts/{cohort}/sync", (401, 403, 403, 403, 202)),
    Case("PATCH", "/api/admin/groups/{group}", ADMIN, {"name": "Renamed Owls"}),
    Case("POST", "/api/admin/groups/{group}/sync", (401, 403, 403, 403, 202)),
    Case("POST", "/api/admin/groups/{group}/members", ADMIN, {"user_id": "{other_learner}"}),
    Case("DELETE", "/api/admin/groups/{group}/members/{learner}", ADMIN),
    Case("GET", "/api/admin/users?query=a", ADMIN),
    Case("GET", "/api/admin/users/{learner}", ADMIN),
    Case("GET", "/api/admin/users/{learner}/dossier", ADMIN),
    Case("GET", "/api/admin/jobs", ADMIN),
    Case("GET", "/api/admin/meetings/{meeting}/notifications", ADMIN),
    Case("GET", "/api/admin/facilitators", ADMIN),
    Case("POST", "/api/admin/facilitators/{fac_other}/certification", ADMIN),
    Case("DELETE", "/api/admin/facilitators/{fac_other}/certification", ADMIN),
    Case("PATCH", "/api/admin/facilitators/{fac_other}", ADMIN, {"max_active_groups": 3}),
    Case("POST", "/api/admin/cohorts/{running_cohort}/regroup", (401, 403, 403, 403, 202)),
    Case("GET", "/api/admin/cohorts/{running_cohort}/regroup/{regroup_job}", ADMIN),
    # The proposal is still being computed: even an admin cannot apply it yet.
    Case(
        "POST",
        "/api/admin/cohorts/{running_cohort}/regroup/{regroup_job}/apply",
        (401, 403, 403, 403, 409),
    ),
]

# World names in case paths, and the parameter names the app declares for them.
PARAMETERS = {
    "{cohort}": "{cohort_id}",
    "{spare_cohort}": "{cohort_id}",
    "{group}": "{group_id}",
    "{learner}": "{user_id}",
    "{fac_other}": "{user_id}",
    "{meeting}": "{meeting_id}",
    "{job}": "{job_id}",
    "{run}": "{run_id}",
    "{running_cohort}": "{cohort_id}",
    "{regroup_job}": "{job_id}",
    "{no_visit}": "{visit_id}",
    "{campaign}": "{campaign_id}",
}


def _names(engine: Engine, world: World) -> dict[str, int]:
    with transaction(engine) as conn:
        spare = make_cohort(conn, "Spare Cohort")
        make_group(conn, spare, "Preview Sunday", status="preview", weekday=6)
        run = conn.scalar(
            insert(scheduling_runs)
            .values(cohort_id=spare, params={}, stats={})
            .returning(scheduling_runs.c.id)
        )
        meeting = conn.scalar(
            select(meetings.c.id).where(meetings.c.group_id == world.group).limit(1)
        )
        running = make_cohort(conn, "Running Cohort", status="running")
        make_group(conn, running, "Running Mondays", weekday=0)
        admin = Actor(user_id=world.admin, is_admin=True)
        regroup_job = request_regroup_proposal(conn, admin, running, datetime.now(UTC)).job_id
        campaign = create_campaign(conn, admin, "Matrix campaign", "matrix").id
    return {
        **vars(world),
        "spare_cohort": spare,
        "meeting": int(meeting),
        "run": int(run),
        "running_cohort": running,
        "regroup_job": regroup_job,
        "no_visit": 2_000_000_000,
        "campaign": campaign,
    }


def _fill(value: Any, names: dict[str, int]) -> Any:
    if isinstance(value, str):
        filled = value.format(**names)
        return int(filled) if value.startswith("{") and filled.isdigit() else filled
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    return value


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
def test_each_role_gets_the_expected_status(
    case: Case, engine: Engine, client_for: Callable[[int | None], TestClient]
) -> None:
    world = build_world(engine)
    names = _names(engine, world)
    users = (None, world.learner, world.fac_other, world.fac_here, world.admin)
    got = []
    for user in users:
        client = client_for(user)
        response = client.request(
            case.method,
            _fill(case.path, names),
            json=_fill(case.body, names),
            follow_redirects=False,
        )
        got.append(response.status_code)
        if response.status_code >= 400:  # every refusal has the one error shape
            assert set(response.json()) == {"error"}, response.text
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, case.expected, strict=True))


OWN_TAGS = {
    *("health", "auth", "users", "cohorts", "groups", "facilitator", "admin", "jobs"),
    "guest_visits",
    "feedback",
    "growth",
}


def test_the_matrix_covers_every_route(app: Any) -> None:
    declared = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
        if operation["tags"][0] in OWN_TAGS
    }
    covered = {(case.method, case.template) for case in CASES}
    assert declared == covered
