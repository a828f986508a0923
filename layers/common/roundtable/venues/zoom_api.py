"""Zoom's REST API through a Server-to-Server OAuth app (standard library only).

The access token comes from `POST {oauth}/oauth/token?grant_type=account_credentials`
with the app's client id and secret (HTTP Basic); it lasts an hour, so it is kept
until a minute before it expires, and fetched again once when Zoom answers 401
(code 124, "Invalid access token") anyway. A 429 is retried after its
`Retry-After` (a bounded number of times); other errors raise ZoomApiError.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from roundtable.config import Settings

_TIMEOUT_S = 20
_RATE_LIMIT_TRIES = 4
_LONGEST_WAIT_S = 60.0  # past this a 429 is an error for the next hourly run
_TOKEN_MARGIN_S = 60
_PAGE_SIZE = 300  # the report's largest page


class ZoomApiError(Exception):
    def __init__(self, status: int, code: int | None, message: str) -> None:
        super().__init__(f"Zoom answered {status} (code {code}): {message}")
        self.status = status
        self.code = code

    @property
    def not_found(self) -> bool:
        return self.status == 404


@dataclass(frozen=True)
class Credentials:
    account_id: str
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class ZoomMeeting:
    id: int
    uuid: str
    join_url: str


@dataclass(frozen=True)
class Participant:
    email: str
    join_time: datetime


class ZoomClient:
    def __init__(
        self,
        credentials: Credentials,
        *,
        api_base: str = "https://api.zoom.us/v2",
        oauth_base: str = "https://zoom.us",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._credentials = credentials
        self._api_base = api_base.rstrip("/")
        self._oauth_base = oauth_base.rstrip("/")
        self._sleep = sleep
        self._clock = clock
        self._token: str | None = None
        self._token_expires = 0.0

    # -- meetings ------------------------------------------------------------
    def create_meeting(self, topic: str, starts_at: datetime, minutes: int) -> ZoomMeeting:
        body = {"topic": topic, "type": 2, **_when(starts_at, minutes), "settings": _SETTINGS}
        answer = self._call("POST", "/users/me/meetings", body)
        return ZoomMeeting(int(answer["id"]), str(answer["uuid"]), str(answer["join_url"]))

    def update_meeting(self, meeting_id: int, starts_at: datetime, minutes: int) -> None:
        self._call("PATCH", f"/meetings/{meeting_id}", _when(starts_at, minutes))

    def delete_meeting(self, meeting_id: int) -> None:
        """Deleted, or already gone (404, code 3001)."""
        try:
            self._call("DELETE", f"/meetings/{meeting_id}")
        except ZoomApiError as exc:
            if not exc.not_found:
                raise

    def report_participants(self, meeting_uuid: str) -> Iterator[Participant]:
        """Everyone the past meeting's report lists, every page (ZoomApiError 404: no report)."""
        path = f"/report/meetings/{_uuid_in_path(meeting_uuid)}/participants"
        token = ""
        while True:
            query = {"page_size": str(_PAGE_SIZE), **({"next_page_token": token} if token else {})}
            page = self._call("GET", f"{path}?{urllib.parse.urlencode(query)}")
            for entry in page.get("participants") or []:
                email = str(entry.get("user_email") or "").strip().lower()
                if email and entry.get("join_time"):
                    yield Participant(email, _instant(str(entry["join_time"])))
            token = str(page.get("next_page_token") or "")
            if not token:
                return

    # -- transport -----------------------------------------------------------
    def _call(self, method: str, path: str, body: Any = None) -> Any:
        for attempt in range(_RATE_LIMIT_TRIES):
            try:
                return self._send(method, path, body)
            except ZoomApiError as exc:
                if exc.status == 401 and exc.code == 124 and attempt == 0:
                    self._token = None  # expired early (or revoked): one fresh token
                    continue
                raise
            except _RateLimitedError as limited:
                if attempt + 1 == _RATE_LIMIT_TRIES or limited.wait > _LONGEST_WAIT_S:
                    raise ZoomApiError(429, None, "rate limited") from None
                self._sleep(limited.wait)
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, body: Any) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self._api_base}{path}", data=data, method=method)
        request.add_header("Authorization", f"Bearer {self._access_token()}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        return _answer(request)

    def _access_token(self) -> str:
        if self._token is None or self._clock() >= self._token_expires:
            credentials = self._credentials
            query = urllib.parse.urlencode(
                {"grant_type": "account_credentials", "account_id": credentials.account_id}
            )
            request = urllib.request.Request(
                f"{self._oauth_base}/oauth/token?{query}", data=b"", method="POST"
            )
            basic = f"{credentials.client_id}:{credentials.client_secret}".encode()
            request.add_header("Authorization", f"Basic {base64.b64encode(basic).decode()}")
            answer = _answer(request)
            self._token = str(answer["access_token"])
            self._token_expires = self._clock() + float(answer["expires_in"]) - _TOKEN_MARGIN_S
        return self._token


class _RateLimitedError(Exception):
    def __init__(self, wait: float) -> None:
        self.wait = wait


# Learners join without waiting for a host: a study group's facilitator may be late.
_SETTINGS = {"join_before_host": True, "waiting_room": False}


def _when(starts_at: datetime, minutes: int) -> dict[str, Any]:
    """The exact instant in UTC ("Z"): Zoom shows it in each viewer's zone."""
    return {
        "start_time": starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": minutes,
        "timezone": "UTC",
    }


def _uuid_in_path(uuid: str) -> str:
    """Zoom asks for a UUID that starts with '/' or holds '//' to be encoded twice."""
    once = urllib.parse.quote(uuid, safe="")
    return urllib.parse.quote(once, safe="") if uuid.startswith("/") or "//" in uuid else once


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _answer(request: urllib.request.Request) -> Any:
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 429:
            raise _RateLimitedError(float(exc.headers.get("Retry-After") or 1)) from None
        error = _json(exc.read())
        raise ZoomApiError(exc.code, error.get("code"), str(error.get("message", ""))) from None
    return _json(raw)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {"message": raw[:200].decode(errors="replace")}


def client_from_settings(settings: Settings) -> ZoomClient:
    """The client for the deployment's Zoom app (ZOOM_* secrets; docs/deploy.md)."""
    return ZoomClient(
        Credentials(
            settings.require_secret("ZOOM_ACCOUNT_ID"),
            settings.require_secret("ZOOM_CLIENT_ID"),
            settings.require_secret("ZOOM_CLIENT_SECRET"),
        ),
        api_base=settings.zoom_api_base,
        oauth_base=settings.zoom_oauth_base,
    )
