"""Property tests of the event doors (issue 16, finding 4): any EventBridge or invoke event
is parsed or refused with EventError — never another exception — and a worker invoke
naming an id beyond the jobs table's bigint is refused, not a database error."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from roundtable_edge.events import EventError, parse_job_invoke, parse_scheduled_event
from sqlalchemy import Engine, func, select

from roundtable.db.tables import jobs

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats()
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
times = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(["2026-03-02T12:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"]),
    st.text(max_size=30),
)
scheduled_events = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=10) | json_values,
        "time": times | json_values,
        "source": st.sampled_from(["aws.scheduler", ""]) | json_values,
        "detail": json_values,
    },
)
invokes = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"job_id": st.integers(min_value=-(2**80), max_value=2**80) | json_values}
    ),
)
BOUNDED = settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@given(event=scheduled_events | json_values)
@BOUNDED
def test_any_scheduled_event_is_parsed_or_refused_with_event_error(event: Any) -> None:
    try:
        parsed = parse_scheduled_event(event)
    except EventError:
        return
    assert parsed.time.tzinfo is not None


@given(event=invokes)
@BOUNDED
def test_any_worker_invoke_is_a_possible_job_id_or_event_error(event: Any) -> None:
    try:
        job_id = parse_job_invoke(event)
    except EventError:
        return
    assert 1 <= job_id <= 2**63 - 1


@given(job_id=st.integers(min_value=2**63, max_value=2**90) | st.sampled_from([2**63, 2**64]))
@settings(
    max_examples=20,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_the_worker_refuses_job_ids_beyond_bigint_and_writes_nothing(
    function: Any, lambda_context: Any, engine: Engine, job_id: int
) -> None:
    answer = function("schedule_cohort").handler({"job_id": job_id}, lambda_context)
    assert answer["status"] == "rejected"
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(jobs)) == 0


@given(event=scheduled_events)
@settings(
    max_examples=30,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_the_periodic_functions_answer_any_event_without_raising(
    function: Any, lambda_context: Any, engine: Engine, event: Any
) -> None:
    for name in ("send_reminders", "sync_rsvps"):
        try:
            parse_scheduled_event(event)
        except EventError:
            answer = function(name).handler(event, lambda_context)
            assert answer["status"] == "rejected", answer
