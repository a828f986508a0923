"""A stateful fake of Discord's REST API (v10), served over real HTTP.

What it knows: application commands (global and per guild, GET and bulk
overwrite PUT, validated like Discord), interaction webhooks (original
response PATCH/GET, follow-ups POST), DM channels (POST /users/@me/channels)
and channel messages (POST /channels/{id}/messages). Every response carries
X-RateLimit-* headers from real per-route buckets; going past a bucket gives
a real 429. Bot-token calls also count against Discord's global limit, 50 a
second (a sliding one-second window; `global_limit`, None to turn it off): the
51st in any second gets a global 429 whose `retry_after` says when one may go.
`rate_limit_next` and `global_rate_limit_next` inject 429s with a JSON
`retry_after` and a Retry-After header. Invalid answers (401, 403, and 429s
other than scope `shared`) are counted as Discord counts them; past
`invalid_request_limit` (10,000) in `invalid_request_window` (10 minutes) the
fake restricts the client as Discord does, answering everything with a 429 for
`ban_seconds`. `arrivals` records when each call was let through the limits
(`most_in_any_second` reads it: the busiest second a test's workers produced).
`latency` delays every answer (the requests themselves are served
concurrently), as the real API's round trip does.
`forget_dm_channel` makes a DM channel unknown (404, code 10003), as when
Discord drops one; a new POST /users/@me/channels opens another.

To extend (guild channels, roles, members): subclass, add plain-dict state in
__init__ and call `self.authed(method, pattern, handler)` in a `_routes_*`
method; override `channel_exists` to make unknown channels 404.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.contracts import DISCORD
from tests.fakes.discord_objects import complete_answer
from tests.fakes.http import FakeService, Request, Response

BOT_TOKEN = "test-bot-token"
APPLICATION_ID = "100000000000000001"
_NAME = re.compile(r"^[-_\w]{1,32}$")
_SNOWFLAKE = re.compile(r"^\d{1,20}$")
_ID = r"(\d{1,20})"
_TOKEN = r"([^/]+)"


def error(status: int, code: int, message: str, errors: Any = None) -> Response:
    """A Discord-shaped error answer."""
    body: dict[str, Any] = {"code": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    return Response(status, body)


@dataclass
class _Bucket:
    count: int
    window_start: float


@dataclass(frozen=True)
class Arrival:
    """A bot-token call as the fake's limits saw it: when, on which bucket, answered how."""

    at: float  # time.monotonic() when the limits were checked
    bucket: str  # "METHOD /template|major"
    status: int
    scope: str | None = None  # a 429's X-RateLimit-Scope: "global", "user" or "shared"


