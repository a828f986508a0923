"""One Discord rate budget per bot, shared by every worker through Postgres.

Discord's limits belong to the bot, not to a process: 50 requests a second in
all, per-route buckets, and a temporary ban after 10,000 invalid (401/403/429)
answers in 10 minutes. Lambda runs many environments at once (publish's one
worker per group, reminders' send_batch instances), so the bookkeeping that
`ratelimit.RateLimiter` keeps in memory lives here in four small tables
instead (docs/discord.md, "One rate budget per bot"):

- `discord_rate_budget`, one row per bot: the global pace as the next free
  send slot (a generic cell rate algorithm: each call takes the slot and moves
  it 1/rate on, so calls start 1/rate apart whichever worker sends them), and
  `halted_until` when the invalid-request guard tripped.
- `discord_rate_buckets`: each bucket's calls left and when it resets, learnt
  from `X-RateLimit-*` headers, keyed by (bucket, major parameter).
- `discord_rate_routes`: which bucket a route belongs to (`X-RateLimit-Bucket`).
- `discord_invalid_requests`: 401/403/429 answers per minute.

A call costs one statement (`permit`): it takes a place in its bucket, if the
bucket has one, and then a global slot, atomically, and answers how long to
wait. Answers correct the shared state only when they know better than it
(a lower count, a later reset, a bucket seen for the first time), so most calls
need no second statement. Times are Unix seconds from the caller's clock (the
wall clock: Lambda environments keep it within milliseconds of each other).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import TextClause, text
from sqlalchemy.exc import SQLAlchemyError

from roundtable import telemetry
from roundtable.discord.ratelimit import (
    DEFAULT_ERROR_BUDGET,
    DISCORD_INVALID_REQUEST_LIMIT,
    ERROR_BUDGET_WINDOW_SECONDS,
    Clock,
    ErrorBudgetExhaustedError,
    RateBudgetUnavailableError,
    RateLimiter,
    route_of,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

logger = logging.getLogger(__name__)

# A bucket thought to have reset is refilled this long after its reset time:
# Discord's window starts when its first call arrives, a little after we sent it.
_RESET_GUARD_SECONDS = 0.05
_MINUTE = 60

_PERMIT = """
WITH bucket AS (
    -- A bucket past its reset is refilled; its new window starts when this call reaches
    -- Discord, at the global slot it is about to take, not now.
    UPDATE discord_rate_buckets b
    SET granted = (b.reset_at + :guard <= :now OR b.remaining > 0),
        remaining = CASE
            WHEN b.reset_at + :guard <= :now THEN COALESCE(b.bucket_limit, 1) - 1
            WHEN b.remaining > 0 THEN b.remaining - 1
            ELSE 0 END,
        reset_at = CASE
            WHEN b.reset_at + :guard <= :now THEN b.window_seconds + GREATEST(:now, COALESCE(
                (SELECT g.next_slot FROM discord_rate_budget g WHERE g.bot = :bot), :now))
            ELSE b.reset_at END
    WHERE b.bot = :bot AND b.major = :major
      AND b.bucket = COALESCE(
          (SELECT r.bucket FROM discord_rate_routes r WHERE r.bot = :bot AND r.route = :route),
          :route)
    RETURNING b.granted, b.remaining, b.reset_at
),
pace AS (
    INSERT INTO discord_rate_budget AS g (bot, next_slot, halted_until)
    SELECT :bot, :now + :interval, 0
    WHERE NOT EXISTS (SELECT 1 FROM bucket WHERE NOT bucket.granted)
    ON CONFLICT (bot) DO UPDATE SET next_slot = GREATEST(g.next_slot, :now) + :interval
    WHERE GREATEST(g.next_slot, :now) - :now <= :max_wait AND g.halted_until <= :now
    RETURNING g.next_slot - :interval AS slot
)
SELECT (SELECT slot FROM pace) AS slot,
       (SELECT granted FROM bucket) AS bucket_granted,
       (SELECT remaining FROM bucket) AS bucket_remaining,
       (SELECT reset_at FROM bucket) AS bucket_reset_at,
       g.next_slot, g.halted_until, g.halted_reason
FROM (SELECT 1) AS one
LEFT JOIN discord_rate_budget g ON g.bot = :bot
"""

# Headers describe the bucket when Discord answered, not counting calls still in
# flight: within the same window keep the lower count, a later window replaces it.
_LEARN = """
WITH route AS (
    INSERT INTO discord_rate_routes (bot, route, bucket) VALUES (:bot, :route, :bucket)
    ON CONFLICT (bot, route) DO UPDATE SET bucket = EXCLUDED.bucket
    WHERE discord_rate_routes.bucket <> EXCLUDED.bucket
)
INSERT INTO discord_rate_buckets AS b
    (bot, bucket, major, remaining, bucket_limit, reset_at, window_seconds, granted)
