"""The gateway speaks API Gateway's and Scheduler's shapes, in both directions."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from roundtable_edge.events import parse_scheduled_event

from devserver.asgi import serve_asgi
from devserver.events import HttpRequest, http_api_event, http_api_response, scheduled_event
from devserver.routing import match_route
from devserver.schedules import ScheduleError, parse_interval
from devserver.static import resolve_static
from devserver.template import Route, read_stack


def _request(**changes: Any) -> HttpRequest:
    fields: dict[str, Any] = {
        "method": "POST",
        "path": "/api/users/me",
        "query": "tag=a&tag=b&empty=",
        "headers": [
            ("Host", "127.0.0.1:8000"),
            ("Content-Type", "application/json"),
            ("Cookie", "rt_session=abc; theme=dark"),
            ("X-Forwarded-For", "10.0.0.1"),
            ("X-Forwarded-For", "10.0.0.2"),
        ],
        "body": b'{"name": "Ada"}',
    }
    return HttpRequest(**{**fields, **changes})


def test_http_event_moves_cookies_out_of_headers_and_joins_repeated_headers() -> None:
    event = http_api_event(_request(), "ANY /api/{proxy+}", {"proxy": "users/me"})
    assert event["cookies"] == ["rt_session=abc", "theme=dark"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-forwarded-for"] == "10.0.0.1,10.0.0.2"
    assert event["queryStringParameters"] == {"tag": "a,b", "empty": ""}
    assert event["rawQueryString"] == "tag=a&tag=b&empty="
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["pathParameters"] == {"proxy": "users/me"}
    assert (event["body"], event["isBase64Encoded"]) == ('{"name": "Ada"}', False)


def test_http_event_base64_encodes_a_binary_body() -> None:
    audio = bytes(range(256))
    request = _request(headers=[("Content-Type", "audio/webm")], body=audio)
    event = http_api_event(request, "ANY /api/{proxy+}", {})
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == audio
    assert "cookies" not in event and "pathParameters" not in event


def test_response_cookies_become_separate_set_cookie_headers() -> None:
    response = http_api_response(
        {
            "statusCode": 201,
            "headers": {"content-type": "application/json"},
            "cookies": ["a=1; HttpOnly", "b=2; Path=/auth/"],
            "body": "{}",
        }
    )
    assert response.status == 201
    assert [v for k, v in response.headers if k == "set-cookie"] == [
        "a=1; HttpOnly",
        "b=2; Path=/auth/",
    ]


def test_response_base64_bodies_are_decoded_and_bare_values_become_json() -> None:
    binary = http_api_response({"statusCode": 200, "body": "AAEC", "isBase64Encoded": True})
    bare = http_api_response({"ok": True})
    assert binary.body == b"\x00\x01\x02"
    assert (bare.status, json.loads(bare.body)) == (200, {"ok": True})


def test_the_templates_schedule_input_is_an_event_the_handlers_accept() -> None:
    stack = read_stack()
    when = datetime(2026, 11, 27, 4, 5, tzinfo=UTC)
    for schedule in stack.schedules:
        parsed = parse_scheduled_event(scheduled_event(schedule.name, schedule.input, when))
        assert parsed.time == when
        assert parsed.source == "aws.scheduler"


def test_a_schedule_without_input_gets_an_eventbridge_rule_shaped_event() -> None:
    event = scheduled_event("Nightly", None, datetime(2026, 1, 1, tzinfo=UTC))
    assert parse_scheduled_event(event).source == "aws.events"


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("5m", 300), ("1h", 3600), ("250ms", 0.25), ("2", 2)]
)
def test_schedule_intervals_read_like_durations(text: str, seconds: float) -> None:
    assert parse_interval(text).total_seconds() == seconds


def test_a_nonsense_interval_is_refused_with_the_value() -> None:
    with pytest.raises(ScheduleError, match="'soon'"):
        parse_interval("soon")


ROUTES = [
    Route("ANY", "/api/{proxy+}", "HttpApi"),
    Route("POST", "/api/chat/{proxy+}", "Chat"),
    Route("POST", "/discord/interactions", "Discord"),
    Route("ANY", "/discord/{proxy+}", "DiscordOther"),
]


@pytest.mark.parametrize(
    ("method", "path", "function", "parameters"),
    [
        ("GET", "/api/health", "HttpApi", {"proxy": "health"}),
        ("POST", "/api/chat/module", "Chat", {"proxy": "module"}),
        ("GET", "/api/chat/module", "HttpApi", {"proxy": "chat/module"}),
        ("POST", "/discord/interactions", "Discord", {}),
        ("GET", "/discord/interactions", "DiscordOther", {"proxy": "interactions"}),
    ],
)
def test_the_most_specific_route_wins(
    method: str, path: str, function: str, parameters: dict[str, str]
) -> None:
    match = match_route(ROUTES, method, path)
    assert match is not None
    assert (match.route.function, match.parameters) == (function, parameters)


def test_a_greedy_route_needs_at_least_one_segment() -> None:
    assert match_route(ROUTES, "GET", "/api") is None
    assert match_route(ROUTES, "GET", "/api/") is None


def test_static_paths_never_leave_the_folder(tmp_path: Any) -> None:
    site = tmp_path / "dist"
    site.mkdir()
    (site / "index.html").write_text("shell")
    (tmp_path / "secret.txt").write_text("no")
    assert resolve_static(site, "/../secret.txt") is None
    assert resolve_static(site, "/%2e%2e/secret.txt") is None
    assert resolve_static(site, "/groups/3") == site / "index.html"
    assert resolve_static(site, "/missing.css") is None


class _RecordingStream:
    """Records what the bridge writes, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def start(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.events.append(("start", status))

    def write(self, chunk: bytes) -> None:
        self.events.append(("write", chunk))

    def finish(self) -> None:
        self.events.append(("finish", None))


def test_asgi_routes_stream_each_chunk_before_the_app_has_finished() -> None:
    stream = _RecordingStream()
    seen_mid_answer: list[tuple[str, Any]] = []

    async def sse_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        request = await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        first = {
            "type": "http.response.body",
            "body": b"data: " + request["body"],
            "more_body": True,
        }
        await send(first)
        seen_mid_answer.extend(stream.events)  # what the browser already has
        await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": b"data: done", "more_body": False})

    serve_asgi(sse_app, _request(body=b"hello"), ("127.0.0.1", 8000), stream)
    assert seen_mid_answer == [("start", 200), ("write", b"data: hello")]
    assert stream.events[2:] == [("write", b"data: done"), ("finish", None)]
