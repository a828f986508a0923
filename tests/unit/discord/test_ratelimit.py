"""Rate-limit bookkeeping with a hand-driven clock."""

from __future__ import annotations

import pytest

from roundtable.discord.ratelimit import (
    DISCORD_GLOBAL_LIMIT_PER_SECOND,
    ErrorBudget,
    ErrorBudgetExhaustedError,
    RateLimiter,
    most_calls_in_a_second,
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
    limiter.update("PATCH", "/channels/1/messages/5", {**exhausted, "x-ratelimit-remaining": "4"})
    assert limiter.delay("PATCH", "/channels/1/messages/9") == 0
    limiter.update("DELETE", "/channels/1/messages/6", exhausted)
    # Both routes map to bucket "shared" on channel 1.
    assert limiter.delay("PATCH", "/channels/1/messages/9") == pytest.approx(3.0)
    assert limiter.delay("PATCH", "/channels/2/messages/9") == 0


def test_within_a_window_the_lowest_count_holds_and_a_new_window_replaces_it() -> None:
    """Answers to calls in flight arrive in any order: a count only falls within a window."""
    clock = Clock()
    limiter = RateLimiter(clock)
    headers = {"x-ratelimit-bucket": "b", "x-ratelimit-limit": "5", "x-ratelimit-reset-after": "3"}
    limiter.update("POST", "/channels/1/messages", {**headers, "x-ratelimit-remaining": "0"})
    limiter.update("POST", "/channels/1/messages", {**headers, "x-ratelimit-remaining": "3"})
    assert limiter.delay("POST", "/channels/1/messages") == pytest.approx(3.0)
    clock.now += 3.1  # the window reset: the bucket refills to its limit
    assert limiter.reserve("POST", "/channels/1/messages", include_global=False) == (0.0, True)
    limiter.update("POST", "/channels/1/messages", {**headers, "x-ratelimit-remaining": "4"})
    assert limiter.delay("POST", "/channels/1/messages") == 0


def test_reservations_spend_a_bucket_before_discord_answers() -> None:
    """Threads sharing a client: the last call a bucket has is given to one of them only."""
    clock = Clock()
    limiter = RateLimiter(clock, global_rate=None)
    headers = {"x-ratelimit-remaining": "2", "x-ratelimit-reset-after": "1"}
    limiter.update("POST", "/channels/1/messages", headers)
    answers = [limiter.reserve("POST", "/channels/1/messages") for _ in range(3)]
    assert answers[:2] == [(0.0, True), (0.0, True)]
    assert answers[2][1] is False and answers[2][0] == pytest.approx(1.0)


def test_the_global_pace_spaces_calls_and_lets_one_run_ahead() -> None:
    clock = Clock()
    limiter = RateLimiter(clock, global_rate=10)
    waits = [limiter.reserve("POST", f"/channels/{n}/messages")[0] for n in range(5)]
    assert waits == pytest.approx([0.0, 0.0, 0.1, 0.2, 0.3])
    assert most_calls_in_a_second(48) == DISCORD_GLOBAL_LIMIT_PER_SECOND


def test_the_pace_holds_across_threads() -> None:
    """Many threads reserving at once: start times stay 1/rate apart (plus one ahead)."""
    import threading

    clock = Clock()
    limiter = RateLimiter(clock, global_rate=20)
    waits: list[float] = []
    lock = threading.Lock()

    def reserve() -> None:
        for n in range(25):
            wait, reserved = limiter.reserve("POST", f"/channels/{n}/messages")
            assert reserved
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=reserve) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    starts = sorted(waits)
    assert len(starts) == 200
    assert sum(1 for start in starts if start < 0.999) == most_calls_in_a_second(20) - 1


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
