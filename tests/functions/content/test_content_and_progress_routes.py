"""Course content and progress through the real http_api handler (Mangum, API Gateway v2
events) on the real database, with the demo course in content/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from roundtable.auth import issue_access_token, jwt_secret
from roundtable.db.tables import content_progress, users
from tests.functions.browser import Browser

COURSE = "running-discussion-groups"
MODULE = "why-discuss"  # one required section, one optional
REQUIRED = "why-discuss.reading-vs-understanding"
OPTIONAL = "why-discuss.try-it"
T0 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


class Clock:
    """The API's clock, moved by the test (through FastAPI's dependency overrides)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def api(function: Any, lambda_context: Any, engine: Engine) -> Browser:
    return Browser(function("http_api").handler, lambda_context)


@pytest.fixture
def clock(function: Any) -> Iterator[Clock]:
    app = function("http_api").app
    from api.deps import get_now  # importable once load_function put http_api on the path

    clock = Clock(T0)
    app.dependency_overrides[get_now] = clock
    yield clock
    app.dependency_overrides.pop(get_now, None)


def _sign_in(api: Browser, engine: Engine, *, admin: bool = False) -> int:
    with engine.begin() as conn:
        user_id = int(
            conn.scalar(
                insert(users).values(display_name="Ada", is_admin=admin).returning(users.c.id)
            )
        )
    api.cookies["session"] = issue_access_token(user_id, datetime.now(UTC), jwt_secret())
    return user_id


def _complete(api: Browser, section: str, module: str = MODULE) -> Any:
    return api.call(
        "POST", "/api/progress/complete", {"module_slug": module, "section_id": section}
    )


def _beat(api: Browser, section: str = REQUIRED, **kwargs: Any) -> Any:
    body = {"module_slug": MODULE, "section_id": section}
    return api.call("POST", "/api/progress/heartbeat", body, **kwargs)


def _module(api: Browser, slug: str = MODULE) -> dict[str, Any]:
    answer = api.call("GET", f"/api/modules/{slug}")
    assert answer.status == 200, answer.body
    return dict(answer.json())


def _sections(module: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for o in module["outcomes"] for s in o["sections"]}


def test_the_course_lists_modules_by_the_meeting_they_are_due_for(api: Browser) -> None:
    course = api.call("GET", f"/api/courses/{COURSE}").json()

    units = [(u["meeting"], [m["slug"] for m in u["modules"]]) for u in course["units"]]
    assert units == [
        (1, ["why-discuss"]),
        (2, ["good-questions"]),
        (3, ["balancing-the-room", "facilitator-checklist"]),
    ]
    modules = {m["slug"]: m for u in course["units"] for m in u["modules"]}
    assert modules["facilitator-checklist"]["optional"] is True
    assert {m["status"] for m in modules.values()} == {"not_started"}
    assert course["next_module"] == "why-discuss"
    assert len(course["version"]) == 64


def test_courses_are_listed(api: Browser) -> None:
    courses = api.call("GET", "/api/courses").json()["courses"]
    assert [c["slug"] for c in courses] == [COURSE]


def test_the_first_visit_gets_an_http_only_anonymous_cookie_once(api: Browser) -> None:
    first = api.call("GET", f"/api/courses/{COURSE}")
    (cookie,) = first.set_cookies
    assert cookie.startswith("anonymous_token=") and "HttpOnly" in cookie and "Secure" in cookie
    assert "SameSite=lax" in cookie and "Path=/" in cookie
    assert api.call("GET", f"/api/courses/{COURSE}").set_cookies == []


def test_module_content_has_every_segment_kind_and_keeps_tutor_instructions_private(
    api: Browser,
) -> None:
    segments = [
        seg
        for slug in ("why-discuss", "good-questions", "balancing-the-room")
        for section in _sections(_module(api, slug)).values()
        for seg in section["segments"]
    ]
    kinds = {seg["kind"] for seg in segments}
    assert kinds == {"text", "article", "video", "chat"}
    article = next(s for s in segments if s["kind"] == "article")
    assert article["article"]["author"] and article["article"]["source_url"].startswith("http")
    video = next(s for s in segments if s["kind"] == "video")
    assert video["video"]["youtube_id"] and video["transcript_lines"]
    chats = [s for s in segments if s["kind"] == "chat"]
    assert all("instructions" not in chat for chat in chats)
    assert any(chat["learner_sees_previous"] is False for chat in chats)


def test_completing_the_required_section_completes_the_module_and_moves_next(
    api: Browser,
) -> None:
    done = _complete(api, REQUIRED)
    assert done.status == 200, done.body
    assert done.json()["outcome_completed"] is True
    assert done.json()["module_completed"] is True
    assert done.json()["module"]["status"] == "completed"

    course = api.call("GET", f"/api/courses/{COURSE}").json()
    assert course["units"][0]["modules"][0]["status"] == "completed"
    assert course["next_module"] == "good-questions"
    assert _sections(_module(api))[REQUIRED]["completed"] is True


def test_an_optional_section_alone_does_not_complete_the_module(api: Browser) -> None:
    done = _complete(api, OPTIONAL).json()
    assert done["module_completed"] is False
    assert done["module"]["status"] == "not_started"  # only required sections count


