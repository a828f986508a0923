"""An anonymous learner's progress and tutor chat follow them when they sign in with Discord:
the whole journey through the APIs (http_api and tutor_chat), the fake Discord and fake model."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from devserver.fake_llm import FAKE_API_KEY, FAKE_MODEL, FakeLLM
from devserver.functions import load_function
from roundtable.db.tables import chat_sessions, content_progress, users
from tests.fakes.discord_oauth import DiscordUser, FakeDiscordOAuth

COURSE = "running-discussion-groups"
SECTION = {"module_slug": "why-discuss", "section_id": "why-discuss.reading-vs-understanding"}
CHAT = {
    "section_id": "why-discuss.reading-vs-understanding",
    "segment_id": "why-discuss.reading-vs-understanding.chat",
    "message": "Reading is not using.",
}
LIN = DiscordUser("80351110224678913", "lin", "Lin Learner", None, "lin@example.org")


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDiscordOAuth]:
    with FakeDiscordOAuth().running() as discord, FakeLLM().running() as model:
        assert isinstance(discord, FakeDiscordOAuth)
        monkeypatch.setenv("DISCORD_API_BASE", discord.base_url)
        monkeypatch.setenv("DISCORD_CLIENT_ID", discord.client_id)
        monkeypatch.setenv("DISCORD_CLIENT_SECRET", discord.client_secret)
        monkeypatch.setenv("PUBLIC_BASE_URL", "https://testserver")
        monkeypatch.setenv("LLM_MODEL", FAKE_MODEL)
        monkeypatch.setenv("LLM_API_BASE", model.base_url)
        monkeypatch.setenv("LLM_API_KEY", FAKE_API_KEY)
        yield discord


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _consent(authorize_url: str) -> str:
    try:
        urllib.request.build_opener(_NoRedirect).open(authorize_url)
    except urllib.error.HTTPError as exc:
        parts = urlsplit(exc.headers["location"])
        return f"{parts.path}?{parts.query}"
    raise AssertionError("Discord's consent page did not redirect")


def test_progress_and_chat_made_anonymously_are_the_users_after_login(
    engine: Engine, services: FakeDiscordOAuth
) -> None:
    api = TestClient(load_function("http_api").app, base_url="https://testserver")
    tutor = TestClient(load_function("tutor_chat").app, base_url="https://testserver")

    assert api.post("/api/progress/complete", json=SECTION).status_code == 200
    tutor.cookies.update(api.cookies)  # one browser, one cookie jar
    assert tutor.post("/api/tutor/why-discuss/messages", json=CHAT).status_code == 200

    services.approving_user = LIN
    start = api.get("/auth/discord?next=/course", follow_redirects=False)
    callback = api.get(_consent(start.headers["location"]), follow_redirects=False)
    assert callback.status_code == 302

    course = api.get(f"/api/courses/{COURSE}").json()
    assert course["units"][0]["modules"][0]["status"] == "completed"
    tutor.cookies.update(api.cookies)
    history = tutor.get("/api/tutor/why-discuss/messages").json()["messages"]
    assert [m["content"] for m in history][0] == "Reading is not using."
    with engine.connect() as conn:
        lin = conn.scalar(select(users.c.id).where(users.c.discord_id == LIN.id))
        assert set(conn.execute(select(content_progress.c.user_id)).scalars()) == {lin}
        assert set(conn.execute(select(chat_sessions.c.user_id)).scalars()) == {lin}
