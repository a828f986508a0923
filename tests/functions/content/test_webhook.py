"""POST /api/content/webhook through the real http_api handler: GitHub's signed pushes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, select

from roundtable.content.github import sign_github_body
from roundtable.db.tables import jobs
from tests.functions.browser import Browser

SECRET = "webhook-test-secret-0123456789"
SHA = "3f786850e387550fdab836ed7e6dc881de23001b"


@pytest.fixture
def api(
    function: Any, lambda_context: Any, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> Browser:
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("GITHUB_CONTENT_BRANCH", "main")
    return Browser(function("http_api").handler, lambda_context)


def _push(ref: str = "refs/heads/main", sha: str = SHA) -> str:
    return json.dumps(
        {
            "ref": ref,
            "after": sha,
            "deleted": False,
            "repository": {"full_name": "acme/course"},
            "pusher": {"name": "octo"},
        }
    )


def _send(api: Browser, body: str, signature: str | None, event: str = "push") -> Any:
    headers = {"content-type": "application/json", "x-github-event": event}
    if signature is not None:
        headers["x-hub-signature-256"] = signature
    return api.call("POST", "/api/content/webhook", body, headers=headers)


def _jobs(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(jobs)))


def test_a_signed_push_to_the_content_branch_queues_one_build_of_that_commit(
    api: Browser, engine: Engine
) -> None:
    body = _push()
    answer = _send(api, body, sign_github_body(body.encode(), SECRET))

    assert answer.status == 202, answer.body
    assert answer.json()["status"] == "queued" and answer.json()["sha"] == SHA
    (job,) = _jobs(engine)
    assert (job.kind, job.payload, job.dedup_key) == (
        "build_content",
        {"sha": SHA, "requested_by": "push to main by octo"},  # the admin page's "who"
        f"build_content:{SHA}",
    )
    assert answer.json()["job_id"] == job.id
    assert answer.json()["status_url"] == f"/api/jobs/{job.id}"


def test_the_same_push_delivered_twice_queues_one_build(api: Browser, engine: Engine) -> None:
    body = _push()
    signature = sign_github_body(body.encode(), SECRET)
    first, second = _send(api, body, signature), _send(api, body, signature)
    assert first.json()["job_id"] == second.json()["job_id"]
    assert len(_jobs(engine)) == 1


def test_a_bad_signature_is_a_401_and_queues_nothing(api: Browser, engine: Engine) -> None:
    body = _push()
    answer = _send(api, body, sign_github_body(body.encode(), "someone-elses-secret"))
    assert answer.status == 401
    assert answer.error["code"] == "unauthenticated"
    assert "does not match" in answer.error["message"]
    assert _jobs(engine) == []


def test_a_body_changed_after_signing_is_a_401(api: Browser, engine: Engine) -> None:
    signature = sign_github_body(_push().encode(), SECRET)
    assert _send(api, _push(sha="0" * 39 + "1"), signature).status == 401
    assert _jobs(engine) == []


def test_a_missing_signature_is_a_401(api: Browser, engine: Engine) -> None:
    answer = _send(api, _push(), None)
    assert answer.status == 401
    assert "X-Hub-Signature-256" in answer.error["message"]
    assert _jobs(engine) == []


def test_a_push_to_another_branch_is_accepted_and_ignored(api: Browser, engine: Engine) -> None:
    body = _push(ref="refs/heads/drafts")
    answer = _send(api, body, sign_github_body(body.encode(), SECRET))
    assert answer.status == 202
    assert answer.json()["status"] == "ignored"
    assert "drafts" in answer.json()["message"]
    assert _jobs(engine) == []


def test_githubs_ping_is_accepted_and_ignored(api: Browser, engine: Engine) -> None:
    body = json.dumps({"zen": "Keep it logically awesome.", "hook_id": 1})
    answer = _send(api, body, sign_github_body(body.encode(), SECRET), event="ping")
    assert answer.status == 202 and answer.json()["status"] == "ignored"
    assert _jobs(engine) == []


def test_a_signed_body_that_is_not_json_is_a_400(api: Browser, engine: Engine) -> None:
    body = "payload=%7B%7D"  # the form encoding GitHub offers; we need application/json
    answer = _send(api, body, sign_github_body(body.encode(), SECRET))
    assert answer.status == 400
    assert answer.error["code"] == "bad_request"
    assert _jobs(engine) == []


def test_without_a_configured_secret_every_delivery_is_a_503(
    api: Browser, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_WEBHOOK_SECRET")
    body = _push()
    answer = _send(api, body, sign_github_body(body.encode(), ""))
    assert answer.status == 503
    assert "GITHUB_WEBHOOK_SECRET" in answer.error["message"]
    assert _jobs(engine) == []
