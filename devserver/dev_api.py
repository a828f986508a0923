"""Local-only endpoints under /api/dev/ and /dev/: what a deployed stack never has.

The outbox (what would have been sent to Discord, Google, SendGrid, the LLM),
recent invocations, schedules to fire now, jobs to submit by hand, and the
person switcher: the demo world's people, and signing in as one of them
without the dev login's per-address limit (devserver/demo.py).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import select

from devserver.events import HttpRequest, HttpResponse
from devserver.invoke import InvocationError, Invoker
from devserver.schedules import ScheduleError, ScheduleRunner

MAX_OUTBOX_ROWS = 500


def json_response(status: int, body: Any) -> HttpResponse:
    data = json.dumps(body, default=str, indent=1).encode()
    return HttpResponse(status, [("content-type", "application/json")], data)


def _error(status: int, message: str) -> HttpResponse:
    return json_response(status, {"error": {"code": "dev_api", "message": message}})


def list_outbox(limit: int = 100, service: str | None = None) -> list[dict[str, Any]]:
    """Outbox rows, newest first."""
    from roundtable.db.engine import get_engine
    from roundtable.db.tables import outbox

    query = select(outbox).order_by(outbox.c.id.desc()).limit(limit)
    if service:
        query = query.where(outbox.c.service == service)
    with get_engine().connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def _outbox_query(request: HttpRequest) -> tuple[int, str | None]:
    params = parse_qs(request.query)
    raw_limit = params.get("limit", ["100"])[0]
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_OUTBOX_ROWS:
        raise ValueError(
            f"limit must be a whole number from 1 to {MAX_OUTBOX_ROWS}, got {raw_limit!r}"
        )
    return int(raw_limit), params.get("service", [None])[0]


def outbox_json(request: HttpRequest) -> HttpResponse:
    try:
        limit, service = _outbox_query(request)
    except ValueError as exc:
        return _error(422, str(exc))
    return json_response(200, {"messages": list_outbox(limit, service)})


def outbox_page(request: HttpRequest) -> HttpResponse:
    """A plain page listing the outbox; it reloads itself every few seconds."""
    rows = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><pre>{}</pre></td></tr>".format(
            row["id"],
            html.escape(str(row["created_at"])),
            html.escape(row["service"]),
            html.escape(row["operation"]),
            html.escape(json.dumps(row["request"], indent=2, default=str)),
        )
        for row in list_outbox()
    )
    page = _OUTBOX_PAGE.format(rows=rows or '<tr><td colspan="5">Nothing sent yet.</td></tr>')
    return HttpResponse(200, [("content-type", "text/html; charset=utf-8")], page.encode())


_OUTBOX_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Roundtable outbox (local)</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3rem .6rem;vertical-align:top;text-align:left}}
pre{{margin:0;white-space:pre-wrap;max-width:60rem}}</style></head>
<body><h1>Outbox</h1>
<p>What Roundtable would have sent to Discord, Google Calendar, SendGrid and the LLM
without credentials. Newest first; JSON at <a href="/api/dev/outbox">/api/dev/outbox</a>.</p>
<table><tr><th>#</th><th>when</th><th>service</th><th>operation</th><th>request</th></tr>
{rows}</table></body></html>
"""


def _switcher_refusal() -> HttpResponse | None:
    """The switcher signs people in, so it answers only where the dev login may."""
    from roundtable.auth import dev_login_allowed
    from roundtable.config import get_settings

    if dev_login_allowed(get_settings()):
        return None
    return _error(404, "the person switcher is off: it works only with the dev login on")


def demo_people(request: HttpRequest) -> HttpResponse:
    """The demo world's people (empty before `--demo` loaded it)."""
    from devserver.demo import list_demo_people
    from roundtable.db.engine import get_engine

    refused = _switcher_refusal()
    if refused is not None:
        return refused
    with get_engine().connect() as conn:
        people = list_demo_people(conn)
    return json_response(200, {"people": [asdict(person) for person in people]})