class FakeDiscord(FakeService):
    """See the module docstring; state lives in plain dicts for tests to read."""

    contract = DISCORD  # requests and answers held to Discord's OpenAPI document
    answer_as_vendor = staticmethod(complete_answer)

    def __init__(self, *, bot_token: str = BOT_TOKEN) -> None:
        super().__init__()
        self.bot_token = bot_token
        self._ids = itertools.count(200_000_000_000_000_000)
        # (application_id, guild_id or None) -> registered commands
        self.commands: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
        # interaction token -> original response message
        self.original_responses: dict[str, dict[str, Any]] = {}
        # interaction token -> follow-up messages, in order
        self.followups: dict[str, list[dict[str, Any]]] = {}
        self.expired_tokens: set[str] = set()
        # user id -> DM channel; channel id -> messages
        self.dm_channels: dict[str, dict[str, Any]] = {}
        self.channel_messages: dict[str, list[dict[str, Any]]] = {}
        self.dms_closed: set[str] = set()  # users who do not accept DMs from the bot
        self.forgotten_channels: set[str] = set()  # DM channels Discord no longer knows
        # Per-route bucket size and window (seconds); Discord's real values vary.
        self.bucket_limit = 50
        self.bucket_window = 1.0
        self._buckets: dict[str, _Bucket] = {}
        self._global_faults: list[Response] = []
        # Discord's global limit on bot-token calls, per second (None: not enforced).
        self.global_limit: int | None = 50
        self._global_window: deque[float] = deque()  # start times of calls let through
        self.latency = 0.0  # seconds before each answer
        # Discord restricts a client after 10,000 invalid answers in 10 minutes.
        self.invalid_request_limit = 10_000
        self.invalid_request_window = 600.0
        self.ban_seconds = 3600.0
        self.invalid_requests = 0  # every invalid answer given (401, 403, 429 not shared)
        self._invalid_window: deque[float] = deque()
        self.banned_until = 0.0
        self.arrivals: list[Arrival] = []  # bot-token calls, in order
        self.answers: list[tuple[str, int]] = []  # ("METHOD path", status), in order
        self._routes_commands()
        self._routes_webhooks()
        self._routes_messages()

    # -- helpers for subclasses and tests ---------------------------------------
    def new_id(self) -> str:
        return str(next(self._ids))

    def authed(self, method: str, pattern: str, handler: Callable[..., Response]) -> None:
        """A route that needs `Authorization: Bot <token>` (401 otherwise)."""

        def check(request: Request, match: re.Match[str]) -> Response:
            if request.headers.get("authorization") != f"Bot {self.bot_token}":
                return error(401, 0, "401: Unauthorized")
            return handler(request, match)

        self.route(method, pattern, check)

    def channel_exists(self, channel_id: str) -> bool:
        """Whether messages may be posted in this channel (any channel, unless overridden)."""
        return True

    def rate_limit_next(
        self,
        method: str,
        pattern: str,
        *,
        retry_after: float = 0.05,
        scope: str = "user",
        times: int = 1,
    ) -> None:
        """Answer the next matching calls with a 429 as Discord does."""
        self.fail_next(method, pattern, _too_many(retry_after, scope=scope), times=times)

    def global_rate_limit_next(self, *, retry_after: float = 0.05, times: int = 1) -> None:
        """Answer the next calls, whatever the route, with a global 429."""
        with self._lock:
            self._global_faults.extend(
                [_too_many(retry_after, scope="global", is_global=True)] * times
            )

    def statuses(self) -> list[int]:
        """Status codes answered so far, in order (see `answers`)."""
        return [status for _, status in self.answers]

    def most_in_any_second(self, bucket: str | None = None) -> int:
        """The most bot-token calls that arrived in any one second (of one bucket, if given:
        "METHOD /template|major", e.g. "POST /channels/{id}/messages|123")."""
        times = [a.at for a in self.arrivals if bucket is None or a.bucket == bucket]
        most, first = 0, 0
        for last, at in enumerate(times):
            while at - times[first] >= 1.0:
                first += 1
            most = max(most, last - first + 1)
        return most

    @property
    def banned(self) -> bool:
        """Whether the client is restricted for too many invalid requests right now."""
        return time.monotonic() < self.banned_until

    # -- DM channels as Discord keeps them -------------------------------------
    def forget_dm_channel(self, user_id: str) -> str:
        """Discord drops the DM channel with a user: posting to it is a 404 Unknown Channel."""
        with self._lock:
            channel = self.dm_channels.pop(user_id)
            self.forgotten_channels.add(channel["id"])
            return str(channel["id"])

    def open_dm_channel(self, user_id: str) -> str:
        """The DM channel with a user, opened now if need be (a bot that DMed them before)."""
        with self._lock:
            return str(self._dm_channel(user_id)["id"])

    # -- request handling ----------------------------------------------------
    def handle(self, request: Request) -> Response:
        if self.latency:
            time.sleep(self.latency)  # outside the lock: calls overlap as they do for real
        with self._lock:
            now = time.monotonic()
            if now < self.banned_until:
                self.requests.append(request)
                response = _restricted(self.banned_until - now)
            elif self._global_faults:
                self.requests.append(request)
                response = self._global_faults.pop(0)
            else:
                response = (
                    self._over_global_limit(request)
                    or self._limited(request)
                    or super().handle(request)
                )
            response = self._with_rate_limit_headers(request, response)
            self.answers.append((f"{request.method} {request.path}", response.status))
            if "authorization" in request.headers:
                bucket = "|".join(_route(request.method, request.path))
                scope = response.headers.get("X-RateLimit-Scope")
                self.arrivals.append(Arrival(now, bucket, response.status, scope))
            self._count_invalid(response, now)
            return response

    def _count_invalid(self, response: Response, now: float) -> None:
        """Discord's invalid-request count: 401, 403 and 429 (but not scope `shared`)."""
        scope = response.headers.get("X-RateLimit-Scope")
        if response.status not in (401, 403, 429) or scope == "shared":
            return
        self.invalid_requests += 1
        window = self._invalid_window
        window.append(now)
        while window and window[0] <= now - self.invalid_request_window:
            window.popleft()
        if len(window) >= self.invalid_request_limit and now >= self.banned_until:
            self.banned_until = now + self.ban_seconds

    def _over_global_limit(self, request: Request) -> Response | None:
        """The global limit: bot-token calls, at most `global_limit` in any second."""
        if self.global_limit is None or "authorization" not in request.headers:
            return None
        now = time.monotonic()
        window = self._global_window
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= self.global_limit:
            self.requests.append(request)
            return _too_many(window[0] + 1.0 - now, scope="global", is_global=True)
        window.append(now)
        return None

    def _limited(self, request: Request) -> Response | None:
        bucket = self._bucket(request)
        now = time.monotonic()
        if now - bucket.window_start >= self.bucket_window:
            bucket.count, bucket.window_start = 0, now
        if bucket.count >= self.bucket_limit:
            self.requests.append(request)
            return _too_many(self.bucket_window - (now - bucket.window_start), scope="user")
        bucket.count += 1
        return None

    def _bucket(self, request: Request) -> _Bucket:
        key = "|".join(_route(request.method, request.path))
        return self._buckets.setdefault(key, _Bucket(0, time.monotonic()))

    def _with_rate_limit_headers(self, request: Request, response: Response) -> Response:
        if "X-RateLimit-Global" in response.headers:
            return response  # a global 429 names no bucket
        template, _ = _route(request.method, request.path)
        bucket = self._bucket(request)
        reset_after = max(self.bucket_window - (time.monotonic() - bucket.window_start), 0.0)
        headers = {
            "X-RateLimit-Limit": str(self.bucket_limit),
            "X-RateLimit-Remaining": str(max(self.bucket_limit - bucket.count, 0)),
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(template.encode()).hexdigest()[:16],
            **response.headers,
        }
        return Response(response.status, response.body, headers)

    # -- application commands ------------------------------------------------
    def _routes_commands(self) -> None:
        base = rf"/applications/{_ID}"
        self.authed("GET", rf"{base}/commands", self._get_commands)
        self.authed("PUT", rf"{base}/commands", self._put_commands)
        self.authed("GET", rf"{base}/guilds/{_ID}/commands", self._get_commands)
        self.authed("PUT", rf"{base}/guilds/{_ID}/commands", self._put_commands)

    def _scope(self, match: re.Match[str]) -> tuple[str, str | None]:
        groups = match.groups()
        return groups[0], groups[1] if len(groups) > 1 else None

    def _get_commands(self, request: Request, match: re.Match[str]) -> Response:
        return Response(200, self.commands.get(self._scope(match), []))

    def _put_commands(self, request: Request, match: re.Match[str]) -> Response:
        body = request.json()
        problems = validate_commands(body)
        if problems:
            return error(400, 50035, "Invalid Form Body", problems)
        application_id, guild_id = self._scope(match)
        existing = {c["name"]: c for c in self.commands.get((application_id, guild_id), [])}
        stored = []
        for command in body:
            previous = existing.get(command["name"])
            stored.append(
                {
                    **command,
                    "id": previous["id"] if previous else self.new_id(),
                    "application_id": application_id,
                    "version": self.new_id(),
                    "type": command.get("type", 1),
                    **({"guild_id": guild_id} if guild_id else {}),
                }
            )
        self.commands[(application_id, guild_id)] = stored
        return Response(200, stored)

    # -- interaction webhooks (token-authorised, no bot token) -------------------
    def _routes_webhooks(self) -> None:
        base = rf"/webhooks/{_ID}/{_TOKEN}"
        self.route("PATCH", rf"{base}/messages/@original", self._patch_original)
        self.route("GET", rf"{base}/messages/@original", self._get_original)
        self.route("POST", base, self._post_followup)

    def _token(self, match: re.Match[str]) -> str | None:
        token = match.group(2)
        return None if token in self.expired_tokens else token

    def _patch_original(self, request: Request, match: re.Match[str]) -> Response:
        token = self._token(match)
        if token is None:
            return error(401, 50027, "Invalid Webhook Token")
        body = request.json() or {}
        message = self.original_responses.get(token) or {"id": self.new_id()}
        message = {**message, **body, "webhook_id": match.group(1)}
        self.original_responses[token] = message
        return Response(200, message)

    def _get_original(self, request: Request, match: re.Match[str]) -> Response:
        token = self._token(match)
        if token is None:
            return error(401, 50027, "Invalid Webhook Token")
        if token not in self.original_responses:
            return error(404, 10008, "Unknown Message")
        return Response(200, self.original_responses[token])

    def _post_followup(self, request: Request, match: re.Match[str]) -> Response:
        token = self._token(match)
        if token is None:
            return error(401, 50027, "Invalid Webhook Token")
        message = {**(request.json() or {}), "id": self.new_id(), "webhook_id": match.group(1)}
        self.followups.setdefault(token, []).append(message)
        return Response(200, message)

    # -- DMs and channel messages ----------------------------------------------
    def _routes_messages(self) -> None:
        self.authed("POST", r"/users/@me/channels", self._create_dm)
        self.authed("POST", rf"/channels/{_ID}/messages", self._create_message)

    def _create_dm(self, request: Request, match: re.Match[str]) -> Response:
        recipient = str((request.json() or {}).get("recipient_id") or "")
        if not _SNOWFLAKE.match(recipient):
            return error(400, 50035, "Invalid Form Body", {"recipient_id": "not a snowflake"})
        return Response(200, self._dm_channel(recipient))

    def _dm_channel(self, recipient: str) -> dict[str, Any]:
        return self.dm_channels.setdefault(
            recipient, {"id": self.new_id(), "type": 1, "recipients": [{"id": recipient}]}
        )

    def _create_message(self, request: Request, match: re.Match[str]) -> Response:
        channel_id = match.group(1)
        dm_user = next(
            (user for user, ch in self.dm_channels.items() if ch["id"] == channel_id), None
        )
        if channel_id in self.forgotten_channels or (
            dm_user is None and not self.channel_exists(channel_id)
        ):
            return error(404, 10003, "Unknown Channel")
        if dm_user in self.dms_closed:
            return error(403, 50007, "Cannot send messages to this user")
        body = request.json() or {}
        if not (body.get("content") or body.get("embeds") or body.get("components")):
            return error(400, 50006, "Cannot send an empty message")
        message = {**body, "id": self.new_id(), "channel_id": channel_id}
        self.channel_messages.setdefault(channel_id, []).append(message)
        return Response(200, message)


