"""Local-only endpoints under /api/dev/ and /dev/: what a deployed stack never has.

The outbox (what would have been sent to Discord, Google, SendGrid, the LLM),
recent invocations, schedules to fire now, and jobs to submit by hand.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
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
        }
        if (method, path) in exact:
            return exact[(method, path)](request)
        if method == "POST" and path.startswith("/api/dev/schedules/"):
            return self._fire(path.removeprefix("/api/dev/schedules/"))
        if method == "GET" and path.startswith("/api/dev/jobs/"):
            return self._show_job(path.removeprefix("/api/dev/jobs/"))
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
