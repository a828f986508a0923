"""Rate-limit bookkeeping with a hand-driven clock."""

from __future__ import annotations

import pytest

from roundtable.discord.ratelimit import (
    ErrorBudget,
    ErrorBudgetExhaustedError,
    RateLimiter,
    route_of,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("post", "/channels/42/messages", ("POST /channels/{id}/messages", "42")),
        ("GET", "/guilds/7/members?limit=5", ("GET /guilds/{id}/members", "7")),
        (
            "PATCH",
            "/webhooks/11/aW50ZXJhY3Rpb24/messages/@original",
            ("PATCH /webhooks/{id}/{token}/messages/@original", "11/aW50ZXJhY3Rpb24"),
        ),
        ("PUT", "/applications/11/commands", ("PUT /applications/{id}/commands", "")),
        ("POST", "/users/@me/channels", ("POST /users/@me/channels", "")),
    ],
)
def test_routes_keep_the_major_parameter_and_hide_ids_and_tokens(
    method: str, path: str, expected: tuple[str, str]
) -> None:
    assert route_of(method, path) == expected


def test_no_wait_until_a_bucket_reports_nothing_remaining() -> None:
    clock = Clock()
    limiter = RateLimiter(clock)
    headers = {
        "x-ratelimit-bucket": "abc",
        "x-ratelimit-remaining": "1",
        "x-ratelimit-reset-after": "2",
    }
    limiter.update("POST", "/channels/1/messages", headers)
    assert limiter.delay("POST", "/channels/1/messages") == 0
    limiter.update("POST", "/channels/1/messages", {**headers, "x-ratelimit-remaining": "0"})
    assert limiter.delay("POST", "/channels/1/messages") == pytest.approx(2.0)
    clock.now += 2.5
    assert limiter.delay("POST", "/channels/1/messages") == 0


def test_routes_sharing_a_bucket_hash_share_the_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(clock)
    exhausted = {
        "x-ratelimit-bucket": "shared",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset-after": "3",
    }
    limiter.update("PATCH", "/channels/1/messages/5", exhausted)
    limiter.update("DELETE", "/channels/1/messages/6", {**exhausted, "x-ratelimit-remaining": "4"})
    # Both routes map to bucket "shared" on channel 1; the later answer wins.
    assert limiter.delay("PATCH", "/channels/1/messages/9") == 0
    limiter.update("DELETE", "/channels/1/messages/6", exhausted)
    assert limiter.delay("PATCH", "/channels/1/messages/9") == pytest.approx(3.0)
    assert limiter.delay("PATCH", "/channels/2/messages/9") == 0


def test_a_global_block_applies_to_authenticated_calls_only() -> None:
    clock = Clock()
    limiter = RateLimiter(clock)
    limiter.block_global(1.5)
    assert limiter.delay("GET", "/guilds/1/roles") == pytest.approx(1.5)
    assert limiter.delay("POST", "/webhooks/1/tok", include_global=False) == 0


def test_malformed_headers_are_ignored() -> None:
    limiter = RateLimiter(Clock())
    limiter.update(
        "GET", "/guilds/1", {"x-ratelimit-remaining": "lots", "x-ratelimit-reset-after": "1"}
    )
    assert limiter.delay("GET", "/guilds/1") == 0


def test_error_budget_slides_with_time() -> None:
    clock = Clock()
    budget = ErrorBudget(clock, limit=2, window=600)
    budget.record(401)
    clock.now += 300
    budget.record(403)
    with pytest.raises(ErrorBudgetExhaustedError, match="2 responses with status 401/403/429"):
        budget.check()
    clock.now += 301  # the first failure left the window
    budget.check()
    assert budget.used() == 1


def test_error_budget_ignores_other_statuses_and_shared_429s() -> None:
    budget = ErrorBudget(Clock(), limit=1)
    for status in (200, 204, 400, 404, 500):
        budget.record(status)
    budget.record(429, "shared")
    assert budget.used() == 0
    budget.record(429, "user")
    assert budget.used() == 1
