"""Discord rate-limit bookkeeping: per-route buckets, the global limit, an error budget.

Discord says not to hard-code limits but to read them from response headers:
`X-RateLimit-Bucket` names a bucket shared by similar routes, `-Remaining` and
`-Reset-After` say how many calls are left and for how long. Buckets are
counted separately per top-level resource (channel, guild, webhook), so the
key is (bucket, major parameter). See docs/discord.md.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Clock = Callable[[], float]

# Top-level resources Discord counts limits by (the "major parameters").
_MAJOR_RESOURCES = ("channels", "guilds", "webhooks")
_SNOWFLAKE = re.compile(r"^\d{1,20}$")

# Discord bans an IP for a while after 10,000 401/403/429 answers in 10 minutes.
DISCORD_INVALID_REQUEST_LIMIT = 10_000
ERROR_BUDGET_WINDOW_SECONDS = 600.0
DEFAULT_ERROR_BUDGET = 500


class ErrorBudgetExhaustedError(RuntimeError):
    """Too many 401/403/429 answers recently: further calls are refused."""


class RateBudgetUnavailableError(RuntimeError):
    """The shared rate budget (Postgres) could not be asked: no permit, try later."""


def route_of(method: str, path: str) -> tuple[str, str]:
    """(route template, major parameter) of a request, e.g. ("GET /channels/{id}", "123").

    Webhook tokens are replaced in the template, so a template is also safe
    to show in logs and error messages.
    """
    parts = [p for p in path.split("?")[0].split("/") if p]
    template: list[str] = []
    major = ""
    for index, part in enumerate(parts):
        previous = parts[index - 1] if index else ""
        before_previous = parts[index - 2] if index > 1 else ""
        if before_previous == "webhooks" and template and template[-1] == "{id}":
            template.append("{token}")
            major = f"{major}/{part}" if major else part
        elif _SNOWFLAKE.match(part):
            template.append("{id}")
            if previous in _MAJOR_RESOURCES and not major:
                major = part
        else:
            template.append(part)
    return f"{method.upper()} /{'/'.join(template)}", major


# Discord allows a bot 50 requests per second in all (interaction webhooks aside).
# A process paces its calls 1/rate apart and lets one call run ahead of the pace,
# so in any second it starts at most rate + 2 calls: 48 for one process gives 50;
# processes sending at once divide the 50 between them (docs/notifications.md,
# "Sending at scale").
DISCORD_GLOBAL_LIMIT_PER_SECOND = 50
DEFAULT_GLOBAL_RATE = 48.0


def most_calls_in_a_second(rate: float) -> int:
    """The most calls a process pacing at `rate` starts in any one second."""
    return int(rate) + 2


@dataclass
class _Bucket:
    remaining: int
    reset_at: float
    limit: int | None = None  # X-RateLimit-Limit, to refill the bucket when it resets
    window: float = 0.0  # the longest Reset-After seen: how long a fresh window lasts


class RateLimiter:
    """Remembers buckets from response headers and says how long to wait before a call.

    Safe to share between threads: `reserve` takes a call's place in its bucket and
    in the global pace under one lock, so N threads never all spend the last call
    a bucket has left, and together they stay under `global_rate` calls a second.
    """

    # Calls from one process keep their order: a slot woken up from late is still used.
    slot_slack: float | None = None

    def __init__(self, clock: Clock, global_rate: float | None = DEFAULT_GLOBAL_RATE) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._route_buckets: dict[str, str] = {}
        self._buckets: dict[str, _Bucket] = {}
        self._global_reset_at = 0.0
        # The pace (a generic cell rate algorithm): calls are due 1/global_rate apart
        # from `_due`, and one may start an interval ahead of its due time.
        self._interval = 1.0 / global_rate if global_rate else 0.0
        self._due = 0.0

    def delay(self, method: str, path: str, *, include_global: bool = True) -> float:
        """Seconds to wait before this call may go out (0 when it may go now); reserves nothing."""
        now = self._clock()
        with self._lock:
            wait = self._bucket_wait_locked(self._key_locked(method, path), now)
            if include_global:
                wait = max(wait, self._global_reset_at - now)
        return max(wait, 0.0)

    def reserve(self, method: str, path: str, *, include_global: bool = True) -> tuple[float, bool]:
        """(seconds to wait, reserved). Reserved: the call holds a place in its bucket and
        in the global pace and may go after the wait. Not reserved: a bucket is empty or
        a 429 blocks; wait, then ask again."""
        now = self._clock()
        with self._lock:
            key = self._key_locked(method, path)
            wait = self._bucket_wait_locked(key, now)
            if include_global:
                wait = max(wait, self._global_reset_at - now)
            if wait > 0:
                return wait, False
            bucket = self._buckets.get(key)
            if bucket is not None:
                bucket.remaining -= 1
            if not include_global or not self._interval:
                return 0.0, True
            due = max(self._due, now)
            start = max(now, due - self._interval)
            self._due = due + self._interval
            return start - now, True

    def update(self, method: str, path: str, headers: Mapping[str, str]) -> None:
        """Record the bucket state a response's X-RateLimit-* headers report."""
        remaining, reset_after = (
            headers.get("x-ratelimit-remaining"),
            headers.get("x-ratelimit-reset-after"),
        )
        route, _ = route_of(method, path)
        with self._lock:
            if headers.get("x-ratelimit-bucket"):
                self._route_buckets[route] = headers["x-ratelimit-bucket"]
            if remaining is None or reset_after is None:
                return
            try:
                now = self._clock()
                reported = _Bucket(int(remaining), now + float(reset_after))
                limit = headers.get("x-ratelimit-limit")
                reported.limit = int(limit) if limit is not None else None
                reported.window = float(reset_after)
            except ValueError:
                return  # a malformed header must not break the call that carried it
            key = self._key_locked(method, path)
            self._buckets[key] = _merged(self._buckets.get(key), reported, now)

    def block_route(self, method: str, path: str, seconds: float) -> None:
        """After a 429 on this route: no calls on its bucket for `seconds`."""
        with self._lock:
            key = self._key_locked(method, path)
            known = self._buckets.get(key)
            self._buckets[key] = _Bucket(
                0,
                self._clock() + seconds,
                known.limit if known else None,
                max(known.window if known else 0.0, seconds),
            )

    def block_global(self, seconds: float) -> None:
        """After a global 429: no authenticated calls at all for `seconds`."""
        with self._lock:
            self._global_reset_at = max(self._global_reset_at, self._clock() + seconds)

    def _bucket_wait_locked(self, key: str, now: float) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        if now >= bucket.reset_at and bucket.limit:
            # A new window began: refill, assuming it lasts as long as the last one.
            bucket.remaining, bucket.reset_at = bucket.limit, now + bucket.window
        if bucket.remaining <= 0:
            return max(bucket.reset_at - now, 0.0)
        return 0.0

    def _key_locked(self, method: str, path: str) -> str:
        route, major = route_of(method, path)
        return f"{self._route_buckets.get(route, route)}|{major}"


