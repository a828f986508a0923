"""The Discord login against a fake Discord that speaks the OAuth2 protocol."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select, update

from roundtable.db.tables import chat_sessions, content_progress, groups, oauth_states, users
from tests.fakes.discord import BOT_TOKEN
from tests.fakes.discord_guild import GUILD_ID, FakeDiscordGuild
from tests.fakes.discord_oauth import DiscordOAuthRoutes, DiscordUser, FakeDiscordOAuth
from tests.fakes.http import Response

ADA = DiscordUser("80351110224678912", "ada", "Ada Lovelace", "a1b2c3", "ada@example.org")


@pytest.fixture
def discord(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDiscordOAuth]:
    fake = FakeDiscordOAuth()
    with fake.running():
        monkeypatch.setenv("DISCORD_API_BASE", fake.base_url)
        monkeypatch.setenv("DISCORD_CLIENT_ID", fake.client_id)
        monkeypatch.setenv("DISCORD_CLIENT_SECRET", fake.client_secret)
        monkeypatch.setenv("PUBLIC_BASE_URL", "https://testserver")
        yield fake


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _consent(authorize_url: str) -> str:
    """Visit Discord's consent page like a browser; returns the callback path + query."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(authorize_url)
    except urllib.error.HTTPError as exc:
        location = exc.headers["location"]
        parts = urlsplit(location)
        return f"{parts.path}?{parts.query}"
    raise AssertionError("the consent page did not redirect")


def _login(
    client: TestClient, discord: FakeDiscordOAuth, user: DiscordUser, query: str = ""
) -> str:
    discord.approving_user = user
    start = client.get(f"/auth/discord{query}", follow_redirects=False)
    assert start.status_code == 302
    callback = client.get(_consent(start.headers["location"]), follow_redirects=False)
    assert callback.status_code == 302
    return str(callback.headers["location"])


