"""The local stack end to end: real handlers behind the gateway, on real Postgres."""

from __future__ import annotations

import http.client
import json
import time
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, insert, select, text

from roundtable.db.tables import jobs, outbox
from tests.devserver.conftest import RunningDevserver, wait_for


def _signed_ping(devserver: RunningDevserver, key: Any = None) -> tuple[bytes, dict[str, str]]:
    body = b'{"type":1}'
    timestamp = str(int(time.time()))
    signature = (key or devserver.discord_key).sign(timestamp.encode() + body).signature.hex()
    headers = {
        "x-signature-ed25519": signature,
        "x-signature-timestamp": timestamp,
        "content-type": "application/json",
    }
    return body, headers


def _invocations(devserver: RunningDevserver) -> list[dict[str, Any]]:
    with devserver.client() as client:
        answer: list[dict[str, Any]] = client.get("/api/dev/invocations").json()
        return answer


def test_health_answers_through_the_gateway_with_the_database_ok(
    devserver: RunningDevserver,
) -> None:
    with devserver.client() as client:
        response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["database"] == {"ok": True}
    assert response.json()["migrations"]["up_to_date"] is True


def test_a_signed_ping_gets_pong(devserver: RunningDevserver) -> None:
    body, headers = _signed_ping(devserver)
    with devserver.client() as client:
        response = client.post("/discord/interactions", content=body, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"type": 1}


def test_a_ping_signed_by_another_key_is_401(devserver: RunningDevserver) -> None:
    from nacl.signing import SigningKey

    body, headers = _signed_ping(devserver, SigningKey.generate())
    with devserver.client() as client:
        response = client.post("/discord/interactions", content=body, headers=headers)
    assert response.status_code == 401


def test_a_method_the_template_does_not_route_is_404_like_an_http_api(
    devserver: RunningDevserver,
) -> None:
    with devserver.client() as client:
        response = client.get("/discord/interactions")
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


def test_schedules_fire_their_functions_with_an_event_they_accept(
    devserver: RunningDevserver,
) -> None:
    def fired() -> set[str]:
        return {
            item["function"]
            for item in _invocations(devserver)
            if item["trigger"].startswith("schedule ") and item["result"]["status"] == "ok"
        }

    wait_for(lambda: fired() >= {"SendRemindersFunction", "SyncRsvpsFunction"}, "both schedules")
    assert "send_reminders run finished" in devserver.printed()
    assert "sync_rsvps run finished" in devserver.printed()


def test_a_schedule_can_be_fired_by_hand(devserver: RunningDevserver) -> None:
    with devserver.client() as client:
        response = client.post("/api/dev/schedules/Every5Minutes")
        unknown = client.post("/api/dev/schedules/Nightly")
    assert response.status_code == 200
    assert response.json()["result"]["status"] == "ok"
    assert unknown.status_code == 404
    assert "Every5Minutes" in unknown.json()["error"]["message"]


def _job(engine: Engine, job_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()


def test_a_submitted_job_is_run_by_the_in_process_worker(devserver: RunningDevserver) -> None:
    with devserver.client() as client:
        response = client.post("/api/dev/jobs", json={"kind": "echo", "payload": {"message": "hi"}})
    assert response.status_code == 202
    job_id = response.json()["job_id"]
    job = wait_for(
        lambda: (
            (row := _job(devserver.engine, job_id)) is not None
            and row["status"] == "succeeded"
            and row
        ),
        f"job {job_id} to succeed",
    )
    assert job["result"] == {"echo": "hi", "attempt": 1}
    assert any(item["trigger"] == f"async invoke job {job_id}" for item in _invocations(devserver))


def test_a_job_of_an_unknown_kind_is_refused_with_the_known_kinds(
    devserver: RunningDevserver,
) -> None:
    with devserver.client() as client:
        response = client.post("/api/dev/jobs", json={"kind": "launch_rockets"})
    assert response.status_code == 422
    assert "echo" in response.json()["error"]["message"]


def test_an_overdue_queued_job_is_dispatched_by_a_schedule_and_run(
    devserver: RunningDevserver,
) -> None:
    with devserver.engine.begin() as conn:
        job_id = conn.scalar(
            insert(jobs)
            .values(
                kind="echo",
                payload={"message": "late"},
                created_at=text("now() - '5 min'::interval"),
            )
            .returning(jobs.c.id)
        )
    job = wait_for(
        lambda: (
            (row := _job(devserver.engine, job_id)) is not None
            and row["status"] == "succeeded"
            and row
        ),
        "the periodic retry to run the overdue job",
    )
    assert job["result"]["echo"] == "late"


def test_built_files_are_served_and_client_routes_get_the_app_shell(
    devserver: RunningDevserver,
) -> None:
    with devserver.client() as client:
        script = client.get("/assets/app.js")
        route = client.get("/cohorts/7/groups")
        root = client.get("/")
        missing = client.get("/assets/missing.js")
    assert script.status_code == 200
    assert script.text == "console.log('roundtable');"
    assert "javascript" in script.headers["content-type"]
    assert route.status_code == 200 and "Roundtable SPA" in route.text
    assert root.status_code == 200 and "Roundtable SPA" in root.text
    assert missing.status_code == 404


def test_paths_that_climb_out_of_the_built_folder_are_not_served(
    devserver: RunningDevserver,
) -> None:
    secret = devserver.static_dir.parent / "secret.txt"
    secret.write_text("not for browsers")
    parts = urlsplit(devserver.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port)
    connection.request("GET", f"/..%2F{secret.name}")
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert b"not for browsers" not in body
    assert response.status == 404


def test_outbox_lists_messages_newest_first_as_json_and_as_a_page(
    devserver: RunningDevserver,
) -> None:
    with devserver.engine.begin() as conn:
        conn.execute(
            insert(outbox),
            [
                {"service": "sendgrid", "operation": "send", "request": {"to": "ada@example.org"}},
                {"service": "discord", "operation": "create_channel", "request": {"name": "<g1>"}},
            ],
        )
    with devserver.client() as client:
        listing = client.get("/api/dev/outbox").json()["messages"]
        only_email = client.get("/api/dev/outbox", params={"service": "sendgrid"}).json()
        page = client.get("/dev/outbox")
        bad_limit = client.get("/api/dev/outbox", params={"limit": "all"})
    assert [m["operation"] for m in listing[:2]] == ["create_channel", "send"]
    assert [m["request"] for m in only_email["messages"]] == [{"to": "ada@example.org"}]
    assert page.status_code == 200 and "create_channel" in page.text
    assert "&lt;g1&gt;" in page.text  # escaped, never raw HTML from a payload
    assert bad_limit.status_code == 422
    assert json.loads(bad_limit.text)["error"]["message"].startswith("limit must be")


def test_the_api_docs_load_swagger_ui_from_the_stack_itself(devserver: RunningDevserver) -> None:
    with devserver.client() as client:
        for docs in ("/api/docs", "/api/tutor/docs"):
            page = client.get(docs)
            assert page.status_code == 200
            assert "cdn.jsdelivr.net" not in page.text  # offline, the page would be blank
            assert '"/dev/swagger-ui/swagger-ui-bundle.js"' in page.text
            assert '"/dev/swagger-ui/swagger-ui.css"' in page.text
        script = client.get("/dev/swagger-ui/swagger-ui-bundle.js")
        style = client.get("/dev/swagger-ui/swagger-ui.css")
        missing = client.get("/dev/swagger-ui/nothing.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert "SwaggerUIBundle" in script.text
    assert (style.status_code, style.headers["content-type"]) == (200, "text/css; charset=utf-8")
    assert missing.status_code == 404