def _merged(known: _Bucket | None, reported: _Bucket, now: float) -> _Bucket:
    """Headers describe the bucket when Discord answered, not counting calls still in
    flight: within the same window keep the lower count (our reservations), a later
    window replaces it."""
    if known is None or now >= known.reset_at or reported.reset_at > known.reset_at + 0.5:
        return reported
    reported.remaining = min(known.remaining, reported.remaining)
    reported.reset_at = max(known.reset_at, reported.reset_at)
    reported.window = max(known.window, reported.window)
    return reported


class ErrorBudget:
    """Counts 401/403/429 answers in a sliding window and refuses calls past a limit.

    Discord restricts an IP after 10,000 such answers in 10 minutes; a bug that
    loops on a failing call would get there quickly. The default limit is far
    below so several Lambda environments sharing an IP stay under it too.
    429s with `X-RateLimit-Scope: shared` do not count (Discord excludes them).
    """

    def __init__(
        self,
        clock: Clock,
        limit: int = DEFAULT_ERROR_BUDGET,
        window: float = ERROR_BUDGET_WINDOW_SECONDS,
    ) -> None:
        self._clock = clock
        self.limit = limit
        self.window = window
        self._failures: deque[float] = deque()
        self._lock = threading.Lock()

    def record(self, status: int, scope: str | None = None) -> None:
        """Count this answer if it is one Discord counts as invalid."""
        if status in (401, 403) or (status == 429 and scope != "shared"):
            with self._lock:
                self._failures.append(self._clock())

    def used(self) -> int:
        """How many invalid answers fall in the current window."""
        cutoff = self._clock() - self.window
        with self._lock:
            while self._failures and self._failures[0] <= cutoff:
                self._failures.popleft()
            return len(self._failures)

    def check(self) -> None:
        """Raise ErrorBudgetExhaustedError when the window already holds `limit` failures."""
        used = self.used()
        if used >= self.limit:
            raise ErrorBudgetExhaustedError(
                f"refusing Discord calls: {used} responses with status 401/403/429 in the last "
                f"{int(self.window)} s (budget {self.limit}); Discord restricts clients at "
                f"{DISCORD_INVALID_REQUEST_LIMIT}. Fix the failing call (bad token? missing "
                "permission?) and retry later."
            )
