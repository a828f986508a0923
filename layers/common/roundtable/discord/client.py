"""The Discord REST client (interactions, sync, notifications use it).

Standard library only (urllib), so the interactions function stays light.
It honours Discord's rate limits from response headers (per-route buckets,
the global limit, 429 `retry_after`), retries a bounded number of times (also
on 5xx, with backoff), and keeps an error budget so that a bug cannot burn
Discord's 10,000-invalid-requests-per-10-minutes limit.

Callers get their client from `roundtable.discord.rest.get_discord_client`,
which picks this client or the outbox one (outbox.py builds on this module,
so this module never imports it).
"""

from __future__ import annotations

import json as jsonlib
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from roundtable import telemetry
from roundtable.discord.ratelimit import (
    DEFAULT_ERROR_BUDGET,
    DEFAULT_GLOBAL_RATE,
    Clock,
    ErrorBudget,
    ErrorBudgetExhaustedError,
    RateBudgetUnavailableError,
    RateLimiter,
    route_of,
)

if TYPE_CHECKING:
    from roundtable.discord.budget import SharedRateBudget

logger = logging.getLogger(__name__)

PROJECT_URL = "https://github.com/roundtable-courses/roundtable"
_RETRYABLE_STATUSES = (500, 502, 503, 504)
_REQUEST_TIMEOUT_SECONDS = 10.0

Transport = Callable[
    [str, str, bytes | None, dict[str, str], float], tuple[int, dict[str, str], bytes]
]


