"""The shared Discord REST client against the fake Discord over real HTTP."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import outbox
from roundtable.discord.outbox import OutboxDiscordClient
from roundtable.discord.rest import (
    DiscordApiError,
    DiscordErrorBudgetError,
    DiscordRestClient,
    get_discord_client,
)
from tests.fakes.discord import APPLICATION_ID, BOT_TOKEN, FakeDiscord, start_fake_discord
from tests.fakes.http import Request, Response


class Sleeps(list[float]):
    """Records every sleep the client asks for, and really sleeps (they are short)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        time.sleep(seconds)


def _client(fake: FakeDiscord, sleeps: Sleeps | None = None, **options: Any) -> DiscordRestClient:
    return DiscordRestClient(
        fake.base_url,
        BOT_TOKEN,
        version="9.9",
        sleep=sleeps if sleeps is not None else Sleeps(),
        **options,
    )


def test_sends_bot_token_and_discord_user_agent_and_parses_json(fake_discord: FakeDiscord) -> None:
    channel = _client(fake_discord).create_dm("300000000000000001")
    request = fake_discord.requests[-1]
    assert request.headers["authorization"] == f"Bot {BOT_TOKEN}"
    assert request.headers["user-agent"] == (
        "DiscordBot (https://github.com/roundtable-courses/roundtable, 9.9)"
    )
    assert request.json() == {"recipient_id": "300000000000000001"}
    assert [r["id"] for r in channel["recipients"]] == ["300000000000000001"]


def test_interaction_webhook_calls_carry_no_bot_token(fake_discord: FakeDiscord) -> None:
    client = _client(fake_discord)
    client.edit_original_response(APPLICATION_ID, "tok-1", {"content": "done"})
    client.create_followup(APPLICATION_ID, "tok-1", {"content": "more"})
    assert all("authorization" not in r.headers for r in fake_discord.requests)
    assert client.get_original_response(APPLICATION_ID, "tok-1")["content"] == "done"
    assert [m["content"] for m in fake_discord.followups["tok-1"]] == ["more"]


def test_no_content_answers_return_none(fake_discord: FakeDiscord) -> None:
    # Adding a role answers 204 No Content (a message send never does).
    fake_discord.fail_next("PUT", r"/guilds/\d+/members/\d+/roles/\d+", Response(204))
    assert _client(fake_discord).request("PUT", "/guilds/1/members/2/roles/3") is None


def test_audit_log_reason_is_sent_url_encoded(fake_discord: FakeDiscord) -> None:
    _client(fake_discord).request(
        "POST", "/channels/42/messages", json={"content": "x"}, reason="sync: group 7 ✓"
    )
    assert (
        fake_discord.requests[-1].headers["x-audit-log-reason"] == "sync%3A%20group%207%20%E2%9C%93"
    )


def test_a_429_is_waited_out_for_retry_after_and_the_call_retried(
    fake_discord: FakeDiscord,
) -> None:
    fake_discord.rate_limit_next("POST", r"/channels/\d+/messages", retry_after=0.2)
    sleeps = Sleeps()
    message = _client(fake_discord, sleeps).send_message("42", {"content": "hello"})
    assert message["content"] == "hello"
    assert fake_discord.statuses() == [429, 200]
    assert max(sleeps) > 0.1, "the client should have waited about retry_after"


def test_a_global_429_holds_back_calls_on_other_routes(fake_discord: FakeDiscord) -> None:
    fake_discord.global_rate_limit_next(retry_after=0.3)
    sleeps = Sleeps()
    client = _client(fake_discord, sleeps)
    client.send_message("42", {"content": "first"})
    assert fake_discord.statuses() == [429, 200]
    assert max(sleeps) > 0.2, "the client should have waited about retry_after"


def test_an_exhausted_bucket_is_waited_for_instead_of_earning_a_429(
    fake_discord: FakeDiscord,
) -> None:
    fake_discord.bucket_limit, fake_discord.bucket_window = 2, 0.4
    sleeps = Sleeps()
    client = _client(fake_discord, sleeps)
    for n in range(5):
        client.send_message("42", {"content": f"m{n}"})
    assert fake_discord.statuses() == [200] * 5
    assert sleeps, "the client should have waited for the bucket to reset"


def test_buckets_are_per_channel_so_another_channel_is_not_held_back(
    fake_discord: FakeDiscord,
) -> None:
    fake_discord.bucket_limit, fake_discord.bucket_window = 1, 5.0
    sleeps = Sleeps()
    client = _client(fake_discord, sleeps, max_wait=1.0)
    client.send_message("42", {"content": "a"})
    client.send_message("43", {"content": "b"})
    assert sleeps == []
    with pytest.raises(DiscordApiError) as raised:  # channel 42 is exhausted for 5 s
        client.send_message("42", {"content": "c"})
    assert raised.value.status == 429 and raised.value.retry_after is not None
    assert len(fake_discord.requests) == 2, "the refused call must not reach Discord"


def test_a_long_retry_after_is_raised_to_the_caller_not_slept(fake_discord: FakeDiscord) -> None:
    fake_discord.rate_limit_next("POST", r"/channels/\d+/messages", retry_after=120)
    sleeps = Sleeps()
    with pytest.raises(DiscordApiError, match="429") as raised:
        _client(fake_discord, sleeps).send_message("42", {"content": "x"})
    assert raised.value.retry_after == 120
    assert sleeps == []


