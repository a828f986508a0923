"""The tests' fake vendors (tests/fakes) with their limits kept in virtual time.

Each subclass answers from the same state and routes as its fake; only the
limits move to `scale_sim.VendorLimits` at the `VirtualClock`'s moment (the
fakes' own limits count wall-clock seconds, which mean nothing when a wait takes
no time), every answer takes the vendor's latency on the virtual clock, and
every call is recorded (`Recorder`) with the step and task that made it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from bench.scale_sim import DISCORD, GOOGLE, SENDGRID, VendorLimits, VirtualClock
from tests.fakes.discord import _too_many
from tests.fakes.discord_guild import FakeDiscordGuild
from tests.fakes.google_calendar import BATCH_PATH, FakeGoogleCalendar, google_error
from tests.fakes.http import FakeService, Request, Response
from tests.fakes.sendgrid import FakeSendGrid, errors


@dataclass(frozen=True)
class Record:
    """One vendor call as it happened."""

    vendor: str
    method: str
    path: str
    at: float
    status: int
    step: str
    task: str
    units: int = 1
    creates: str = ""
    guild: str = ""


@dataclass
class Recorder:
    """Every call, tagged with what the bench was doing (`step`, `task`)."""

    clock: VirtualClock
    limits: VendorLimits
    records: list[Record] = field(default_factory=list)
    step: str = ""
    task: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, vendor: str, request: Request, at: float, status: int, **extra: Any) -> None:
        with self._lock:
            self.records.append(
                Record(
                    vendor, request.method, request.path, at, status, self.step, self.task, **extra
                )
            )


class _Virtual:
    """Shared by the three fakes: the moment a call arrives, and its latency after.

    The bench does not hold each request to the vendor's OpenAPI document (the tests
    do, tests/fakes/contracts.py): that check is most of a fake's CPU time.
    """

    contract = None
    recorder: Recorder
    vendor: str

    def arrive(self) -> float:
        return self.recorder.clock.now()

    def answer_after(self, arrived: float) -> None:
        self.recorder.clock.advance_to(arrived + self.recorder.limits.settings.latency[self.vendor])


class VirtualDiscord(_Virtual, FakeDiscordGuild):
    """The fake guild; the global limit, route buckets and invalid-request count in
    virtual time (the roles and channels limits stay the fake's own)."""

    vendor = DISCORD

    def __init__(self, recorder: Recorder, **options: Any) -> None:
        super().__init__(**options)
        self.recorder = recorder
        self.global_limit = None  # kept by VendorLimits instead
        self.bucket_limit = 10**9

    def handle(self, request: Request) -> Response:
        limits, now = self.recorder.limits, self.arrive()
        authed = "authorization" in request.headers
        verdict = limits.admit_discord(now, request.method, request.path, authed)
        if verdict.status == 429:
            scope = "global" if verdict.is_global else "user"
            response = _too_many(verdict.retry_after, scope=scope, is_global=verdict.is_global)
        else:
            response = FakeService.handle(self, request)  # the routes, without wall-clock limits
            response.headers = {**self._bucket_headers(request, now), **response.headers}
        limits.answered_discord(now, response.status)
        creates, guild = self._creation(request)
        if creates:
            _count_place(limits, guild, creates, response, now)
        self.recorder.add(DISCORD, request, now, response.status, creates=creates, guild=guild)
        self.answer_after(now)
        return response

    def _creation(self, request: Request) -> tuple[str, str]:
        """("role" | "channel" | "thread", guild id) for a create that takes a place on
        a server (threads: Discord keeps at most 1,000 active ones per server)."""
        parts = request.path.strip("/").split("/")
        if request.method != "POST" or len(parts) != 3:
            return "", ""
        if parts[0] == "channels" and parts[2] == "threads":
            owner = self._owner(parts[1])
            return ("thread", owner.guild_id) if owner is not None else ("", "")
        kind = {"roles": "role", "channels": "channel"}.get(parts[2], "")
        return (kind, parts[1]) if kind and parts[0] == "guilds" else ("", "")

    def _bucket_headers(self, request: Request, now: float) -> dict[str, str]:
        bucket = self.recorder.limits.bucket(request.method, request.path)
        reset_after = bucket.retry_after(now)
        return {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(max(bucket.limit - bucket.in_window, 0)),
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Reset": f"{now + reset_after:.3f}",
            "X-RateLimit-Bucket": bucket.name.replace(" ", "_"),
        }


def _count_place(
    limits: VendorLimits, guild: str, kind: str, response: Response, now: float
) -> None:
    """The server's roles or channels: one more, or the fake's refusal (it keeps the limit)."""
    capacity = limits.capacity(guild, kind)
    if response.status < 300:
        capacity.take(now)
    elif response.status == 400 and (response.body or {}).get("code") in (
        30005,
        30013,
        50035,
        160006,
    ):
        capacity.refuse(now)


class VirtualGoogleCalendar(_Virtual, FakeGoogleCalendar):
    """The fake calendar; the per-user rate and the invitations budget in virtual time."""

    vendor = GOOGLE

    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self.recorder = recorder

    def handle(self, request: Request) -> Response:
        if request.path == BATCH_PATH:  # the envelope: one round trip, its parts are calls
            now = self.arrive()
            response = super().handle(request)
            self.answer_after(now)
            return response
        now = self.arrive()
        invitations = _invitations(request)
        verdict = self.recorder.limits.admit_google(now, invitations)
        if verdict.status is not None:
            response = google_error(
                403, verdict.reason, _GOOGLE_MESSAGES[verdict.reason], "usageLimits"
            )
        else:
            response = super().handle(request)
        self.recorder.add(GOOGLE, request, now, response.status, units=max(invitations, 1))
        if not request.headers.get("x-fake-batch-part"):
            self.answer_after(now)
        return response


_GOOGLE_MESSAGES = {
    "userRateLimitExceeded": "Rate Limit Exceeded",
    "quotaExceeded": "Calendar usage limits exceeded.",
}


def _invitations(request: Request) -> int:
    """Guests a new event invites by e-mail (sendUpdates=all)."""
    if request.method != "POST" or (request.query.get("sendUpdates") or [""])[0] != "all":
        return 0
    body = request.json() or {}
    return len(body.get("attendees") or [])


class VirtualSendGrid(_Virtual, FakeSendGrid):
    """The fake SendGrid; its request rate in virtual time."""

    vendor = SENDGRID

    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self.recorder = recorder

    def handle(self, request: Request) -> Response:
        now = self.arrive()
        body = request.json() if request.body else {}
        personalizations = len((body or {}).get("personalizations") or [])
        verdict = self.recorder.limits.admit_sendgrid(now, personalizations)
        if verdict.status is not None:
            headers = {
                "X-RateLimit-Limit": str(self.recorder.limits.sendgrid_rate.limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int(now + verdict.retry_after)),
            }
            response = Response(429, errors((None, "too many requests")), headers)
        else:
            response = super().handle(request)
        self.recorder.add(SENDGRID, request, now, response.status, units=personalizations)
        self.answer_after(now)
        return response