def test_completing_twice_keeps_the_first_completion(api: Browser, engine: Engine) -> None:
    _complete(api, REQUIRED)
    with engine.connect() as conn:
        first = conn.scalar(
            select(content_progress.c.completed_at).where(content_progress.c.content_id == REQUIRED)
        )
    assert _complete(api, REQUIRED).status == 200
    with engine.connect() as conn:
        again = conn.scalar(
            select(content_progress.c.completed_at).where(content_progress.c.content_id == REQUIRED)
        )
    assert again == first


def test_heartbeats_count_time_clamped_to_forty_seconds_per_beat(
    api: Browser, clock: Clock
) -> None:
    assert _beat(api).status == 204  # starts the clock
    clock.now += timedelta(seconds=20)
    _beat(api)
    clock.now += timedelta(hours=3)  # laptop closed: counts as one gap of 40 s
    _beat(api)
    _beat(api)  # a replayed ping adds nothing

    module = _module(api)
    assert _sections(module)[REQUIRED]["time_s"] == 60
    assert module["time_s"] == 60


def test_a_heartbeat_sent_with_send_beacon_as_text_plain_is_counted(
    api: Browser, clock: Clock
) -> None:
    beacon = {"content-type": "text/plain;charset=UTF-8"}
    body = json.dumps({"module_slug": MODULE, "section_id": REQUIRED})
    assert api.call("POST", "/api/progress/heartbeat", body, headers=beacon).status == 204
    clock.now += timedelta(seconds=15)
    assert api.call("POST", "/api/progress/heartbeat", body, headers=beacon).status == 204
    assert _sections(_module(api))[REQUIRED]["time_s"] == 15


@pytest.mark.parametrize(
    ("body", "field"),
    [("not json", None), ('{"module_slug": "why-discuss"}', "section_id")],
)
def test_a_malformed_heartbeat_is_a_422_naming_the_field(
    api: Browser, body: str, field: str | None
) -> None:
    answer = api.call(
        "POST", "/api/progress/heartbeat", body, headers={"content-type": "text/plain"}
    )
    assert answer.status == 422
    assert answer.error.get("field") == field


@pytest.mark.parametrize(
    ("module", "section", "field"),
    [("no-such-module", REQUIRED, "module_slug"), (MODULE, "no.such.section", "section_id")],
)
def test_unknown_content_is_a_404_naming_what_is_unknown(
    api: Browser, engine: Engine, module: str, section: str, field: str
) -> None:
    answer = _complete(api, section, module)
    assert answer.status == 404
    assert answer.error["field"] == field
    with engine.connect() as conn:
        assert conn.execute(select(content_progress)).first() is None


def test_unknown_course_and_module_are_404(api: Browser) -> None:
    assert api.call("GET", "/api/courses/nope").error["field"] == "course_slug"
    assert api.call("GET", "/api/modules/nope").status == 404


def test_next_module_after_a_module_names_the_meeting_in_between(api: Browser) -> None:
    after = api.call("GET", f"/api/courses/{COURSE}/next-module", query="after=why-discuss")
    assert after.json() == {
        "module_slug": "good-questions",
        "module_title": "Questions that open a conversation",
        "completes_meeting": 1,
    }
    same_unit = api.call(
        "GET", f"/api/courses/{COURSE}/next-module", query="after=balancing-the-room"
    ).json()
    assert same_unit["module_slug"] == "facilitator-checklist"
    assert same_unit["completes_meeting"] is None
    end = api.call(
        "GET", f"/api/courses/{COURSE}/next-module", query="after=facilitator-checklist"
    ).json()
    assert end == {"module_slug": None, "module_title": None, "completes_meeting": 3}


def test_next_module_without_after_is_my_first_unfinished_module(api: Browser) -> None:
    _complete(api, REQUIRED)
    mine = api.call("GET", f"/api/courses/{COURSE}/next-module").json()
    assert mine["module_slug"] == "good-questions"


def test_signed_in_progress_belongs_to_the_user(api: Browser, engine: Engine) -> None:
    user_id = _sign_in(api, engine)
    _complete(api, REQUIRED)
    with engine.connect() as conn:
        owners = set(conn.execute(select(content_progress.c.user_id)).scalars())
    assert owners == {user_id}


def test_admins_see_the_local_content_status_and_others_may_not(
    api: Browser, engine: Engine
) -> None:
    assert api.call("GET", "/api/admin/content").status == 401
    _sign_in(api, engine, admin=False)
    assert api.call("GET", "/api/admin/content").status == 403

    _sign_in(api, engine, admin=True)
    status = api.call("GET", "/api/admin/content").json()
    assert status["active"]["status"] == "active"
    assert status["active"]["source"] == "local:content"
    assert status["builds"][0]["errors"] == []


def test_broken_local_content_is_a_clear_503_and_admins_see_each_error(
    api: Browser, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = "tests/fixtures/content/broken/broken-module-reference"
    monkeypatch.setenv("CONTENT_DIR", broken)
    course = api.call("GET", "/api/courses/basics")
    assert course.status == 503
    assert "no module named 'first-step'" in course.error["message"]
    assert "/api/admin/content" in course.error["message"]

    _sign_in(api, engine, admin=True)
    status = api.call("GET", "/api/admin/content").json()
    assert status["active"] is None
    (build,) = status["builds"]
    assert build["status"] == "failed"
    assert build["errors"][0]["file"] == "courses/basics.md"
    assert build["errors"][0]["message"] == "no module named 'first-step'"