class DiscordApiError(Exception):
    """Discord refused or failed a call; carries the HTTP status and Discord's error code."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        route: str = "",
        retry_after: float | None = None,
        errors: Any = None,
    ) -> None:
        where = f"{route} " if route else ""
        super().__init__(f"Discord {where}failed with {status} (code {code}): {message}")
        self.status = status
        self.code = code
        self.message = message
        self.route = route
        self.retry_after = retry_after
        self.errors = errors

    @property
    def retryable(self) -> bool:
        """A network error (status 0), 429 or 5xx may pass; a 4xx refusal will not."""
        return self.status in (0, 429) or self.status >= 500


class DiscordErrorBudgetError(DiscordApiError):
    """The client refused to call Discord: too many 401/403/429 answers recently."""

    @property
    def retryable(self) -> bool:
        return True  # the budget refills as its window passes


def urllib_transport(
    method: str, url: str, data: bytes | None, headers: dict[str, str], timeout: float
) -> tuple[int, dict[str, str], bytes]:
    """Send one HTTP request with urllib; any status comes back, never raised."""
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _lower(response.headers.items()), response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, _lower(exc.headers.items()), exc.read()


class DiscordRestClient:
    """A Discord REST client with rate limits, bounded retries and an error budget."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        version: str = "0",
        clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        transport: Transport = urllib_transport,
        max_retries: int = 3,
        max_wait: float = 30.0,
        error_budget: int = DEFAULT_ERROR_BUDGET,
        timeout: float = _REQUEST_TIMEOUT_SECONDS,
        global_rate: float | None = DEFAULT_GLOBAL_RATE,
        shared_budget: SharedRateBudget | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.user_agent = f"DiscordBot ({PROJECT_URL}, {version})"
        self._clock = clock
        self.missed_slots = 0  # shared slots given up for waking too late (the benchmark)
        self._sleep = sleep
        self._transport = transport
        self.max_retries = max_retries
        # Never sleep longer than this inside one call: a Lambda has better
        # things to do; the caller gets a 429 error with retry_after instead.
        self.max_wait = max_wait
        self.timeout = timeout
        # The bot's limits: shared by every worker through Postgres (budget.py), or
        # kept in memory for this client, shared by every thread that calls through it.
        self.limiter: RateLimiter | SharedRateBudget
        self.budget: ErrorBudget | SharedRateBudget
        if shared_budget is not None:
            self.limiter = self.budget = shared_budget
        else:
            self.limiter = RateLimiter(clock, global_rate)
            self.budget = ErrorBudget(clock, error_budget)

    # -- the generic call ------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        reason: str | None = None,
        auth: bool = True,
    ) -> Any:
        """Call Discord; the parsed JSON answer, or None for 204 No Content.

        `auth=False` for the interaction webhook endpoints, which the
        interaction token authorises (and which the global limit does not cover).
        Raises DiscordApiError when Discord refuses, after bounded retries.
        """
        method = method.upper()
        route, _ = route_of(method, path)
        url = self._url(path, params)
        data = None if json is None else jsonlib.dumps(json).encode()
        headers = self._headers(auth=auth, has_body=data is not None, reason=reason)
        for attempt in range(self.max_retries + 1):
            self._check_budget(route)
            self._wait_for_limits(method, path, route, auth=auth)
            outcome = self._attempt(method, path, route, url, data, headers, attempt)
            if not isinstance(outcome, _Retry):
                return outcome
            if outcome.delay > 0:
                self._sleep(outcome.delay)
        raise AssertionError("unreachable: the last attempt raises")  # pragma: no cover

    # -- convenience methods ---------------------------------------------------
    def edit_original_response(self, application_id: str, token: str, body: Any) -> Any:
        """Edit the original (possibly deferred) response of an interaction."""
        path = f"/webhooks/{application_id}/{token}/messages/@original"
        return self.request("PATCH", path, json=body, auth=False)

    def get_original_response(self, application_id: str, token: str) -> Any:
        """The original response message of an interaction."""
        path = f"/webhooks/{application_id}/{token}/messages/@original"
        return self.request("GET", path, auth=False)

    def create_followup(self, application_id: str, token: str, body: Any) -> Any:
        """Send a follow-up message for an interaction (within the token's 15 minutes)."""
        return self.request("POST", f"/webhooks/{application_id}/{token}", json=body, auth=False)

    def get_commands(self, application_id: str, guild_id: str | None = None) -> Any:
        """The registered application commands, global or of one guild."""
        return self.request("GET", _commands_path(application_id, guild_id))

    def bulk_overwrite_commands(
        self, application_id: str, commands: list[dict[str, Any]], guild_id: str | None = None
    ) -> Any:
        """Replace the whole registered command set (global or of one guild)."""
        return self.request("PUT", _commands_path(application_id, guild_id), json=commands)

    def create_dm(self, user_id: str) -> Any:
        """Open (or get) the DM channel with a user; the channel object."""
        return self.request("POST", "/users/@me/channels", json={"recipient_id": user_id})

    def send_message(self, channel_id: str, body: Any) -> Any:
        """Post a message in a channel (or DM channel)."""
        return self.request("POST", f"/channels/{channel_id}/messages", json=body)

    def iter_pages(
        self,
        path: str,
        *,
        limit: int,
        key: str = "id",
        params: Mapping[str, Any] | None = None,
    ) -> Iterator[Any]:
        """Every item of an `after=`-paginated list (guild members, messages, …).

        `key` names the snowflake to page by; a dotted key reaches into items
        (`"user.id"` for guild members).
        """
        after: int | None = None
        while True:
            query = {**(params or {}), "limit": limit}
            if after is not None:
                query["after"] = str(after)
            page = self.request("GET", path, params=query) or []
            yield from page
            if len(page) < limit:
                return
            after = max(int(_dig(item, key)) for item in page)

    # -- internals -------------------------------------------------------------
    def _url(self, path: str, params: Mapping[str, Any] | None) -> str:
        url = f"{self.base_url}/{path.lstrip('/')}"
        if params:
            url += "?" + urllib.parse.urlencode({k: _param(v) for k, v in params.items()})
        return url

    def _headers(self, *, auth: bool, has_body: bool, reason: str | None) -> dict[str, str]:
        headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        if auth:
            if not self._token:
                raise DiscordApiError(401, 0, "no bot token configured (DISCORD_BOT_TOKEN)")
            headers["Authorization"] = f"Bot {self._token}"
        if has_body:
            headers["Content-Type"] = "application/json"
        if reason:
            # Discord takes the audit-log reason URL-encoded.
            headers["X-Audit-Log-Reason"] = urllib.parse.quote(reason[:512])
        return headers

    def _check_budget(self, route: str) -> None:
        try:
            self.budget.check()
        except ErrorBudgetExhaustedError as exc:
            raise DiscordErrorBudgetError(0, 0, str(exc), route=route) from None

    def _wait_for_limits(self, method: str, path: str, route: str, *, auth: bool) -> None:
        """Wait until this call has its place in its bucket and the global pace."""
        waited = 0.0
        while True:
            delay, reserved = self._reserve(method, path, route, auth=auth)
            if waited + delay > self.max_wait:
                raise DiscordApiError(
                    429,
                    0,
                    f"rate limited for another {delay:.1f} s; not waiting inside this call",
                    route=route,
                    retry_after=delay,
                )
            due = self._clock() + delay
            if delay > 0:
                if not reserved:
                    logger.info("waiting %.2f s for Discord rate limit on %s", delay, route)
                self._sleep(delay)
                waited += delay
            if reserved and not self._missed_slot(due):
                return

    def _reserve(self, method: str, path: str, route: str, *, auth: bool) -> tuple[float, bool]:
        try:
            return self.limiter.reserve(method, path, include_global=auth)
        except ErrorBudgetExhaustedError as exc:  # the shared guard halted every worker
            raise DiscordErrorBudgetError(0, 0, str(exc), route=route) from None
        except RateBudgetUnavailableError as exc:  # status 0: retryable, nothing was sent
            raise DiscordApiError(0, 0, str(exc), route=route) from exc

    def _missed_slot(self, due: float) -> bool:
        """A shared slot woken up from too late: calls paced after it may already have
        gone, and sending now would crowd them into one second; take a new slot instead."""
        slack = self.limiter.slot_slack
        missed = slack is not None and self._clock() - due > slack
        self.missed_slots += missed
        return missed

    def _attempt(
        self,
        method: str,
        path: str,
        route: str,
        url: str,
        data: bytes | None,
        headers: dict[str, str],
        attempt: int,
    ) -> Any:
        last = attempt >= self.max_retries
        telemetry.count("ExternalCalls", Service="discord")
        try:
            status, response_headers, body = self._transport(
                method, url, data, headers, self.timeout
            )
        except OSError as exc:
            telemetry.count("ExternalErrors", Service="discord")
            # A POST may have arrived before the connection broke: do not repeat it.
            if last or method == "POST":
                raise DiscordApiError(0, 0, f"network error: {exc}", route=route) from exc
            return _Retry(_backoff(attempt))
        self.limiter.update(method, path, response_headers)
        if status < 300:
            return _parse(body)
        self.budget.record(status, response_headers.get("x-ratelimit-scope"))
        telemetry.count(
            "ExternalRateLimited" if status == 429 else "ExternalErrors", Service="discord"
        )
        error = _error_from(status, response_headers, body, route)
        delay = self._retry_delay(method, path, error, response_headers, attempt)
        if delay is None or last:
            raise error
        return _Retry(delay)

    def _retry_delay(
        self,
        method: str,
        path: str,
        error: DiscordApiError,
        headers: Mapping[str, str],
        attempt: int,
    ) -> float | None:
        if error.status == 429:
            retry_after = error.retry_after if error.retry_after is not None else 1.0
            if _is_global(headers, error):
                self.limiter.block_global(retry_after)
            else:
                self.limiter.block_route(method, path, retry_after)
            logger.warning("Discord 429 on %s; retry after %.2f s", error.route, retry_after)
            return None if retry_after > self.max_wait else 0.0  # the limiter does the waiting
        if error.status in _RETRYABLE_STATUSES:
            return _backoff(attempt)
        return None