def test_login_start_redirects_to_discord_with_scopes_state_and_callback(
    client: TestClient, discord: FakeDiscordOAuth, engine: Engine
) -> None:
    response = client.get("/auth/discord?next=/course", follow_redirects=False)
    location = urlsplit(response.headers["location"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert response.status_code == 302
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        f"{discord.base_url}/oauth2/authorize"
    )
    assert query["scope"] == "identify email guilds.join"
    assert query["redirect_uri"] == "https://testserver/auth/discord/callback"
    assert query["client_id"] == discord.client_id
    with engine.connect() as conn:
        stored = conn.execute(select(oauth_states)).one()
    assert stored.state_hash != query["state"]  # only a hash is kept
    assert stored.redirect_to == "/course"
    cookie = response.headers["set-cookie"]
    assert f"oauth_state={query['state']}" in cookie and "Path=/auth/discord/" in cookie


def test_a_full_login_creates_the_user_and_signs_them_in(
    client: TestClient, discord: FakeDiscordOAuth, engine: Engine
) -> None:
    assert _login(client, discord, ADA, "?next=/course") == "/course"
    me = client.get("/api/users/me").json()
    assert me["discord_id"] == ADA.id
    assert me["display_name"] == "Ada Lovelace"
    assert me["email"] == "ada@example.org" and me["email_verified"] is True
    assert me["avatar_url"] == f"https://cdn.discordapp.com/avatars/{ADA.id}/a1b2c3.png"
    token_call = next(r for r in discord.requests if r.path == "/oauth2/token")
    form = parse_qs(token_call.body.decode())
    assert form["grant_type"] == ["authorization_code"]
    assert form["redirect_uri"] == ["https://testserver/auth/discord/callback"]


def test_logging_in_again_updates_discord_fields_but_keeps_the_chosen_name(
    client: TestClient, discord: FakeDiscordOAuth, engine: Engine
) -> None:
    _login(client, discord, ADA)
    client.patch("/api/users/me", json={"display_name": "Countess Ada"})
    renamed = DiscordUser(ADA.id, "ada_l", "Ada L.", "ffff", ADA.email)
    _login(TestClient(client.app, base_url="https://testserver"), discord, renamed)
    with engine.connect() as conn:
        rows = conn.execute(select(users)).all()
    assert len(rows) == 1
    assert rows[0].display_name == "Countess Ada"
    assert (rows[0].discord_username, rows[0].discord_avatar) == ("ada_l", "ffff")


def _progress(
    user_id: int | None, token: uuid.UUID | None, content_id: str, seconds: int
) -> dict[str, object]:
    return {
        "user_id": user_id,
        "anonymous_token": token,
        "content_id": content_id,
        "content_type": "section",
        "total_time_s": seconds,
    }


def test_login_claims_anonymous_progress_and_chats_merging_with_the_users_own(
    client: TestClient, discord: FakeDiscordOAuth, engine: Engine
) -> None:
    anonymous = uuid.uuid4()
    with engine.begin() as conn:
        user_id = conn.execute(
            insert(users).values(display_name="Ada", discord_id=ADA.id).returning(users.c.id)
        ).scalar_one()
        conn.execute(
            insert(content_progress),
            [
                _progress(user_id, None, "lens-1", 0),
                _progress(None, anonymous, "lens-1", 99),
                _progress(None, anonymous, "lens-2", 0),
            ],
        )
        conn.execute(
            insert(chat_sessions),
            [
                {"user_id": user_id, "anonymous_token": None, "module_id": "module-a"},
                {"user_id": None, "anonymous_token": anonymous, "module_id": "module-a"},
                {"user_id": None, "anonymous_token": anonymous, "module_id": "module-b"},
            ],
        )
    client.cookies.set("anonymous_token", str(anonymous))
    _login(client, discord, ADA)
    with engine.connect() as conn:
        progress = conn.execute(
            select(
                content_progress.c.content_id,
                content_progress.c.user_id,
                content_progress.c.total_time_s,
            ).order_by(content_progress.c.id)
        ).all()
        chats = conn.execute(
            select(
                chat_sessions.c.module_id,
                chat_sessions.c.user_id,
                chat_sessions.c.archived_at.is_not(None),
            ).order_by(chat_sessions.c.id)
        ).all()
    # Both had lens-1: the rows merge into the user's (times add), nothing stays anonymous.
    assert [tuple(r) for r in progress] == [
        ("lens-1", user_id, 99),
        ("lens-2", user_id, 0),
    ]
    # Both anonymous chats are the user's now; the clashing one is archived, not lost.
    assert [tuple(r) for r in chats] == [
        ("module-a", user_id, False),
        ("module-a", user_id, True),
        ("module-b", user_id, False),
    ]


def test_a_state_works_once(client: TestClient, discord: FakeDiscordOAuth, engine: Engine) -> None:
    discord.approving_user = ADA
    start = client.get("/auth/discord", follow_redirects=False)
    callback = _consent(start.headers["location"])
    assert client.get(callback, follow_redirects=False).headers["location"] == "/"
    client.cookies.set(
        "oauth_state", parse_qs(urlsplit(callback).query)["state"][0], path="/auth/discord/"
    )
    again = client.get(callback, follow_redirects=False)
    assert again.headers["location"] == "/signin?error=invalid_state"


def test_a_callback_in_another_browser_is_refused(
    client: TestClient, discord: FakeDiscordOAuth, engine: Engine
) -> None:
    discord.approving_user = ADA
    start = client.get("/auth/discord", follow_redirects=False)
    stranger = TestClient(client.app, base_url="https://testserver")
    response = stranger.get(_consent(start.headers["location"]), follow_redirects=False)
    assert response.headers["location"] == "/signin?error=invalid_state"
    assert "session=" not in response.headers.get("set-cookie", "")


def test_an_expired_state_is_refused(
    client: TestClient, discord: FakeDiscordOAuth, engine: Engine
) -> None:
    discord.approving_user = ADA
    start = client.get("/auth/discord", follow_redirects=False)
    with engine.begin() as conn:
        conn.execute(
            update(oauth_states).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    response = client.get(_consent(start.headers["location"]), follow_redirects=False)
    assert response.headers["location"] == "/signin?error=invalid_state"


def test_discord_refusing_the_code_exchange_signs_nobody_in(
    client: TestClient, discord: FakeDiscordOAuth, engine: Engine
) -> None:
    discord.fail_next(
        "POST",
        "/oauth2/token",
        Response(
            429, {"message": "You are being rate limited.", "retry_after": 1.5, "global": False}
        ),
    )
    assert _login(client, discord, ADA) == "/signin?error=token_exchange"
    with engine.connect() as conn:
        assert conn.execute(select(users)).all() == []
    assert client.get("/api/users/me").status_code == 401


def test_declining_on_discord_returns_to_the_login_page_with_the_reason(
    client: TestClient, discord: FakeDiscordOAuth, engine: Engine
) -> None:
    discord.approving_user = None
    start = client.get("/auth/discord", follow_redirects=False)
    response = client.get(_consent(start.headers["location"]), follow_redirects=False)
    assert response.headers["location"] == "/signin?error=access_denied"


def test_next_pointing_at_another_site_is_replaced_by_the_home_page(
    client: TestClient, discord: FakeDiscordOAuth, engine: Engine
) -> None:
    assert _login(client, discord, ADA, "?next=//evil.example/steal") == "/"


def test_without_discord_credentials_login_is_unavailable(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISCORD_CLIENT_SECRET", raising=False)
    response = client.get("/auth/discord", follow_redirects=False)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "login_unavailable"


class FakeDiscordWithLogin(DiscordOAuthRoutes, FakeDiscordGuild):
    """One Discord: its OAuth2 endpoints and the course's guild."""


@pytest.fixture
def discord_with_guild(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDiscordWithLogin]:
    from roundtable.discord.rest import reset_discord_clients

    fake = FakeDiscordWithLogin()
    with fake.running():
        monkeypatch.setenv("DISCORD_API_BASE", fake.base_url)
        monkeypatch.setenv("DISCORD_CLIENT_ID", fake.client_id)
        monkeypatch.setenv("DISCORD_CLIENT_SECRET", fake.client_secret)
        monkeypatch.setenv("DISCORD_BOT_TOKEN", BOT_TOKEN)
        monkeypatch.setenv("DISCORD_GUILD_ID", GUILD_ID)
        monkeypatch.setenv("PUBLIC_BASE_URL", "https://testserver")
        reset_discord_clients()
        yield fake
    reset_discord_clients()


def test_login_adds_the_learner_to_the_guild_with_their_group_roles(
    client: TestClient, discord_with_guild: FakeDiscordWithLogin, engine: Engine
) -> None:
    from tests.integration.api.builders import add_member, make_cohort, make_group

    role = discord_with_guild.roles.setdefault(
        "400000000000000001", {"id": "400000000000000001", "name": "Owls", "permissions": "0"}
    )
    with engine.begin() as conn:
        user_id = conn.execute(
            insert(users).values(display_name="Ada", discord_id=ADA.id).returning(users.c.id)
        ).scalar_one()
        cohort = make_cohort(conn)
        group = make_group(conn, cohort, "Owls")
        conn.execute(update(groups).where(groups.c.id == group).values(discord_role_id=role["id"]))
        add_member(conn, group, user_id, cohort)
    assert _login(client, discord_with_guild, ADA) == "/"
    assert discord_with_guild.members[ADA.id]["roles"] == [role["id"]]
    join = next(r for r in discord_with_guild.requests if r.method == "PUT")
    token_issued = next(r for r in discord_with_guild.requests if r.path == "/users/@me")
    assert join.json()["access_token"] == token_issued.headers["authorization"].removeprefix(
        "Bearer "
    )


def test_a_guild_that_refuses_the_join_does_not_stop_the_login(
    client: TestClient, discord_with_guild: FakeDiscordWithLogin, engine: Engine
) -> None:
    discord_with_guild.fail_next(
        "PUT",
        rf"/guilds/{GUILD_ID}/members/\d+",
        Response(403, {"code": 50013, "message": "Missing Permissions"}),
    )
    assert _login(client, discord_with_guild, ADA) == "/"
    assert client.get("/api/users/me").status_code == 200
    assert ADA.id not in discord_with_guild.members


def test_without_discord_credentials_a_browser_returns_to_the_sign_in_page_with_the_reason(
    client: TestClient,
) -> None:
    # No `discord` fixture: this stack has no Discord client id or secret.
    navigation = {"sec-fetch-mode": "navigate", "accept": "text/html,application/xhtml+xml"}
    response = client.get("/auth/discord?next=/enroll", headers=navigation, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/signin?error=login_unavailable&next=/enroll"
    # A script asking for JSON still gets the error in the API's shape.
    scripted = client.get("/auth/discord", headers={"accept": "application/json"})
    assert (scripted.status_code, scripted.json()["error"]["code"]) == (503, "login_unavailable")


def test_the_sign_in_page_learns_which_methods_work(client: TestClient) -> None:
    assert client.get("/auth/sign-in-methods").json() == {"discord": False, "dev_login": True}


def test_the_sign_in_methods_say_discord_once_it_is_configured(
    client: TestClient, discord: FakeDiscordOAuth
) -> None:
    assert client.get("/auth/sign-in-methods").json()["discord"] is True


def test_login_adds_the_learner_to_each_server_their_groups_are_on_with_the_roles_there(
    client: TestClient, discord_with_guild: FakeDiscordWithLogin, engine: Engine
) -> None:
    from tests.fakes.discord_guild import SECOND_GUILD_ID
    from tests.integration.api.builders import add_member, make_cohort, make_group

    second = discord_with_guild.add_guild(SECOND_GUILD_ID)
    role = second.roles.setdefault(
        "400000000000000002", {"id": "400000000000000002", "name": "Larks", "permissions": "0"}
    )
    with engine.begin() as conn:
        user_id = conn.execute(
            insert(users).values(display_name="Ada", discord_id=ADA.id).returning(users.c.id)
        ).scalar_one()
        cohort = make_cohort(conn)
        group = make_group(conn, cohort, "Larks")
        conn.execute(
            update(groups)
            .where(groups.c.id == group)
            .values(discord_role_id=role["id"], discord_guild_id=SECOND_GUILD_ID)
        )
        add_member(conn, group, user_id, cohort)

    assert _login(client, discord_with_guild, ADA) == "/"

    assert second.members[ADA.id]["roles"] == [role["id"]]
    assert ADA.id not in discord_with_guild.members  # only the servers of their groups
