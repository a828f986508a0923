"""Property test of the Discord door (issue 16, finding 4): any signed interaction over the
command set — arbitrary option values (huge and negative integers, unicode, wrong types,
nesting), any user, any server or a DM, any custom_id — gets an answer that is not a 5xx
and not "something went wrong", and leaves no half-written state: nothing is enqueued
unless the answer says work was deferred.

Derandomized (a fixed seed) with a bounded number of examples, so `make test` runs it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from roundtable_edge.discord.commands import COMMANDS, COMPONENTS, SUB_COMMAND, Option
from sqlalchemy import Engine, func, select

from roundtable.db.tables import jobs
from tests.functions.discord.conftest import Call
from tests.integration.discord import data

GUILD = "700000000000000001"
# Mostly linked people (a facilitator, an admin), so commands get past "not linked".
USERS = ("201", "205", "201", "205", "999", "1" * 30)
WENT_WRONG = "something went wrong"
DEFERRED = (5, 6)

huge = st.sampled_from([0, 1, 2**31 - 1, 2**31, 2**63, -(2**63) - 1, 1099511627776])
scalars = st.one_of(
    huge,
    huge.map(str),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=40),
    st.sampled_from(["", " ", "1", "99999999999", "١٢٣", "\u202e1", "1e9", "-0"]),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True),
)
values = st.one_of(
    huge,
    huge.map(str),
    st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=6,
    ),
)


def _some_of(options: tuple[Option, ...]) -> st.SearchStrategy[tuple[dict[str, Any], ...]]:
    """Payloads for any subset of these options (each at most once)."""
    if not options:
        return st.just(())
    return st.lists(st.sampled_from(options), unique_by=lambda o: o.name).flatmap(
        lambda chosen: st.tuples(*[_option_payload(o) for o in chosen])
    )


def _option_payload(option: Option) -> st.SearchStrategy[dict[str, Any]]:
    if option.type == SUB_COMMAND:
        return _some_of(option.options).map(
            lambda leaves: {"name": option.name, "type": SUB_COMMAND, "options": list(leaves)}
        )
    return st.fixed_dictionaries(
        {
            "name": st.just(option.name),
            "type": st.sampled_from([option.type, 3, 4, 10]),
            "value": values,
        },
        optional={"focused": st.booleans()},
    )


@st.composite
def interactions(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from([2, 2, 2, 3, 4]))
    where = draw(st.sampled_from(["ours", "ours", "ours", "other", "dm"]))
    user = {"id": draw(st.sampled_from(USERS)), "username": draw(st.text(max_size=10))}
    payload: dict[str, Any] = {
        "type": kind,
        "id": "900000000000000777",
        "application_id": "100000000000000001",
        "token": "interaction-token",
        "version": 1,
        "channel_id": draw(st.sampled_from(["710000000000000001", None, 5])),
    }
    roles = draw(st.lists(st.sampled_from(["730000000000000001", "1", ""]), max_size=2))
    if where == "dm":
        payload["user"] = user
    else:
        payload["guild_id"] = GUILD if where == "ours" else "799999999999999999"
        payload["member"] = {"user": user, "roles": roles, "permissions": "0"}
    if kind == 3:
        prefix = draw(st.sampled_from([*COMPONENTS, "nope"]))
        rest = draw(st.text(max_size=30) | st.sampled_from([":1:1", ":9999999999:yes", ":1:yes"]))
        payload["data"] = {"custom_id": prefix + rest, "component_type": 2}
    else:
        command = draw(st.sampled_from(COMMANDS))
        options = draw(_some_of(command.options))
        payload["data"] = {"id": "1", "name": command.name, "type": 1, "options": list(options)}
    if draw(st.integers(0, 9)) == 0:  # options that are not a list of objects
        payload["data"]["options"] = draw(values)
    if draw(st.booleans()):  # junk beside what we read
        payload["data"]["resolved"] = draw(values)
    return payload


@pytest.fixture
def world(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_GUILD_ID", GUILD)
    monkeypatch.setenv("DISCORD_ADMIN_ROLE_ID", "730000000000000001")
    with engine.begin() as conn:
        cohort = data.add_cohort(conn, "Spring Cohort")
        fran = data.add_user(conn, "Fran", discord_id="201")
        data.add_user(conn, "Root", discord_id="205", is_admin=True)
        group = data.add_group(
            conn,
            cohort,
            "Owls",
            first_meeting_at=datetime.now(UTC) + timedelta(days=2),
            channel_id="740000000000000001",
        )
        data.add_member(conn, group, fran, cohort, "facilitator")


def _jobs(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(jobs)) or 0)


@given(payload=interactions())
@settings(
    max_examples=200,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_signed_interaction_gets_an_answer_and_leaves_no_half_written_state(
    call: Call, world: None, engine: Engine, payload: dict[str, Any]
) -> None:
    before = _jobs(engine)
    status, answer = call(payload)
    assert status in (200, 400), (status, answer)
    if status == 400:
        assert isinstance(answer.get("error"), str)
        assert _jobs(engine) == before
        return
    text = json.dumps(answer).lower()
    assert WENT_WRONG not in text, payload
    if answer["type"] not in DEFERRED:
        assert _jobs(engine) == before, (payload, answer)


@given(depth=st.integers(min_value=0, max_value=20_000), opener=st.sampled_from("[{"))
@settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_any_nesting_is_a_clear_answer(call_raw: Any, depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    inner = opener * depth if opener == "[" else '{"a":' * depth
    body = '{"type": 2, "data": ' + inner + ("1" if opener == "{" else "") + closer * depth + "}"
    status, _ = call_raw(body)
    assert status in (200, 400)