def _too_many(retry_after: float, *, scope: str, is_global: bool = False) -> Response:
    headers = {"Retry-After": str(max(math.ceil(retry_after), 0)), "X-RateLimit-Scope": scope}
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    else:
        headers["X-RateLimit-Remaining"] = "0"
        headers["X-RateLimit-Reset-After"] = f"{retry_after:.3f}"
    body = {"message": "You are being rate limited.", "code": 0, "retry_after": retry_after}
    return Response(429, {**body, "global": is_global}, headers)


def _restricted(seconds: float) -> Response:
    """A client past the invalid-request limit: refused at Discord's edge for a while."""
    response = _too_many(seconds, scope="global", is_global=True)
    body = {**response.body, "message": "You are being blocked from accessing our API temporarily."}
    return Response(429, body, response.headers)


def _route(method: str, path: str) -> tuple[str, str]:
    """(template, major parameter), computed independently of the client under test."""
    parts = [p for p in path.split("/") if p]
    major, template = "", []
    for i, part in enumerate(parts):
        if i >= 2 and parts[i - 2] == "webhooks":
            template.append("{token}")
            major += f"/{part}"
        elif _SNOWFLAKE.match(part):
            template.append("{id}")
            if i and parts[i - 1] in ("channels", "guilds", "webhooks") and not major:
                major = part
        else:
            template.append(part)
    return f"{method} /{'/'.join(template)}", major


