"""The http_api function through the real Mangum handler with API Gateway v2 events."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from roundtable.auth import Session
from roundtable.config import reset_settings
from roundtable.db.tables import chat_sessions, content_progress, users
from tests.functions.browser import Browser
from tests.functions.conftest import http_event


def _call(function: Any, context: Any, event: dict[str, Any]) -> dict[str, Any]:
    return dict(function("http_api").handler(event, context))


def _cookie_values(response: dict[str, Any]) -> dict[str, str]:
    return {c.split("=", 1)[0]: c.split("=", 1)[1].split(";", 1)[0] for c in response["cookies"]}


def _auth_event(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    event = http_event(method, path, **kwargs)
    event["routeKey"] = event["requestContext"]["routeKey"] = "ANY /auth/{proxy+}"
    event["pathParameters"] = {"proxy": path.removeprefix("/auth/")}
    return event


def test_dev_login_returns_session_cookies_in_the_v2_cookies_list(
    engine: Engine, function: Any, lambda_context: Any
) -> None:
    event = _auth_event("POST", "/auth/dev-login", body={"display_name": "Katherine"})
    response = _call(function, lambda_context, event)
    assert response["statusCode"] == 200
    session, refresh, hint = response["cookies"]
    assert session.startswith("session=") and "Path=/;" in session and "HttpOnly" in session
    assert hint.startswith("signed_in=1;") and "HttpOnly" not in hint
    assert refresh.startswith("refresh_token=") and "Path=/auth/" in refresh and "Secure" in refresh
    assert json.loads(response["body"])["status"] == "signed_in"


def test_cookies_in_the_event_authenticate_the_request(
    engine: Engine, function: Any, lambda_context: Any
) -> None:
    login = _call(
        function,
        lambda_context,
        _auth_event("POST", "/auth/dev-login", body={"display_name": "Mae"}),
    )
    session = _cookie_values(login)["session"]
    me = _call(
        function,
        lambda_context,
        http_event("GET", "/api/users/me", cookies=[f"session={session}", "theme=dark"]),
    )
    assert me["statusCode"] == 200
    assert json.loads(me["body"])["display_name"] == "Mae"


def test_a_write_through_the_handler_persists(
    engine: Engine, function: Any, lambda_context: Any
) -> None:
    login = _call(
        function,
        lambda_context,
        _auth_event("POST", "/auth/dev-login", body={"display_name": "Joan"}),
    )
    cookie = f"session={_cookie_values(login)['session']}"
    body = {
        "timezone": "America/Chicago",
        "intervals": [{"weekday": 2, "start": "19:00", "end": "21:00"}],
    }
    put = _call(
        function,
        lambda_context,
        http_event("PUT", "/api/users/me/availability", body=body, cookies=[cookie]),
    )
    assert put["statusCode"] == 200
    read = _call(
        function, lambda_context, http_event("GET", "/api/users/me/availability", cookies=[cookie])
    )
    assert json.loads(read["body"])["intervals"][0]["start"] == "19:00"


def test_dev_login_claims_the_progress_and_chats_of_the_anonymous_cookie(
    engine: Engine, function: Any, lambda_context: Any
) -> None:
    api = Browser(function("http_api").handler, lambda_context)
    login = Browser(api.handler, lambda_context, "ANY /auth/{proxy+}", api.cookies)  # one jar
    section = {"module_slug": "why-discuss", "section_id": "why-discuss.reading-vs-understanding"}
    assert api.call("POST", "/api/progress/complete", section).status == 200
    token = uuid.UUID(api.cookies["anonymous_token"])
    with engine.begin() as conn:
        conn.execute(insert(chat_sessions).values(anonymous_token=token, module_id="why-discuss"))

    signed_in = login.call("POST", "/auth/dev-login", {"display_name": "Grace"})

    assert signed_in.status == 200
    course = api.call("GET", "/api/courses/running-discussion-groups").json()
    assert course["units"][0]["modules"][0]["status"] == "completed"
    with engine.connect() as conn:
        grace = conn.scalar(select(users.c.id).where(users.c.display_name == "Grace"))
        owners = set(conn.execute(select(content_progress.c.user_id)).scalars())
        chat_owners = set(conn.execute(select(chat_sessions.c.user_id)).scalars())
    assert owners == {grace} and chat_owners == {grace}


def _local_stack(monkeypatch: pytest.MonkeyPatch, base_url: str) -> None:
    monkeypatch.setenv("ROUNDTABLE_STAGE", "local")
    monkeypatch.setenv("PUBLIC_BASE_URL", base_url)
    monkeypatch.delenv("DEV_LOGIN_ENABLED", raising=False)
    reset_settings()


@pytest.mark.parametrize(
    ("base_url", "secure"), [("http://127.0.0.1:8000", False), ("https://rt.example", True)]
)
def test_the_local_stack_drops_secure_from_cookies_only_on_plain_http(
    engine: Engine,
    function: Any,
    lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
    base_url: str,
    secure: bool,
) -> None:
    _local_stack(monkeypatch, base_url)
    api = Browser(function("http_api").handler, lambda_context)
    login = Browser(api.handler, lambda_context, "ANY /auth/{proxy+}", api.cookies)

    anonymous = api.call("GET", "/api/courses/running-discussion-groups").set_cookies
    signed_in = login.call("POST", "/auth/dev-login", {"display_name": "Ida"}).set_cookies

    cookies = anonymous + signed_in
    names = [c.split("=", 1)[0] for c in cookies]
    assert names == ["anonymous_token", "session", "refresh_token", "signed_in"]
    assert all(("; Secure" in c) is secure for c in cookies)
    assert all("SameSite=lax" in c for c in cookies)
    # Every cookie is out of scripts' reach but the web app's signed-in hint.
    assert [("HttpOnly" in c) for c in cookies] == [True, True, True, False]


def test_a_deployed_stack_keeps_cookies_secure_even_on_a_plain_http_base_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from roundtable_edge.web.cookies import clear_session_cookies, set_session_cookies
    from starlette.responses import Response

    monkeypatch.setenv("ROUNDTABLE_STAGE", "deployed")
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://roundtable.example")
    monkeypatch.setenv("DB_HOST", "db.internal")
    monkeypatch.delenv("DEV_LOGIN_ENABLED", raising=False)
    reset_settings()
    response = Response()
    set_session_cookies(response, Session(1, "access", "refresh", uuid.uuid4()))
    clear_session_cookies(response)

    cookies = response.headers.getlist("set-cookie")
    assert len(cookies) == 6  # session, refresh token and signed-in hint, set then cleared
    assert all("; Secure" in c for c in cookies)


def test_refresh_reads_the_auth_scoped_cookie_and_rotates_it(
    engine: Engine, function: Any, lambda_context: Any
) -> None:
    login = _call(
        function,
        lambda_context,
        _auth_event("POST", "/auth/dev-login", body={"display_name": "Sophie"}),
    )
    old = _cookie_values(login)["refresh_token"]
    refreshed = _call(
        function,
        lambda_context,
        _auth_event("POST", "/auth/refresh", cookies=[f"refresh_token={old}"]),
    )
    assert refreshed["statusCode"] == 200
    assert _cookie_values(refreshed)["refresh_token"] not in ("", old)
    replay = _call(
        function,
        lambda_context,
        _auth_event("POST", "/auth/refresh", cookies=[f"refresh_token={old}"]),
    )
    assert replay["statusCode"] == 401
    assert _cookie_values(replay)["refresh_token"] == '""'


def test_unknown_paths_and_missing_sessions_use_the_error_shape(
    engine: Engine, function: Any, lambda_context: Any
) -> None:
    missing = _call(function, lambda_context, http_event("GET", "/api/nothing-here"))
    anonymous = _call(function, lambda_context, http_event("GET", "/api/users/me"))
    assert missing["statusCode"] == 404
    assert json.loads(missing["body"])["error"]["code"] == "not_found"
    assert anonymous["statusCode"] == 401
    assert json.loads(anonymous["body"])["error"]["code"] == "unauthenticated"


def test_the_openapi_document_and_docs_are_served_under_api(
    engine: Engine, function: Any, lambda_context: Any
) -> None:
    spec = _call(function, lambda_context, http_event("GET", "/api/openapi.json"))
    docs = _call(function, lambda_context, http_event("GET", "/api/docs"))
    assert spec["statusCode"] == 200 and docs["statusCode"] == 200
    operation_ids = {
        op["operationId"]
        for path in json.loads(spec["body"])["paths"].values()
        for op in path.values()
    }
    assert {"auth-refresh_session", "users-read_me"} <= operation_ids
    assert "/api/openapi.json" in docs["body"]


def test_the_discord_callback_redirects_with_session_cookies(
    engine: Engine, function: Any, lambda_context: Any, monkeypatch: Any
) -> None:
    from urllib.parse import parse_qs, urlsplit

    from tests.fakes.discord_oauth import DiscordUser, FakeDiscordOAuth

    fake = FakeDiscordOAuth()
    with fake.running():
        monkeypatch.setenv("DISCORD_API_BASE", fake.base_url)
        monkeypatch.setenv("DISCORD_CLIENT_ID", fake.client_id)
        monkeypatch.setenv("DISCORD_CLIENT_SECRET", fake.client_secret)
        monkeypatch.setenv("PUBLIC_BASE_URL", "https://roundtable.example")
        start = _call(
            function, lambda_context, _auth_event("GET", "/auth/discord", query="next=%2Fgroup")
        )
        state = parse_qs(urlsplit(start["headers"]["location"]).query)["state"][0]
        code = fake.issue_code(
            DiscordUser("175928847299117063", "rosalind", "Rosalind"),
            "https://roundtable.example/auth/discord/callback",
        )
        callback = _call(
            function,
            lambda_context,
            _auth_event(
                "GET",
                "/auth/discord/callback",
                query=f"code={code}&state={state}",
                cookies=[f"oauth_state={_cookie_values(start)['oauth_state']}"],
            ),
        )
    assert start["statusCode"] == callback["statusCode"] == 302
    assert callback["headers"]["location"] == "/group"
    cookies = _cookie_values(callback)
    assert cookies["oauth_state"] == '""' and cookies["session"] and cookies["refresh_token"]


def test_the_handler_works_after_someone_closed_the_event_loop(
    engine: Engine, function: Any, lambda_context: Any
) -> None:
    import asyncio

    async def nothing() -> None:
        return None

    asyncio.run(nothing())  # leaves the main thread without a current loop
    response = _call(function, lambda_context, http_event("GET", "/api/users/me"))
    assert response["statusCode"] == 401