VALUES (:bot, :bucket, :major, :remaining, :bucket_limit, :reset_at, :window, true)
ON CONFLICT (bot, bucket, major) DO UPDATE SET
    remaining = CASE WHEN :now >= b.reset_at OR EXCLUDED.reset_at > b.reset_at + 0.5
        THEN EXCLUDED.remaining ELSE LEAST(b.remaining, EXCLUDED.remaining) END,
    reset_at = CASE WHEN :now >= b.reset_at OR EXCLUDED.reset_at > b.reset_at + 0.5
        THEN EXCLUDED.reset_at ELSE GREATEST(b.reset_at, EXCLUDED.reset_at) END,
    bucket_limit = COALESCE(EXCLUDED.bucket_limit, b.bucket_limit),
    window_seconds = GREATEST(b.window_seconds, EXCLUDED.window_seconds)
"""

_BLOCK_ROUTE = """
INSERT INTO discord_rate_buckets AS b
    (bot, bucket, major, remaining, bucket_limit, reset_at, window_seconds, granted)
VALUES (:bot, COALESCE(
            (SELECT r.bucket FROM discord_rate_routes r WHERE r.bot = :bot AND r.route = :route),
            :route),
        :major, 0, NULL, :until, 0, false)
ON CONFLICT (bot, bucket, major) DO UPDATE SET
    remaining = 0, reset_at = GREATEST(b.reset_at, EXCLUDED.reset_at)
"""

_BLOCK_GLOBAL = """
INSERT INTO discord_rate_budget AS g (bot, next_slot, halted_until) VALUES (:bot, :until, 0)
ON CONFLICT (bot) DO UPDATE SET next_slot = GREATEST(g.next_slot, EXCLUDED.next_slot)
"""

# Counts one invalid answer in its minute and answers the window's total (the
# statement's snapshot does not see its own insert, hence `+ counted.count`).
_RECORD_INVALID = """
WITH counted AS (
    INSERT INTO discord_invalid_requests AS i (bot, minute, count) VALUES (:bot, :minute, 1)
    ON CONFLICT (bot, minute) DO UPDATE SET count = i.count + 1
    RETURNING i.count
),
expired AS (
    DELETE FROM discord_invalid_requests WHERE bot = :bot AND minute <= :minute - :minutes
)
SELECT (SELECT count FROM counted) + COALESCE((
           SELECT SUM(count) FROM discord_invalid_requests
           WHERE bot = :bot AND minute > :minute - :minutes AND minute < :minute), 0) AS used,
       (SELECT MIN(minute) FROM discord_invalid_requests
        WHERE bot = :bot AND minute > :minute - :minutes) AS oldest
"""

_USED = """
SELECT COALESCE(SUM(count), 0) AS used FROM discord_invalid_requests
WHERE bot = :bot AND minute > :minute - :minutes
"""

_HALT = """
INSERT INTO discord_rate_budget AS g (bot, next_slot, halted_until, halted_reason)
VALUES (:bot, 0, :until, :reason)
ON CONFLICT (bot) DO UPDATE SET halted_until = GREATEST(g.halted_until, EXCLUDED.halted_until),
    halted_reason = EXCLUDED.halted_reason
"""


# pg8000 sends parameters untyped, and `unknown + unknown` has no operator: the
# numeric parameters are cast where the statements are compiled.
_SECONDS_PARAMS = ("now", "interval", "max_wait", "guard", "reset_at", "window", "until")
_INTEGER_PARAMS = ("remaining", "bucket_limit", "minute", "minutes")


@functools.cache
def _typed(sql: str) -> TextClause:
    for name in _SECONDS_PARAMS:
        sql = re.sub(rf":{name}\b", f"CAST(:{name} AS double precision)", sql)
    for name in _INTEGER_PARAMS:
        sql = re.sub(rf":{name}\b", f"CAST(:{name} AS bigint)", sql)
    return text(sql)


def bot_key(token: str) -> str:
    """The bot's name in the budget tables: a digest of its token, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Permit:
    """What `permit` answered: wait `wait` seconds and send (granted), or ask again.
    A granted permit's wait is negative when its slot has already passed."""

    wait: float
    granted: bool
    bucket_known: bool
    bucket_remaining: int | None
    bucket_reset_at: float | None