# -- command validation (the subset of Discord's rules our commands touch) --------
_CHAT_INPUT, _SUB_COMMAND_TYPES = 1, (1, 2)


def validate_commands(body: Any) -> dict[str, Any]:
    """Discord-style form errors for a bulk overwrite body ({} when valid)."""
    if not isinstance(body, list):
        return {"_errors": "expected a list of commands"}
    if len(body) > 100:
        return {"_errors": "at most 100 commands"}
    problems: dict[str, Any] = {}
    names = [c.get("name") for c in body if isinstance(c, dict)]
    for index, command in enumerate(body):
        found = _command_problems(command)
        if names.count(command.get("name") if isinstance(command, dict) else None) > 1:
            found.append("duplicate command name")
        if found:
            problems[str(index)] = found
    return problems


def _command_problems(command: Any) -> list[str]:
    if not isinstance(command, dict):
        return ["not an object"]
    found: list[str] = []
    name = command.get("name", "")
    if not isinstance(name, str) or not _NAME.match(name) or name != name.lower():
        found.append(f"invalid name {name!r}")
    if command.get("type", _CHAT_INPUT) == _CHAT_INPUT:
        description = command.get("description", "")
        if not isinstance(description, str) or not 1 <= len(description) <= 100:
            found.append("description must be 1-100 characters")
    permissions = command.get("default_member_permissions")
    if permissions is not None and not (isinstance(permissions, str) and permissions.isdigit()):
        found.append("default_member_permissions must be a string of digits")
    found.extend(_options_problems(command.get("options") or []))
    return found


