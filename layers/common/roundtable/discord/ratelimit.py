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


@dataclass
class _Bucket:
    remaining: int
    reset_at: float


class RateLimiter:
    """Remembers buckets from response headers and says how long to wait before a call."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._route_buckets: dict[str, str] = {}
        self._buckets: dict[str, _Bucket] = {}
        self._global_reset_at = 0.0

    def delay(self, method: str, path: str, *, include_global: bool = True) -> float:
        """Seconds to wait before this call may go out (0 when it may go now)."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(self._key_locked(method, path))
            wait = 0.0
            if bucket is not None and bucket.remaining <= 0:
                wait = max(wait, bucket.reset_at - now)
            if include_global:
                wait = max(wait, self._global_reset_at - now)
        return max(wait, 0.0)

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
                bucket = _Bucket(int(remaining), self._clock() + float(reset_after))
            except ValueError:
                return  # a malformed header must not break the call that carried it
            self._buckets[self._key_locked(method, path)] = bucket

    def block_route(self, method: str, path: str, seconds: float) -> None:
        """After a 429 on this route: no calls on its bucket for `seconds`."""
        with self._lock:
            key = self._key_locked(method, path)
            self._buckets[key] = _Bucket(0, self._clock() + seconds)

    def block_global(self, seconds: float) -> None:
        """After a global 429: no authenticated calls at all for `seconds`."""
        with self._lock:
            self._global_reset_at = max(self._global_reset_at, self._clock() + seconds)

    def _key_locked(self, method: str, path: str) -> str:
        route, major = route_of(method, path)
        return f"{self._route_buckets.get(route, route)}|{major}"


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