class SharedRateBudget:
    """The bot's rate limits and invalid-request guard, kept in Postgres for all workers.

    It answers the `RateLimiter` and `ErrorBudget` calls the REST client makes
    (reserve, update, block_route, block_global; check, record, used), so a
    client runs on either. Interaction webhooks (`include_global=False`) are
    limited per interaction token and outside the global limit: they stay with
    a limiter in memory.
    """

    # A worker that wakes up for its slot later than this takes a new one (client.py):
    # calls paced after it may have gone meanwhile, from other workers. At 45 calls a
    # second against Discord's 50, a second holds 45 x (1 + lateness) + 1 calls at
    # most: 50 up to 89 ms late.
    slot_slack: float | None = 0.08

    def __init__(
        self,
        engine: Engine,
        bot: str,
        *,
        global_rate: float,
        max_wait: float = 30.0,
        clock: Clock = time.time,
        limit: int = DEFAULT_ERROR_BUDGET,
        window: float = ERROR_BUDGET_WINDOW_SECONDS,
    ) -> None:
        # Each statement is its own short transaction: the bot's row lock is held only
        # while it runs. (Not AUTOCOMMIT: pg8000 keeps a transaction the pool's pre-ping
        # opened, and the rollback on check-in would undo the statement.)
        self._engine = engine
        self.bot = bot
        self.interval = 1.0 / global_rate
        self.max_wait = max_wait
        self._clock = clock
        self.limit = limit
        self.window = window
        self._local = RateLimiter(clock, None)
        self._last = threading.local()  # the permit of this thread's call in flight
        self._known_routes: dict[str, str] = {}  # route -> bucket, as last learnt here
        self.statements = 0  # statements run, for the benchmark
        self.learnt = 0  # of them, corrections from headers

    # -- the rate limiter's side -----------------------------------------------
    def permit(self, method: str, path: str) -> Permit:
        """Take a place in the call's bucket and a global slot; how long to wait."""
        route, major = route_of(method, path)
        now = self._clock()
        row = self._one(
            _PERMIT,
            bot=self.bot,
            route=route,
            major=major,
            now=now,
            interval=self.interval,
            max_wait=self.max_wait,
            guard=_RESET_GUARD_SECONDS,
        )
        known = row["bucket_granted"] is not None
        common = {
            "bucket_known": known,
            "bucket_remaining": row["bucket_remaining"],
            "bucket_reset_at": row["bucket_reset_at"],
        }
        if row["slot"] is not None:
            # From the clock after the statement: one that waited for the bot's row
            # lock may answer a slot already past (negative; the client takes another).
            return Permit(float(row["slot"]) - self._clock(), True, **common)
        if known and not row["bucket_granted"]:
            return Permit(max(float(row["bucket_reset_at"]) - now, 0.0), False, **common)
        halted_until = float(row["halted_until"] or 0.0)
        if halted_until > now:
            reason = _halted_message(row["halted_reason"], halted_until - now)
            raise ErrorBudgetExhaustedError(reason)
        # The next global slot is further away than a call may wait.
        return Permit(max(float(row["next_slot"] or now) - now, 0.0), False, **common)

    def reserve(self, method: str, path: str, *, include_global: bool = True) -> tuple[float, bool]:
        """(seconds to wait, reserved), as `RateLimiter.reserve` answers."""
        if not include_global:
            return self._local.reserve(method, path, include_global=False)
        permit = self.permit(method, path)
        self._last.permit = (method, path, permit)
        if permit.wait > 0:
            # Every worker waits here when the bot's 45 a second are spent: the metric says
            # how much of the fleet's time went to waiting (the alarm: docs/operations.md).
            telemetry.count("DiscordPermitWaits")
            telemetry.count("DiscordPermitWaitSeconds", min(permit.wait, self.max_wait))
        return permit.wait, permit.granted

    def update(self, method: str, path: str, headers: Mapping[str, str]) -> None:
        """Correct the shared bucket from an answer's headers, when it knows better."""
        if _is_interaction_webhook(path):
            self._local.update(method, path, headers)
            return
        learnt = _reported(headers, self._clock())
        if learnt is None:
            return
        route, major = route_of(method, path)
        bucket = headers.get("x-ratelimit-bucket") or route
        if not self._worth_learning(method, path, route, bucket, learnt):
            return
        self.learnt += 1
        self._execute(
            _LEARN,
            bot=self.bot,
            route=route,
            bucket=bucket,
            major=major,
            now=learnt.now,
            remaining=learnt.remaining,
            bucket_limit=learnt.limit,
            reset_at=learnt.reset_at,
            window=learnt.window,
        )
        self._known_routes[route] = bucket

    def block_route(self, method: str, path: str, seconds: float) -> None:
        """After a 429 on a route: no worker calls its bucket for `seconds`."""
        if _is_interaction_webhook(path):
            self._local.block_route(method, path, seconds)
            return
        route, major = route_of(method, path)
        until = self._clock() + seconds
        self._execute(_BLOCK_ROUTE, bot=self.bot, route=route, major=major, until=until)

    def block_global(self, seconds: float) -> None:
        """After a global 429: no worker's next slot comes before `seconds` from now."""
        self._execute(_BLOCK_GLOBAL, bot=self.bot, until=self._clock() + seconds)

    # -- the error budget's side -----------------------------------------------
    def check(self) -> None:
        """Nothing to do: `permit` refuses while the guard holds (one statement a call)."""

    def record(self, status: int, scope: str | None = None) -> None:
        """Count an invalid answer for the whole bot; past the limit, halt every worker."""
        if not (status in (401, 403) or (status == 429 and scope != "shared")):
            return
        # Counted before the shared count, which may fail: the alarm watches the ban threshold.
        telemetry.count("DiscordInvalidRequests", Status=status)
        now = self._clock()
        minute = int(now // _MINUTE)
        minutes = math.ceil(self.window / _MINUTE)
        try:
            row = self._one(_RECORD_INVALID, bot=self.bot, minute=minute, minutes=minutes)
        except RateBudgetUnavailableError:
            logger.warning("could not count an invalid Discord answer", exc_info=True)
            return
        used = int(row["used"])
        if used < self.limit:
            return
        # Halted until the oldest counted minute leaves the window; a failure after
        # that, with the window still full, halts again.
        until = (int(row["oldest"] or minute) + minutes + 1) * _MINUTE
        reason = (
            f"{used} responses with status 401/403/429 in the last {int(self.window)} s "
            f"(budget {self.limit})"
        )
        self._execute(_HALT, bot=self.bot, until=float(until), reason=reason)
        logger.error("Discord calls halted for every worker of this bot: %s", reason)

    def used(self) -> int:
        """How many invalid answers the bot got in the current window."""
        minute = int(self._clock() // _MINUTE)
        minutes = math.ceil(self.window / _MINUTE)
        row = self._one(_USED, bot=self.bot, minute=minute, minutes=minutes)
        return int(row["used"])

    # -- internals -------------------------------------------------------------
    def _worth_learning(
        self, method: str, path: str, route: str, bucket: str, learnt: _Reported
    ) -> bool:
        """Whether the headers tell the shared state something it does not know."""
        last = getattr(self._last, "permit", None)
        if last is None or last[:2] != (method, path) or self._known_routes.get(route) != bucket:
            return True
        permit: Permit = last[2]
        if not permit.bucket_known or permit.bucket_remaining is None:
            return True
        # Every bot call takes its place in the shared count before it goes, so Discord's
        # count trails ours (calls in flight) and a lower one says nothing new, unless
        # the bucket is empty. A later reset does: the window began after we assumed.
        return (learnt.remaining == 0 < permit.bucket_remaining) or (
            learnt.reset_at > float(permit.bucket_reset_at or 0.0) + _RESET_GUARD_SECONDS
        )

    def _one(self, sql: str, **params: Any) -> Mapping[str, Any]:
        self.statements += 1
        try:
            with self._engine.begin() as conn:
                return dict(conn.execute(_typed(sql), params).mappings().one())
        except SQLAlchemyError as exc:
            message = f"shared Discord rate budget unavailable: {exc}"
            raise RateBudgetUnavailableError(message) from exc

    def _execute(self, sql: str, **params: Any) -> None:
        """A correction after a call went out: failing it must not fail the call (a
        POST retried for it would post twice), so it is logged and dropped."""
        self.statements += 1
        try:
            with self._engine.begin() as conn:
                conn.execute(_typed(sql), params)
        except SQLAlchemyError:
            logger.warning("could not update the shared Discord rate budget", exc_info=True)


@dataclass(frozen=True)
class _Reported:
    now: float
    remaining: int
    reset_at: float
    window: float
    limit: int | None


def _reported(headers: Mapping[str, str], now: float) -> _Reported | None:
    remaining, reset_after = (
        headers.get("x-ratelimit-remaining"),
        headers.get("x-ratelimit-reset-after"),
    )
    if remaining is None or reset_after is None:
        return None
    try:
        limit = headers.get("x-ratelimit-limit")
        seconds = float(reset_after)
        return _Reported(now, int(remaining), now + seconds, seconds, int(limit) if limit else None)
    except ValueError:
        return None  # a malformed header must not break the call that carried it


def _is_interaction_webhook(path: str) -> bool:
    return path.lstrip("/").startswith("webhooks/")


def _halted_message(reason: str | None, seconds: float) -> str:
    reason = reason or "too many invalid answers"
    return (
        f"refusing Discord calls for another {seconds:.0f} s: {reason}; "
        f"Discord restricts clients at {DISCORD_INVALID_REQUEST_LIMIT}. Fix the failing call "
        "(bad token? missing permission?) and retry later."
    )
