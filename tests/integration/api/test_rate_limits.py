"""Abuse limits: database counters shared by every Lambda environment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from roundtable import ratelimit
from roundtable.db.engine import transaction
from roundtable.db.tables import rate_limits
from roundtable.errors import RateLimitedError
from tests.integration.api.builders import make_user

THREE_PER_MINUTE = ratelimit.Limit("test", 3, 60)
NOON = datetime(2026, 3, 2, 12, 0, 10, tzinfo=UTC)
ORIGIN_SECRET = "origin-secret-for-tests-0123456789abcdef"


def test_a_bucket_allows_its_limit_then_refuses_until_the_window_ends(engine: Engine) -> None:
    for expected in (1, 2, 3):
        assert ratelimit.hit(engine, THREE_PER_MINUTE, "ip:1", NOON) == expected
    with pytest.raises(RateLimitedError, match="3 per 60 s") as refused:
        ratelimit.hit(engine, THREE_PER_MINUTE, "ip:1", NOON)
    assert refused.value.retry_after == 50
    assert ratelimit.hit(engine, THREE_PER_MINUTE, "ip:2", NOON) == 1  # other buckets unaffected
    assert ratelimit.hit(engine, THREE_PER_MINUTE, "ip:1", NOON + timedelta(seconds=50)) == 1


def test_a_new_window_clears_the_buckets_old_windows(engine: Engine) -> None:
    ratelimit.hit(engine, THREE_PER_MINUTE, "ip:1", NOON)
    ratelimit.hit(engine, THREE_PER_MINUTE, "ip:1", NOON + timedelta(minutes=5))
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(rate_limits)) == 1


def test_racing_requests_never_exceed_the_limit(engine: Engine) -> None:
    allowed: list[int] = []
    start = threading.Barrier(12)

    def request() -> None:
        start.wait()
        try:
            allowed.append(ratelimit.hit(engine, THREE_PER_MINUTE, "ip:race", NOON))
        except RateLimitedError:
            pass

    threads = [threading.Thread(target=request) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(allowed) == [1, 2, 3]


def test_old_windows_are_purged(engine: Engine) -> None:
    ratelimit.hit(engine, THREE_PER_MINUTE, "ip:old", NOON - timedelta(hours=3))
    ratelimit.hit(engine, THREE_PER_MINUTE, "ip:new", NOON)
    with transaction(engine) as conn:
        assert ratelimit.purge_old_windows(conn, NOON) == 1


def test_login_is_limited_per_ip_with_retry_after(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORIGIN_VERIFY_SECRET", ORIGIN_SECRET)
    through_cloudfront = {"x-origin-verify": ORIGIN_SECRET}
    statuses = [
        client.post(
            "/auth/dev-login", json={"display_name": "Bot"}, headers=through_cloudfront
        ).status_code
        for _ in range(ratelimit.LOGIN.hits + 1)
    ]
    assert statuses == [200] * ratelimit.LOGIN.hits + [429]
    refused = client.post(
        "/auth/dev-login", json={"display_name": "Bot"}, headers=through_cloudfront
    )
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["error"]["code"] == "rate_limited"
    viewer = {"cloudfront-viewer-address": "198.51.100.4:4711", **through_cloudfront}
    assert (
        client.post("/auth/dev-login", json={"display_name": "Bot"}, headers=viewer).status_code
        == 200
    )


def test_a_forged_viewer_address_does_not_escape_the_login_limit(client: TestClient) -> None:
    """Finding 1: varying CloudFront-Viewer-Address on requests that did not come through
    CloudFront (no origin secret configured, or none sent) no longer buys new buckets."""
    statuses = [
        client.post(
            "/auth/dev-login",
            json={"display_name": "Bot"},
            headers={"cloudfront-viewer-address": f"198.51.100.{n}:4711"},
        ).status_code
        for n in range(ratelimit.LOGIN.hits + 2)
    ]
    assert statuses[-2:] == [429, 429]


def test_without_the_origin_secret_the_api_refuses_direct_callers(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 1: with the secret configured, the API Gateway URL called directly is a 403."""
    monkeypatch.setenv("ORIGIN_VERIFY_SECRET", ORIGIN_SECRET)
    response = client.post(
        "/auth/dev-login",
        json={"display_name": "Bot"},
        headers={"cloudfront-viewer-address": "198.51.100.9:1"},
    )
    assert response.status_code == 403


def test_refresh_is_limited_per_ip(client: TestClient) -> None:
    statuses = {client.post("/auth/refresh").status_code for _ in range(ratelimit.REFRESH.hits)}
    assert statuses == {401}
    assert client.post("/auth/refresh").status_code == 429


def test_writes_are_limited_per_user_but_reads_are_not(
    engine: Engine, client_for: Callable[[int | None], TestClient]
) -> None:
    with transaction(engine) as conn:
        busy, calm = make_user(conn, "Busy"), make_user(conn, "Calm")
    client = client_for(busy)
    for _ in range(ratelimit.WRITES.hits):
        assert client.patch("/api/users/me", json={"dm_notifications": False}).status_code == 200
    refused = client.patch("/api/users/me", json={"dm_notifications": True})
    assert refused.status_code == 429 and "retry-after" in refused.headers
    assert client.get("/api/users/me").status_code == 200
    assert client_for(calm).patch("/api/users/me", json={}).status_code == 200
