"""The fakes held to the vendors' specifications (tests/fakes/contracts.py).

1. What the real services refuse, the fakes refuse the same way, and record it so
   the test that sent it fails (issue 16, finding 7).
2. Every operation each fake implements answers with bodies that validate against
   the vendor's response schemas, errors and 429s included.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.contracts import (
    CALENDAR,
    DISCORD,
    SENDGRID,
    ContractViolationError,
    interaction_response_problems,
)
from tests.fakes.discord import BOT_TOKEN, FakeDiscord
from tests.fakes.discord_guild import GUILD_ID, FakeDiscordGuild
from tests.fakes.discord_oauth import DiscordUser, FakeDiscordOAuth
from tests.fakes.google_calendar import BASE_PATH, FakeGoogleCalendar, rate_limited
from tests.fakes.http import FakeService
from tests.fakes.sendgrid import API_KEY, FakeSendGrid

BOT = {"authorization": f"Bot {BOT_TOKEN}"}
SENDGRID_AUTH = {"authorization": f"Bearer {API_KEY}"}


def call(
    fake: FakeService,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        fake.base_url + path,
        data=data,
        method=method,
        headers={"content-type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw else None


def operations_called(fake: FakeService) -> set[str]:
    contract = fake.contract
    assert contract is not None
    found = (contract.find(r.method, r.path) for r in fake.requests)
    return {o.id for o in found if o is not None}


@pytest.fixture
def discord() -> Iterator[FakeDiscordGuild]:
    with FakeDiscordGuild().running() as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
def sendgrid() -> Iterator[FakeSendGrid]:
    with FakeSendGrid().running() as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
def calendar() -> Iterator[FakeGoogleCalendar]:
    with FakeGoogleCalendar().running() as fake:
        yield fake  # type: ignore[misc]


def _mail(**changes: Any) -> dict[str, Any]:
    return {
        "personalizations": [{"to": [{"email": "ada@example.org", "name": "Ada"}]}],
        "from": {"email": "noreply@roundtable.example", "name": "Roundtable"},
        "subject": "Hello",
        "content": [{"type": "text/plain", "value": "hi"}, {"type": "text/html", "value": "hi"}],
        **changes,
    }


def _event(**changes: Any) -> dict[str, Any]:
    return {
        "id": "evt00001",
        "summary": "Group 1",
        "start": {"dateTime": "2030-01-07T18:00:00+00:00", "timeZone": "Europe/London"},
        "end": {"dateTime": "2030-01-07T19:00:00+00:00", "timeZone": "Europe/London"},
        "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=4"],
        **changes,
    }


# -- 1. what the vendors refuse ------------------------------------------------------------
def _button_row(custom_id: str = "ok", buttons: int = 1) -> dict[str, Any]:
    button = {"type": 2, "style": 1, "label": "OK", "custom_id": custom_id}
    return {"type": 1, "components": [button] * buttons}


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"content": "x" * 2001}, "content"),
        ({"content": "hi", "components": [_button_row("c" * 101)]}, "custom_id"),
        ({"content": "hi", "components": [_button_row(buttons=6)]}, "components"),
        ({"content": "hi", "components": [_button_row()] * 6}, "components"),
        (
            {"content": "hi", "allowed_mentions": {"parse": ["users"], "users": ["1"]}},
            "allowed_mentions",
        ),
        ({"content": "hi", "embeds": [{"description": "d" * 4097}]}, "embeds"),
    ],
    ids=["content-2001", "custom-id-101", "6-buttons", "6-rows", "mixed-mentions", "embed"],
)
def test_discord_refuses_messages_past_its_limits(
    discord: FakeDiscord, message: dict[str, Any], field: str
) -> None:
    status, body = call(discord, "POST", "/channels/42/messages", message, BOT)

    assert (status, body["code"], body["message"]) == (400, 50035, "Invalid Form Body")
    assert field in json.dumps(body["errors"])
    assert discord.channel_messages == {}
    [violation] = discord.take_violations()
    assert violation.direction == "request" and field in " ".join(violation.problems)


def test_a_violation_fails_the_test_at_teardown() -> None:
    fake = FakeDiscord().start()
    call(fake, "POST", "/channels/42/messages", {"content": "x" * 2001}, BOT)
    with pytest.raises(ContractViolationError, match=r"content: Must be 2000 or fewer"):
        fake.stop()


def test_discord_refuses_an_interaction_response_with_26_choices() -> None:
    choices = [{"name": f"c{n}", "value": f"c{n}"} for n in range(26)]
    assert interaction_response_problems({"type": 8, "data": {"choices": choices[:25]}}) == []
    assert interaction_response_problems({"type": 8, "data": {"choices": choices}})
    long = {"type": 4, "data": {"content": "x" * 2001}}
    assert "data.content: Must be 2000 or fewer in length." in interaction_response_problems(long)


def test_discord_refuses_a_command_with_a_long_description(discord: FakeDiscord) -> None:
    command = {"name": "ping", "description": "d" * 101, "type": 1}
    status, _ = call(discord, "PUT", "/applications/100000000000000001/commands", [command], BOT)
    assert status == 400
    assert discord.take_violations()


@pytest.mark.parametrize(
    ("mail", "field"),
    [
        (
            _mail(personalizations=[{"to": [{"email": "a@example.org", "name": "Lovelace, Ada"}]}]),
            "personalizations.0.to.0.name",
        ),
        (
            _mail(personalizations=[{"to": [{"email": "a@example.org", "name": "Ada; Grace"}]}]),
            "personalizations.0.to.0.name",
        ),
        (
            _mail(
                personalizations=[
                    {"to": [{"email": f"p{n}@example.org"}], "cc": [{"email": f"c{n}@ex.org"}]}
                    for n in range(501)
                ]
            ),
            "personalizations",
        ),
        (
            _mail(personalizations=[{"to": [{"email": f"p{n}@example.org"}]} for n in range(1001)]),
            "personalizations",
        ),
        (_mail(subject=None), "subject"),
        (_mail(content=None), "content"),
    ],
    ids=["name-comma", "name-semicolon", "1002-recipients", "1001-envelopes", "subject", "content"],
)
def test_sendgrid_refuses_what_its_limits_forbid(
    sendgrid: FakeSendGrid, mail: dict[str, Any], field: str
) -> None:
    mail = {k: v for k, v in mail.items() if v is not None}
    status, body = call(sendgrid, "POST", "/v3/mail/send", mail, SENDGRID_AUTH)

    assert status == 400
    assert field in [e["field"] for e in body["errors"]]
    assert sendgrid.delivered == []
    assert sendgrid.take_violations()


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (_event(start={"dateTime": "2030-01-07T18:00:00+00:00"}), "start.timeZone"),
        (
            _event(
                reminders={
                    "useDefault": False,
                    "overrides": [{"method": "email", "minutes": m} for m in range(6)],
                }
            ),
            "reminders.overrides",
        ),
        (_event(start={"dateTime": "2030-01-07T18:00:00", "timeZone": None}), "start"),
        (_event(id="Group-1!"), "id"),
    ],
    ids=["recurring-without-zone", "6-overrides", "no-offset-no-zone", "id"],
)
def test_google_calendar_refuses_what_its_documentation_forbids(
    calendar: FakeGoogleCalendar, event: dict[str, Any], field: str
) -> None:
    path = f"{BASE_PATH}/calendars/primary/events"
    status, body = call(calendar, "POST", path, event)

    assert (status, body["error"]["code"]) == (400, 400)
    assert calendar.events == {}
    [violation] = calendar.take_violations()
    assert any(p.startswith(field) for p in violation.problems)


def test_an_operation_the_vendor_does_not_have_is_a_violation(discord: FakeDiscord) -> None:
    call(discord, "POST", "/channels/42/messages/send-now", {"content": "hi"}, BOT)
    [violation] = discord.take_violations()
    assert "no operation" in violation.problems[0]


# -- 2. the fakes answer like the vendors ----------------------------------------------------
def test_every_discord_operation_answers_in_discords_shapes(discord: FakeDiscordGuild) -> None:
    guild, app = f"/guilds/{GUILD_ID}", "/applications/100000000000000001"
    command = {"name": "ping", "description": "Ping", "type": 1}
    assert call(discord, "PUT", f"{app}/commands", [command], BOT)[0] == 200
    call(discord, "GET", f"{app}/commands", None, BOT)
    call(discord, "PUT", f"{app}/guilds/{GUILD_ID}/commands", [command], BOT)
    call(discord, "GET", f"{app}/guilds/{GUILD_ID}/commands", None, BOT)
    row = _button_row("join:1")
    call(discord, "PATCH", f"/webhooks/{app[14:]}/tok/messages/@original", {"content": "a"})
    call(discord, "PATCH", f"/webhooks/{app[14:]}/tok/messages/@original", {"components": [row]})
    call(discord, "GET", f"/webhooks/{app[14:]}/tok/messages/@original")
    call(discord, "POST", f"/webhooks/{app[14:]}/tok", {"content": "more", "flags": 64})
    dm = call(discord, "POST", "/users/@me/channels", {"recipient_id": "400000000000000001"}, BOT)
    call(discord, "POST", f"/channels/{dm[1]['id']}/messages", {"content": "hi"}, BOT)
    category = call(discord, "POST", f"{guild}/channels", {"name": "Cohort", "type": 4}, BOT)[1]
    text = {"name": "Group 1", "type": 0, "parent_id": category["id"]}
    channel = call(discord, "POST", f"{guild}/channels", text, BOT)[1]
    call(discord, "GET", f"{guild}/channels", None, BOT)
    call(discord, "PATCH", f"/channels/{channel['id']}", {"name": "group-one"}, BOT)
    call(discord, "POST", f"/channels/{channel['id']}/messages", {"content": "hello"}, BOT)
    role = call(discord, "POST", f"{guild}/roles", {"name": "Group 1"}, BOT)[1]
    call(discord, "GET", f"{guild}/roles", None, BOT)
    call(discord, "PATCH", f"{guild}/roles/{role['id']}", {"name": "Group one"}, BOT)
    member = {"access_token": "token", "roles": [role["id"]]}
    call(discord, "PUT", f"{guild}/members/400000000000000001", member, BOT)
    call(discord, "GET", f"{guild}/members?limit=10", None, BOT)
    call(discord, "GET", f"{guild}/members/400000000000000001", None, BOT)
    call(discord, "PUT", f"{guild}/members/400000000000000001/roles/{role['id']}", None, BOT)
    call(discord, "DELETE", f"{guild}/members/400000000000000001/roles/{role['id']}", None, BOT)
    call(discord, "DELETE", f"{guild}/roles/{role['id']}", None, BOT)
    call(discord, "DELETE", f"/channels/{channel['id']}", None, BOT)
    # Errors and rate limits, in Discord's shapes.
    call(discord, "GET", f"{guild}/members/400000000000000999", None, BOT)  # 404
    call(discord, "GET", f"{app}/commands")  # 401
    discord.rate_limit_next("POST", r"/channels/\d+/messages")
    assert call(discord, "POST", "/channels/42/messages", {"content": "x"}, BOT)[0] == 429
    discord.global_rate_limit_next()
    assert call(discord, "GET", f"{guild}/roles", None, BOT)[0] == 429

    assert discord.violations == []  # every answer validated against its response schema
    assert operations_called(discord) >= {
        "bulk_set_application_commands",
        "list_application_commands",
        "bulk_set_guild_application_commands",
        "list_guild_application_commands",
        "update_original_webhook_message",
        "get_original_webhook_message",
        "execute_webhook",
        "create_dm",
        "create_message",
        "create_guild_channel",
        "list_guild_channels",
        "update_channel",
        "delete_channel",
        "create_guild_role",
        "list_guild_roles",
        "update_guild_role",
        "delete_guild_role",
        "add_guild_member",
        "list_guild_members",
        "get_guild_member",
        "add_guild_member_role",
        "delete_guild_member_role",
    }


def test_the_oauth_fake_answers_in_discords_shapes() -> None:
    with FakeDiscordOAuth().running() as fake:
        assert isinstance(fake, FakeDiscordOAuth)
        code = fake.issue_code(DiscordUser("400000000000000001", "ada"), "http://app/cb")
        form = f"grant_type=authorization_code&code={code}&redirect_uri=http://app/cb"
        request = urllib.request.Request(
            f"{fake.base_url}/oauth2/token",
            data=(form + "&client_id=roundtable-client&client_secret=s3cr3t").encode(),
            method="POST",
        )
        with urllib.request.urlopen(request) as response:
            token = json.loads(response.read())["access_token"]
        me = call(fake, "GET", "/users/@me", None, {"authorization": f"Bearer {token}"})
        assert me[0] == 200 and me[1]["id"] == "400000000000000001"
        assert call(fake, "GET", "/users/@me", None, {"authorization": "Bearer no"})[0] == 401
        assert fake.violations == []


def test_sendgrid_answers_in_sendgrids_shapes(sendgrid: FakeSendGrid) -> None:
    assert call(sendgrid, "POST", "/v3/mail/send", _mail(), SENDGRID_AUTH)[0] == 202
    assert call(sendgrid, "POST", "/v3/mail/send", _mail())[0] == 401
    sendgrid.rate_limit_next()
    status, body = call(sendgrid, "POST", "/v3/mail/send", _mail(), SENDGRID_AUTH)
    assert status == 429 and body["errors"][0]["message"]
    sendgrid.server_error_next()
    assert call(sendgrid, "POST", "/v3/mail/send", _mail(), SENDGRID_AUTH)[0] == 500
    assert sendgrid.violations == []


def test_google_calendar_answers_in_googles_shapes(calendar: FakeGoogleCalendar) -> None:
    events = f"{BASE_PATH}/calendars/primary/events"
    assert call(calendar, "POST", events, _event())[0] == 200
    call(calendar, "GET", f"{events}/evt00001")
    call(calendar, "PATCH", f"{events}/evt00001?sendUpdates=all", {"summary": "Group one"})
    call(calendar, "GET", f"{events}?singleEvents=true&maxResults=2")
    call(calendar, "GET", f"{events}/evt00001/instances")
    call(calendar, "GET", f"{events}?syncToken=sync-9-1")  # 410: a full sync is needed
    call(calendar, "GET", f"{events}/missing1")  # 404
    calendar.fail_next("GET", rf"{BASE_PATH}/.*", rate_limited("403"))
    assert call(calendar, "GET", f"{events}/evt00001")[0] == 403
    assert call(calendar, "DELETE", f"{events}/evt00001")[0] == 204
    assert call(calendar, "DELETE", f"{events}/evt00001")[0] == 410

    assert calendar.violations == []
    assert operations_called(calendar) == {
        "calendar.events.insert",
        "calendar.events.get",
        "calendar.events.patch",
        "calendar.events.list",
        "calendar.events.instances",
        "calendar.events.delete",
    }


def test_the_specifications_load_with_the_operations_the_fakes_use() -> None:
    assert DISCORD.find("POST", "/channels/1/messages").id == "create_message"  # type: ignore[union-attr]
    assert DISCORD.find("POST", "/users/@me/channels").id == "create_dm"  # type: ignore[union-attr]
    assert SENDGRID.find("POST", "/v3/mail/send").id == "SendMail"  # type: ignore[union-attr]
    found = CALENDAR.find("GET", f"{BASE_PATH}/calendars/primary/events/e1/instances")
    assert found is not None and found.id == "calendar.events.instances"


def _invite(**changes: Any) -> dict[str, Any]:
    content = base64.b64encode(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n").decode()
    attachment = {"content": content, "type": "text/calendar; method=REQUEST"}
    return {**attachment, "filename": "invite.ics", "disposition": "attachment", **changes}


@pytest.mark.parametrize(
    ("attachment", "field"),
    [
        (_invite(content="not base64!"), "attachments.0.content"),
        (_invite(content=""), "attachments.0.content"),
        (_invite(filename=None), "attachments.0"),  # the spec: a required property
        (_invite(disposition="download"), "attachments.0.disposition"),
        (_invite(type="text/calendar\r\nBcc: x@example.org"), "attachments.0.type"),
    ],
    ids=["not-base64", "empty", "no-filename", "disposition", "header-injection"],
)
def test_sendgrid_refuses_attachments_its_spec_forbids(
    sendgrid: FakeSendGrid, attachment: dict[str, Any], field: str
) -> None:
    attachment = {k: v for k, v in attachment.items() if v is not None}
    status, body = call(
        sendgrid, "POST", "/v3/mail/send", _mail(attachments=[attachment]), SENDGRID_AUTH
    )

    assert status == 400
    assert field in [e["field"] for e in body["errors"]]
    assert sendgrid.delivered == []
    sendgrid.take_violations()


def test_sendgrid_delivers_an_attachment_decoded(sendgrid: FakeSendGrid) -> None:
    mail = _mail(attachments=[_invite()])
    assert call(sendgrid, "POST", "/v3/mail/send", mail, SENDGRID_AUTH)[0] == 202
    ((file,),) = [d.attachments for d in sendgrid.delivered]
    assert (file.filename, file.content_type, file.disposition) == (
        "invite.ics",
        "text/calendar; method=REQUEST",
        "attachment",
    )
    assert file.content == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


def test_google_calendar_goes_read_only_past_its_invitation_limit(
    calendar: FakeGoogleCalendar,
) -> None:
    events = f"{BASE_PATH}/calendars/primary/events"
    calendar.invitation_limit = 1
    guests = [{"email": "a@example.org"}, {"email": "b@example.org"}]

    status, body = call(calendar, "POST", f"{events}?sendUpdates=all", _event(attendees=guests))
    assert status == 403
    assert body["error"]["errors"][0]["reason"] == "quotaExceeded"
    assert body["error"]["errors"][0]["domain"] == "usageLimits"
    quiet = _event(id="evt00002")
    assert call(calendar, "POST", f"{events}?sendUpdates=none", quiet)[0] == 403  # read-only
    assert call(calendar, "GET", f"{events}?maxResults=5")[0] == 200  # reads still work
    calendar.lift_quota()
    assert call(calendar, "POST", f"{events}?sendUpdates=none", quiet)[0] == 200
    assert calendar.violations == []
