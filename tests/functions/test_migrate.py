"""functions/migrate: the CloudFormation custom resource that migrates on deploy.

Real Postgres (a fresh, empty database per test), CloudFormation-shaped
events, and a local HTTP server standing in for the pre-signed S3 ResponseURL
CloudFormation waits on.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from devserver.postgres import drop_database, ensure_database, start_embedded_postgres
from roundtable.config import reset_settings
from roundtable.db import migrate
from roundtable.db.engine import reset_engine
from tests.conftest import ROOT
from tests.functions.conftest import LambdaContext

pytestmark = pytest.mark.db

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/roundtable/5b6e1c2a-0000-11ef-9f1a"
SERVICE_TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:roundtable-MigrateFunction"


@dataclass
class ResponseBucket:
    """Stands in for S3 behind the pre-signed ResponseURL: records each PUT."""

    url: str
    received: list[tuple[str, dict[str, str], dict[str, Any]]] = field(default_factory=list)

    def only_response(self) -> tuple[dict[str, str], dict[str, Any]]:
        assert len(self.received) == 1, self.received
        _path, headers, body = self.received[0]
        return headers, body


@pytest.fixture
def response_bucket() -> Iterator[ResponseBucket]:
    bucket = ResponseBucket(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers["Content-Length"])
            body = json.loads(self.rfile.read(length))
            bucket.received.append((self.path, dict(self.headers), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    bucket.url = (
        f"http://{host}:{port}/arn%3Aaws%3Acloudformation/roundtable/DatabaseMigration"
        "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200&X-Amz-Signature=abc123"
    )
    yield bucket
    server.shutdown()
    server.server_close()


@pytest.fixture
def empty_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new database with nothing in it, which the settings (and so the handler) point at."""
    server = None
    admin_url = os.environ.get("DATABASE_URL")
    if not admin_url:
        server, admin_url = start_embedded_postgres(ROOT / ".roundtable" / "pgdata-test")
    name = f"rt_migrate_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = ensure_database(admin_url, name)
    monkeypatch.setenv("DATABASE_URL", url)
    reset_settings()
    reset_engine()
    yield url
    reset_engine()
    drop_database(admin_url, name)
    del server


def cloudformation_event(request_type: str, response_url: str) -> dict[str, Any]:
    """The request CloudFormation sends a Lambda-backed custom resource."""
    properties = {
        "ServiceToken": SERVICE_TOKEN,
        "ServiceTimeout": "900",
        "Layer": "arn:aws:lambda:us-east-1:123456789012:layer:roundtable-common:8",
    }
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": SERVICE_TOKEN,
        "ResponseURL": response_url,
        "StackId": STACK_ID,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": "DatabaseMigration",
        "ResourceType": "Custom::DatabaseMigration",
        "ResourceProperties": properties,
    }
    if request_type != "Create":
        event["PhysicalResourceId"] = "roundtable-database-migration"
    if request_type == "Update":
        layer = "arn:aws:lambda:us-east-1:123456789012:layer:roundtable-common:7"
        event["OldResourceProperties"] = {**properties, "Layer": layer}
    return event


def revision_of(url: str) -> str | None:
    engine = create_engine(url.replace("postgresql://", "postgresql+pg8000://", 1))
    try:
        with engine.connect() as conn:
            return migrate.current_revision(conn)
    finally:
        engine.dispose()


def execute(url: str, sql: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+pg8000://", 1))
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def test_create_migrates_an_empty_database_and_reports_success(
    empty_database: str, response_bucket: ResponseBucket, function: Any
) -> None:
    event = cloudformation_event("Create", response_bucket.url)
    function("migrate").handler(event, LambdaContext())
    headers, body = response_bucket.only_response()
    head = migrate.head_revision()
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["Reason"] == f"migrated from an empty database to {head}"
    assert body["Data"] == {"Revision": head}
    assert body["PhysicalResourceId"] == "roundtable-database-migration"
    assert (body["StackId"], body["RequestId"], body["LogicalResourceId"]) == (
        STACK_ID,
        event["RequestId"],
        "DatabaseMigration",
    )
    assert headers.get("Content-Type") == ""  # the pre-signed URL is signed without one
    assert response_bucket.received[0][0].endswith("X-Amz-Signature=abc123")
    assert revision_of(empty_database) == head


def test_an_update_at_head_is_a_harmless_rerun(
    empty_database: str, response_bucket: ResponseBucket, function: Any
) -> None:
    handler = function("migrate").handler
    handler(cloudformation_event("Create", response_bucket.url), LambdaContext())
    handler(cloudformation_event("Update", response_bucket.url), LambdaContext())
    head = migrate.head_revision()
    statuses = [body["Status"] for _path, _headers, body in response_bucket.received]
    assert statuses == ["SUCCESS", "SUCCESS"]
    assert response_bucket.received[1][2]["Reason"] == f"database already at {head}"
    assert revision_of(empty_database) == head


def test_a_failing_migration_fails_the_deploy_with_its_error_and_changes_nothing(
    empty_database: str, response_bucket: ResponseBucket, function: Any
) -> None:
    # The schema is at head but the database claims the first revision: replaying
    # the later migrations fails (their columns exist), as a broken migration would.
    handler = function("migrate").handler
    handler(cloudformation_event("Create", response_bucket.url), LambdaContext())
    base = ScriptDirectory.from_config(migrate.alembic_config()).get_base()
    execute(empty_database, f"UPDATE alembic_version SET version_num = '{base}'")
    response_bucket.received.clear()

    handler(cloudformation_event("Update", response_bucket.url), LambdaContext())

    _headers, body = response_bucket.only_response()
    assert body["Status"] == "FAILED"
    assert "already exists" in body["Reason"]
    assert body["Reason"].startswith("ProgrammingError")
    assert revision_of(empty_database) == base  # the whole upgrade rolled back


def test_a_database_ahead_of_the_code_is_left_alone_so_a_rollback_succeeds(
    empty_database: str, response_bucket: ResponseBucket, function: Any
) -> None:
    handler = function("migrate").handler
    handler(cloudformation_event("Create", response_bucket.url), LambdaContext())
    execute(empty_database, "UPDATE alembic_version SET version_num = '9999_from_the_future'")
    response_bucket.received.clear()

    handler(cloudformation_event("Update", response_bucket.url), LambdaContext())

    _headers, body = response_bucket.only_response()
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert "newer than this code's head" in body["Reason"]
    assert revision_of(empty_database) == "9999_from_the_future"


def test_delete_touches_no_database_and_succeeds(
    monkeypatch: pytest.MonkeyPatch, response_bucket: ResponseBucket, function: Any
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    reset_settings()
    reset_engine()
    function("migrate").handler(
        cloudformation_event("Delete", response_bucket.url), LambdaContext()
    )
    _headers, body = response_bucket.only_response()
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == "roundtable-database-migration"


def test_an_unreachable_database_fails_the_deploy_saying_why(
    monkeypatch: pytest.MonkeyPatch, response_bucket: ResponseBucket, function: Any
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    reset_settings()
    reset_engine()
    try:
        function("migrate").handler(
            cloudformation_event("Create", response_bucket.url), LambdaContext()
        )
    finally:
        reset_engine()
    _headers, body = response_bucket.only_response()
    assert body["Status"] == "FAILED"
    assert "OperationalError" in body["Reason"] or "InterfaceError" in body["Reason"]
    assert "127.0.0.1" in body["Reason"] or "Connection refused" in body["Reason"]