def test_server_errors_are_retried_with_backoff(fake_discord: FakeDiscord) -> None:
    fake_discord.fail_next(
        "GET", r"/applications/\d+/commands", Response(502, "bad gateway"), times=2
    )
    sleeps = Sleeps()
    commands = _client(fake_discord, sleeps).get_commands(APPLICATION_ID)
    assert commands == []
    assert fake_discord.statuses() == [502, 502, 200]
    assert sleeps == [0.5, 1.0]


def test_retries_are_bounded_and_end_in_an_error_naming_the_route(
    fake_discord: FakeDiscord,
) -> None:
    fake_discord.fail_next("GET", r"/applications/\d+/commands", Response(503), times=10)
    client = DiscordRestClient(
        fake_discord.base_url, BOT_TOKEN, sleep=lambda s: None, max_retries=2
    )
    with pytest.raises(DiscordApiError, match=r"GET /applications/\{id\}/commands .*503"):
        client.get_commands(APPLICATION_ID)
    assert len(fake_discord.requests) == 3


def test_client_errors_are_not_retried_and_carry_discords_code(fake_discord: FakeDiscord) -> None:
    client = _client(fake_discord)
    with pytest.raises(DiscordApiError) as raised:
        client.bulk_overwrite_commands(APPLICATION_ID, [{"name": "Bad Name", "description": ""}])
    assert (raised.value.status, raised.value.code) == (400, 50035)
    assert "'Bad Name'" in str(raised.value.errors)
    assert len(fake_discord.requests) == 1
    [violation] = fake_discord.take_violations()  # sent on purpose: Discord refuses it
    assert violation.operation.startswith("bulk_set_application_commands")


def test_error_budget_refuses_calls_after_too_many_unauthorised_answers(
    fake_discord: FakeDiscord,
) -> None:
    client = DiscordRestClient(fake_discord.base_url, "wrong-token", error_budget=3)
    for _ in range(3):
        with pytest.raises(DiscordApiError, match="401"):
            client.get_commands(APPLICATION_ID)
    with pytest.raises(DiscordErrorBudgetError, match="budget 3"):
        client.get_commands(APPLICATION_ID)
    assert len(fake_discord.requests) == 3


def test_error_budget_does_not_count_successes_or_shared_429s(fake_discord: FakeDiscord) -> None:
    client = _client(fake_discord, error_budget=2)
    fake_discord.rate_limit_next(
        "POST", r"/channels/\d+/messages", retry_after=0.01, scope="shared", times=2
    )
    client.send_message("42", {"content": "x"})
    client.send_message("42", {"content": "y"})
    assert client.budget.used() == 0


class FakeDiscordWithMembers(FakeDiscord):
    """Extending the fake the way the sync tests will: state in a dict, one route method."""

    def __init__(self) -> None:
        super().__init__()
        self.members: dict[str, list[dict[str, Any]]] = {}
        self._routes_members()

    def _routes_members(self) -> None:
        self.authed("GET", r"/guilds/(\d+)/members", self._list_members)

    def _list_members(self, request: Request, match: re.Match[str]) -> Response:
        limit = int(request.query.get("limit", ["1"])[0])
        after = int(request.query.get("after", ["0"])[0])
        members = sorted(self.members.get(match.group(1), []), key=lambda m: int(m["user"]["id"]))
        return Response(200, [m for m in members if int(m["user"]["id"]) > after][:limit])


def test_iter_pages_follows_after_until_a_short_page(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = start_fake_discord(monkeypatch, FakeDiscordWithMembers())
    try:
        fake.members["9"] = [{"user": {"id": str(500 + n)}} for n in range(7)]
        client = _client(fake)
        ids = [
            m["user"]["id"] for m in client.iter_pages("/guilds/9/members", limit=3, key="user.id")
        ]
        assert ids == [str(500 + n) for n in range(7)]
        assert [r.query.get("after") for r in fake.requests] == [None, ["502"], ["505"]]
    finally:
        fake.stop()


def test_the_configured_client_is_shared_so_rate_limits_persist(fake_discord: FakeDiscord) -> None:
    client = get_discord_client()
    assert client is get_discord_client()
    assert client.base_url == fake_discord.base_url
    client.create_dm("300000000000000002")
    assert fake_discord.requests[-1].headers["authorization"] == f"Bot {BOT_TOKEN}"


def test_without_a_bot_token_locally_calls_go_to_the_outbox(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISCORD_BOT_TOKEN", raising=False)
    client = get_discord_client(engine)
    assert isinstance(client, OutboxDiscordClient)
    channel = client.create_dm("300000000000000003")
    message = client.send_message(channel["id"], {"content": "welcome"})
    assert message["id"].isdigit() and message["content"] == "welcome"
    assert client.get_commands(APPLICATION_ID) == []
    with engine.connect() as conn:
        rows = conn.execute(select(outbox.c.service, outbox.c.operation, outbox.c.request)).all()
    assert [tuple(r) for r in rows] == [
        ("discord", "POST /users/@me/channels", {"recipient_id": "300000000000000003"}),
        ("discord", f"POST /channels/{channel['id']}/messages", {"content": "welcome"}),
    ]


def test_a_deployed_stack_without_a_bot_token_refuses_to_build_a_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from roundtable.config import SettingsError

    monkeypatch.delenv("DISCORD_BOT_TOKEN", raising=False)
    monkeypatch.setenv("ROUNDTABLE_STAGE", "deployed")
    monkeypatch.setenv("DEV_LOGIN_ENABLED", "false")
    monkeypatch.setenv("DB_HOST", "db.internal")
    with pytest.raises(SettingsError, match="DISCORD_BOT_TOKEN"):
        get_discord_client()