def _options_problems(options: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    if len(options) > 25:
        found.append("at most 25 options")
    seen_optional = False
    for option in options:
        name = option.get("name", "")
        if not _NAME.match(name) or name != name.lower():
            found.append(f"invalid option name {name!r}")
        if not 1 <= len(option.get("description", "")) <= 100:
            found.append(f"option {name}: description must be 1-100 characters")
        if option.get("autocomplete") and option.get("choices"):
            found.append(f"option {name}: autocomplete and choices are exclusive")
        if option.get("type") in _SUB_COMMAND_TYPES:
            found.extend(_options_problems(option.get("options") or []))
            continue
        if option.get("required") and seen_optional:
            found.append(f"option {name}: required options must come before optional ones")
        seen_optional = seen_optional or not option.get("required")
    return found


def start_fake_discord(monkeypatch: Any, fake: FakeDiscord | None = None) -> FakeDiscord:
    """Start a fake and point settings at it (bot token, API base, application id).

    The caller stops it (`fake.stop()`); the fixtures in tests/*/discord do.
    """
    fake = fake or FakeDiscord()
    fake.start()
    monkeypatch.setenv("DISCORD_API_BASE", fake.base_url)
    monkeypatch.setenv("DISCORD_BOT_TOKEN", fake.bot_token)
    monkeypatch.setenv("DISCORD_APPLICATION_ID", APPLICATION_ID)
    return fake