class _Retry:
    """An attempt failed in a way worth retrying after `delay` seconds."""

    def __init__(self, delay: float) -> None:
        self.delay = delay


def _commands_path(application_id: str, guild_id: str | None) -> str:
    if guild_id:
        return f"/applications/{application_id}/guilds/{guild_id}/commands"
    return f"/applications/{application_id}/commands"


def _backoff(attempt: int) -> float:
    return float(min(0.5 * 2**attempt, 8.0))


def _lower(items: Any) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in items}


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _dig(item: Any, key: str) -> Any:
    for part in key.split("."):
        item = item[part]
    return item


def _parse(body: bytes) -> Any:
    if not body:
        return None
    try:
        return jsonlib.loads(body)
    except ValueError:
        return body.decode(errors="replace")


def _is_global(headers: Mapping[str, str], error: DiscordApiError) -> bool:
    if headers.get("x-ratelimit-global", "").lower() == "true":
        return True
    return headers.get("x-ratelimit-scope") == "global" or bool(
        isinstance(error.errors, dict) and error.errors.get("global")
    )


def _error_from(
    status: int, headers: Mapping[str, str], body: bytes, route: str
) -> DiscordApiError:
    parsed = _parse(body)
    if not isinstance(parsed, dict):
        text = (parsed or "").strip()[:200] if isinstance(parsed, str) else ""
        return DiscordApiError(
            status, 0, text or "no error body", route=route, retry_after=_header_seconds(headers)
        )
    retry_after = parsed.get("retry_after")
    if retry_after is None:
        retry_after = _header_seconds(headers)
    extra = {"global": parsed.get("global")} if status == 429 else parsed.get("errors")
    return DiscordApiError(
        status,
        int(parsed.get("code") or 0),
        str(parsed.get("message") or "no message"),
        route=route,
        retry_after=float(retry_after) if retry_after is not None else None,
        errors=extra,
    )


def _header_seconds(headers: Mapping[str, str]) -> float | None:
    try:
        return float(headers["retry-after"])
    except (KeyError, ValueError):
        return None
