"""GitHub push webhooks: signature and branch checks before any build is queued."""

from __future__ import annotations

import json

import pytest

from roundtable.content.github import (
    BadSignatureError,
    BranchDeletedError,
    IgnoredPushError,
    MalformedPushError,
    MissingSignatureError,
    NotAPushError,
    OtherBranchError,
    PushEvent,
    SignatureError,
    WebhookConfigurationError,
    sign_github_body,
    verify_github_push,
)

SECRET = "webhook-secret-for-tests"
SHA = "3f2a9c1e0b7d4a6f8e5c2b1a0d9e8f7a6b5c4d3e"


def _push(ref: str = "refs/heads/main", after: str = SHA, **extra: object) -> bytes:
    payload = {"ref": ref, "after": after, "repository": {"full_name": "acme/course-content"}}
    return json.dumps({**payload, **extra}).encode()


def test_a_signed_push_to_the_content_branch_gives_the_commit() -> None:
    body = _push()

    event = verify_github_push(body, sign_github_body(body, SECRET), SECRET, "main")

    assert event == PushEvent(repository="acme/course-content", branch="main", sha=SHA)


def test_the_signature_matches_githubs_documented_example() -> None:
    # From GitHub's "Validating webhook deliveries" page: secret and payload below.
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

    assert sign_github_body(b"Hello, World!", "It's a Secret to Everybody") == expected


def test_a_request_without_a_signature_is_refused() -> None:
    with pytest.raises(MissingSignatureError, match="no X-Hub-Signature-256"):
        verify_github_push(_push(), None, SECRET, "main")


def test_a_body_signed_with_another_secret_is_refused() -> None:
    body = _push()

    with pytest.raises(BadSignatureError, match="does not match"):
        verify_github_push(body, sign_github_body(body, "another-secret"), SECRET, "main")


def test_a_body_changed_after_signing_is_refused() -> None:
    signature = sign_github_body(_push(), SECRET)

    with pytest.raises(SignatureError):
        verify_github_push(_push(after="f" * 40), signature, SECRET, "main")


def test_a_push_to_another_branch_is_ignored_and_named() -> None:
    body = _push(ref="refs/heads/draft")

    with pytest.raises(OtherBranchError, match="refs/heads/draft") as caught:
        verify_github_push(body, sign_github_body(body, SECRET), SECRET, "main")

    assert isinstance(caught.value, IgnoredPushError)


def test_a_tag_named_like_the_branch_is_not_the_branch() -> None:
    body = _push(ref="refs/tags/main")

    with pytest.raises(OtherBranchError):
        verify_github_push(body, sign_github_body(body, SECRET), SECRET, "main")


def test_deleting_the_content_branch_builds_nothing() -> None:
    body = _push(after="0" * 40, deleted=True)

    with pytest.raises(BranchDeletedError):
        verify_github_push(body, sign_github_body(body, SECRET), SECRET, "main")


def test_githubs_ping_event_is_ignored() -> None:
    body = json.dumps({"zen": "Keep it logically awesome.", "hook_id": 1}).encode()

    with pytest.raises(NotAPushError, match="zen"):
        verify_github_push(body, sign_github_body(body, SECRET), SECRET, "main")


def test_a_signed_body_that_is_not_json_is_malformed() -> None:
    body = b"payload=%7B%7D"

    with pytest.raises(MalformedPushError, match="not JSON"):
        verify_github_push(body, sign_github_body(body, SECRET), SECRET, "main")


def test_without_a_secret_nothing_is_trusted() -> None:
    body = _push()

    with pytest.raises(WebhookConfigurationError):
        verify_github_push(body, sign_github_body(body, ""), "", "main")
