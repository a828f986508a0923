"""Every function, called with its real event shape, writes JSON logs carrying its correlation
ids and the metrics an operator watches, as CloudWatch embedded metric format on stdout.

Powertools' own test pattern: capture stdout and parse each line (a log record, or an EMF
document with `_aws`); nothing of ours is patched. The external services are the fakes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from nacl.signing import SigningKey
from roundtable_edge.observability import NAMESPACE, EmfSink, observed
from sqlalchemy import Engine, func, select

from roundtable import telemetry
from roundtable.config import reset_settings
from roundtable.db.engine import get_engine, reset_engine
from roundtable.db.tables import chat_messages, notifications
from roundtable.jobs import submit
from tests.conftest import load_event
from tests.fakes.discord import FakeDiscord
from tests.fakes.fixtures import fake_llm  # noqa: F401
from tests.fakes.sendgrid import FakeSendGrid
from tests.functions.conftest import LambdaContext, http_event
from tests.functions.discord.conftest import signed_event
from tests.functions.send_reminders.test_send_reminders import _meeting_in, fakes  # noqa: F401
from tests.functions.test_migrate import ResponseBucket, cloudformation_event, response_bucket  # noqa: F401
from tests.functions.tutor.conftest import ask, tutor  # noqa: F401
from tests.integration.notifications.world import World

API_REQUEST_ID = load_event("apiGatewayV2Event.json")["requestContext"]["requestId"]
SCHEDULED_EVENT_ID = load_event("eventBridgeScheduledEvent.json")["id"]


@dataclass
class Output:
    """What one invocation wrote to stdout: log records and EMF documents."""

    logs: list[dict[str, Any]]
    documents: list[dict[str, Any]]

    def log(self, message_part: str) -> dict[str, Any]:
        found = [r for r in self.logs if message_part in str(r.get("message"))]
        assert found, (
            f"no log line with {message_part!r} in {[r.get('message') for r in self.logs]}"
        )
        return found[-1]

    def total(self, name: str, **dimensions: str) -> float:
        """The sum of `name` over the documents with exactly these dimensions."""
        total = 0.0
        for document in self.documents:
            (directive,) = document["_aws"]["CloudWatchMetrics"]
            names = {m["Name"] for m in directive["Metrics"]}
            if name not in names or set(directive["Dimensions"][0]) != set(dimensions):
                continue
            if all(document[k] == v for k, v in dimensions.items()):
                value = document[name]
                total += sum(value) if isinstance(value, list) else value
        return total

    def names(self) -> set[str]:
        return {
            m["Name"] for d in self.documents for m in d["_aws"]["CloudWatchMetrics"][0]["Metrics"]
        }


@pytest.fixture
def output(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """Call output() after an invocation: what it wrote since the test began."""
    capsys.readouterr()

    def read() -> Output:
        lines = []
        for line in capsys.readouterr().out.splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
        records = [line for line in lines if isinstance(line, dict)]
        documents = [r for r in records if "_aws" in r]
        for document in documents:
            assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == NAMESPACE
        return Output([r for r in records if "_aws" not in r], documents)

    yield read


def _lambda_keys(record: dict[str, Any], service: str, context: LambdaContext) -> None:
    assert record["service"] == service
    assert record["function_request_id"] == context.aws_request_id
    assert record["function_name"] == context.function_name
    assert isinstance(record["cold_start"], bool)


# -- the worker -----------------------------------------------------------------------------
def test_a_job_that_fails_for_good_logs_its_ids_and_counts_jobs_failed_by_kind(
    engine: Engine, function: Any, lambda_context: LambdaContext, output: Any
) -> None:
    job_id = submit("echo", {"fail_attempts": 1}, max_attempts=1)

    result = function("schedule_cohort").handler({"job_id": job_id}, lambda_context)

    assert result["status"] == "failed"
    out = output()
    failure = out.log(f"job {job_id} (echo) failed")
    assert failure["level"] == "ERROR" and "echo asked to fail" in failure["exception"]
    assert (failure["job_id"], failure["job_kind"]) == (job_id, "echo")
    _lambda_keys(failure, "schedule_cohort", lambda_context)
    assert out.total("JobsFailed", Kind="echo") == 1
    assert out.total("JobsSucceeded", Kind="echo") == 0


def test_a_job_attempt_that_will_be_retried_is_not_a_failed_job(
    engine: Engine, function: Any, lambda_context: LambdaContext, output: Any
) -> None:
    job_id = submit("echo", {"fail_attempts": 1}, max_attempts=3)

    assert function("schedule_cohort").handler({"job_id": job_id}, lambda_context)["status"] == (
        "queued"
    )
    assert output().total("JobsFailed", Kind="echo") == 0


def test_a_job_that_succeeds_counts_jobs_succeeded_and_its_cohort_is_on_its_logs(
    engine: Engine, function: Any, lambda_context: LambdaContext, output: Any
) -> None:
    job_id = submit("echo", {"message": "hi", "cohort_id": 42})

    function("schedule_cohort").handler({"job_id": job_id}, lambda_context)

    out = output()
    assert out.total("JobsSucceeded", Kind="echo") == 1
    finished = out.log("job finished")
    assert finished["job_id"] == job_id
    _lambda_keys(finished, "schedule_cohort", lambda_context)


# -- reminders ------------------------------------------------------------------------------
def test_reminders_count_sent_by_kind_and_channel_and_discord_429s_apart(
    engine: Engine,
    fakes: tuple[FakeSendGrid, FakeDiscord],  # noqa: F811
    function: Any,
    lambda_context: LambdaContext,
    output: Any,
) -> None:
    sendgrid, discord = fakes
    _meeting_in(World(engine), 40)
    discord.global_rate_limit_next(retry_after=0.05)

    result = function("send_reminders").handler(
        load_event("eventBridgeScheduledEvent.json"), lambda_context
    )

    assert result["notifications"]["sent"] >= 9
    out = output()
    with engine.connect() as conn:
        sent = conn.execute(
            select(notifications.c.kind, notifications.c.channel, func.count())
            .where(notifications.c.status == "sent")
            .group_by(notifications.c.kind, notifications.c.channel)
        ).all()
    assert {"email", "discord_dm"} <= {channel for _, channel, _ in sent}
    for kind, channel, count in sent:
        assert out.total("NotificationsSent", Kind=kind, Channel=channel) == count
    assert out.total("ExternalCalls", Service="discord") == len(discord.statuses())
    assert out.total("ExternalRateLimited", Service="discord") == discord.statuses().count(429) == 1
    assert out.total("ExternalErrors", Service="discord") == 0
    assert out.total("ExternalCalls", Service="sendgrid") == len(sendgrid.accepted)
    finished = out.log("send_reminders run finished")
    assert finished["correlation_id"] == SCHEDULED_EVENT_ID
    _lambda_keys(finished, "send_reminders", lambda_context)


def test_a_refused_email_counts_notifications_failed_and_a_sendgrid_error(
    engine: Engine,
    fakes: tuple[FakeSendGrid, FakeDiscord],  # noqa: F811
    function: Any,
    lambda_context: LambdaContext,
    output: Any,
) -> None:
    sendgrid, _ = fakes
    _meeting_in(World(engine), 40)
    sendgrid.server_error_next(status=500, times=10)

    function("send_reminders").handler(load_event("eventBridgeScheduledEvent.json"), lambda_context)

    out = output()
    assert out.total("NotificationsFailed", Kind="meeting_reminder_1h", Channel="email") == 4
    assert out.total("ExternalErrors", Service="sendgrid") >= 1
    assert out.total("ExternalRateLimited", Service="sendgrid") == 0


def test_the_hourly_sync_logs_with_its_event_id(
    engine: Engine, function: Any, lambda_context: LambdaContext, output: Any
) -> None:
    function("sync_rsvps").handler(load_event("eventBridgeScheduledEvent.json"), lambda_context)

    finished = output().log("sync_rsvps run finished")
    assert finished["correlation_id"] == SCHEDULED_EVENT_ID
    _lambda_keys(finished, "sync_rsvps", lambda_context)


# -- the web functions ----------------------------------------------------------------------
@pytest.fixture
def database_down(database_url: str) -> Iterator[None]:
    """Postgres unreachable for this test; the session's engine is back (and made) after it."""
    os.environ["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    reset_settings()
    reset_engine()
    try:
        yield
    finally:
        os.environ["DATABASE_URL"] = database_url
        reset_settings()
        reset_engine()
        get_engine()


def test_an_http_api_server_error_is_logged_with_the_api_gateway_request_id(
    database_down: None, function: Any, lambda_context: LambdaContext, output: Any
) -> None:
    response = function("http_api").handler(http_event("GET", "/api/health"), lambda_context)

    assert response["statusCode"] == 503
    error = output().log("answered HTTP 503")
    assert error["level"] == "ERROR" and error["status_code"] == 503
    assert error["correlation_id"] == API_REQUEST_ID
    assert (error["http_method"], error["http_path"]) == ("GET", "/api/health")
    _lambda_keys(error, "http_api", lambda_context)


def test_a_tutor_reply_counts_its_tokens_and_a_provider_failure_counts_a_tutor_error(
    fake_llm: Any,  # noqa: F811  (first: its settings are in place before anything reads them)
    tutor: Any,  # noqa: F811
    engine: Engine,
    lambda_context: LambdaContext,
    output: Any,
) -> None:
    assert ask(tutor, "Why discuss at all?").status == 200
    with engine.connect() as conn:
        tokens = conn.scalar(select(func.sum(chat_messages.c.tokens)))
    assert output().total("TutorTokens") == tokens > 0

    fake_llm.fail_next(500)
    assert ask(tutor, "Are you there?").status == 502

    out = output()
    assert out.total("TutorErrors", Error="tutor_unavailable") == 1
    error = out.log("answered HTTP 502")
    assert error["correlation_id"] == API_REQUEST_ID
    _lambda_keys(error, "tutor_chat", lambda_context)


# -- Discord --------------------------------------------------------------------------------
def test_a_failed_discord_command_is_logged_with_the_interaction_and_request_ids(
    database_down: None,
    monkeypatch: pytest.MonkeyPatch,
    function: Any,
    lambda_context: LambdaContext,
    output: Any,
) -> None:
    key = SigningKey.generate()
    monkeypatch.setenv("DISCORD_PUBLIC_KEY", key.verify_key.encode().hex())
    interaction = {
        "type": 2,
        "id": "1234567890123456789",
        "application_id": "2",
        "guild_id": "3",
        "token": "t",
        "member": {"user": {"id": "424242"}, "roles": []},
        "data": {"name": "next-meeting", "type": 1, "options": []},
    }

    response = function("discord_interactions").handler(
        signed_event(key, json.dumps(interaction)), lambda_context
    )

    assert response["statusCode"] == 200
    assert "reference 1234567890123456789" in json.loads(response["body"])["data"]["content"]
    failure = output().log("interaction 1234567890123456789 failed")
    assert failure["level"] == "ERROR"
    assert failure["interaction_id"] == "1234567890123456789"
    assert failure["interaction_command"] == "next-meeting"
    assert failure["correlation_id"] == API_REQUEST_ID
    _lambda_keys(failure, "discord_interactions", lambda_context)


def test_a_discord_ping_writes_nothing_but_its_answer(
    monkeypatch: pytest.MonkeyPatch, function: Any, lambda_context: LambdaContext, output: Any
) -> None:
    key = SigningKey.generate()
    monkeypatch.setenv("DISCORD_PUBLIC_KEY", key.verify_key.encode().hex())

    response = function("discord_interactions").handler(
        signed_event(key, '{"type":1}'), lambda_context
    )

    assert json.loads(response["body"]) == {"type": 1}
    out = output()
    assert (out.logs, out.documents) == ([], [])


# -- migrations on deploy -------------------------------------------------------------------
def test_the_migration_logs_with_the_cloudformation_request_id(
    engine: Engine,
    response_bucket: ResponseBucket,  # noqa: F811
    function: Any,
    lambda_context: LambdaContext,
    output: Any,
) -> None:
    event = cloudformation_event("Delete", response_bucket.url)

    function("migrate").handler(event, lambda_context)

    record = output().log("responding to CloudFormation")
    assert record["correlation_id"] == event["RequestId"]
    assert record["request_type"] == "Delete"
    _lambda_keys(record, "migrate", lambda_context)


# -- the wrapper itself ---------------------------------------------------------------------
def test_an_unhandled_error_is_logged_with_the_ids_and_the_metrics_still_flushed(
    lambda_context: LambdaContext, output: Any
) -> None:
    @observed(service="observability_test", correlation=lambda event: {"job_id": event["n"]})
    def handler(event: Any, context: Any) -> Any:
        telemetry.count("JobsFailed", Kind="broken")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        handler({"n": 5}, lambda_context)

    out = output()
    error = out.log("unhandled error in observability_test")
    assert error["job_id"] == 5 and "boom" in error["exception"]
    assert out.total("JobsFailed", Kind="broken") == 1


def test_a_malformed_event_is_still_handled_without_ids(output: Any) -> None:
    @observed(service="observability_test", correlation=lambda event: {"job_id": event["n"]})
    def handler(event: Any, context: Any) -> Any:
        return {"statusCode": 500}

    assert handler("not a dict", None) == {"statusCode": 500}
    error = output().log("answered HTTP 500")
    assert "job_id" not in error and "function_request_id" not in error


def test_the_emf_sink_sums_counts_per_dimension_set_and_keeps_samples(output: Any) -> None:
    sink = EmfSink()
    for _ in range(3):
        sink.count("ExternalCalls", 1, {"Service": "discord"})
    sink.count("ExternalCalls", 2, {"Service": "sendgrid"})
    sink.count("SyncMutations", 4, {"Service": "discord"})
    sink.measure("SchedulingSeconds", 1.5, "Seconds", {})
    sink.measure("SchedulingSeconds", 2.5, "Seconds", {})

    sink.flush()
    sink.flush()  # nothing left: writes nothing

    out = output()
    assert len(out.documents) == 3  # one per dimension set
    assert out.total("ExternalCalls", Service="discord") == 3
    assert out.total("ExternalCalls", Service="sendgrid") == 2
    assert out.total("SyncMutations", Service="discord") == 4
    (seconds,) = [d for d in out.documents if "SchedulingSeconds" in d]
    assert seconds["SchedulingSeconds"] == [1.5, 2.5]
    assert seconds["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [
        {"Name": "SchedulingSeconds", "Unit": "Seconds"}
    ]