def sign_in_as(raw_id: str, request: HttpRequest) -> HttpResponse:
    """Start a session for one of the demo's people; the session cookies, as a login sets them."""
    from devserver.demo import demo_person
    from roundtable.auth import start_session
    from roundtable.db.engine import transaction

    refused = _switcher_refusal()
    if refused is not None:
        return refused
    # A JSON body cannot come from another site's form without a CORS preflight,
    # which this server never grants: no page elsewhere can sign a visitor in.
    if _content_type(request) != "application/json":
        return _error(415, "send the sign-in as JSON (content-type: application/json)")
    if not raw_id.isdigit():
        return _error(422, f"the person's id must be a number, got {raw_id!r}")
    with transaction() as conn:
        person = demo_person(conn, int(raw_id))
        if person is None:
            return _error(404, f"user {raw_id} is not one of the demo world's people")
        session = start_session(conn, person.user_id, datetime.now(UTC))
    response = json_response(200, asdict(person))
    response.headers += _session_cookie_headers(session)
    return response


def _content_type(request: HttpRequest) -> str:
    value = next((v for k, v in request.headers if k.lower() == "content-type"), "")
    return value.split(";", 1)[0].strip().lower()


def _session_cookie_headers(session: Any) -> list[tuple[str, str]]:
    """The Set-Cookie headers the web API's own login sets (same names, paths and flags)."""
    from roundtable_edge.web.cookies import set_session_cookies
    from starlette.responses import Response

    carrier = Response()
    set_session_cookies(carrier, session)
    return [
        (name.decode(), value.decode())
        for name, value in carrier.raw_headers
        if name.lower() == b"set-cookie"
    ]


class DevApi:
    """Dispatches /api/dev/* and /dev/* requests."""

    def __init__(self, invoker: Invoker, schedules: ScheduleRunner) -> None:
        self._invoker = invoker
        self._schedules = schedules

    def handle(self, request: HttpRequest) -> HttpResponse | None:
        """The answer for a local-only path, or None when the path is not one."""
        path, method = request.path.rstrip("/"), request.method
        exact: dict[tuple[str, str], Callable[[HttpRequest], HttpResponse]] = {
            ("GET", "/api/dev/outbox"): outbox_json,
            ("GET", "/dev/outbox"): outbox_page,
            ("GET", "/api/dev/invocations"): lambda _: json_response(200, self._invoker.recent()),
            ("GET", "/api/dev/schedules"): lambda _: json_response(200, self._schedules.describe()),
            ("POST", "/api/dev/jobs"): self._submit_job,
            ("GET", "/api/dev/people"): demo_people,
        }
        if (method, path) in exact:
            return exact[(method, path)](request)
        if method == "POST" and path.startswith("/api/dev/schedules/"):
            return self._fire(path.removeprefix("/api/dev/schedules/"))
        if method == "GET" and path.startswith("/api/dev/jobs/"):
            return self._show_job(path.removeprefix("/api/dev/jobs/"))
        person, _, action = path.removeprefix("/api/dev/people/").partition("/")
        if method == "POST" and path.startswith("/api/dev/people/") and action == "sign-in":
            return sign_in_as(person, request)
        if path.startswith("/api/dev") or path.startswith("/dev/"):
            return _error(404, f"no local endpoint {method} {request.path}")
        return None

    def _fire(self, name: str) -> HttpResponse:
        try:
            return json_response(200, {"schedule": name, "result": self._schedules.fire(name)})
        except ScheduleError as exc:
            return _error(404, str(exc))
        except InvocationError as exc:
            return _error(500, str(exc))

    def _submit_job(self, request: HttpRequest) -> HttpResponse:
        from roundtable.jobs import submit
        from roundtable.jobs.registry import registered_kinds

        try:
            body = json.loads(request.body or b"{}")
        except json.JSONDecodeError as exc:
            return _error(422, f"body must be JSON: {exc}")
        kind, payload = body.get("kind"), body.get("payload", {})
        known = registered_kinds()
        if kind not in known:
            return _error(422, f"kind must be one of {known}, got {kind!r}")
        if not isinstance(payload, dict):
            return _error(422, f"payload must be a JSON object, got {type(payload).__name__}")
        return json_response(202, {"job_id": submit(kind, payload)})

    def _show_job(self, raw_id: str) -> HttpResponse:
        from roundtable.db.engine import get_engine
        from roundtable.jobs import get_job

        if not raw_id.isdigit():
            return _error(422, f"job id must be a number, got {raw_id!r}")
        with get_engine().connect() as conn:
            job = get_job(conn, int(raw_id))
        return json_response(200, job) if job else _error(404, f"no job {raw_id}")
