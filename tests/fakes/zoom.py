"""A fake of Zoom's REST API for a Server-to-Server OAuth app, served over real HTTP.

As Zoom documents it (the subset we use):
- `POST /oauth/token?grant_type=account_credentials&account_id=…` with HTTP Basic
  client id:secret answers {access_token, token_type "bearer", expires_in, scope};
  wrong credentials are a 400 {"reason": "Invalid client_id or client_secret",
  "error": "invalid_client"}. `expire_tokens()` makes every token issued so far
  invalid: an API call with one is a 401 {"code": 124, "message": "Invalid access token."}.
- `POST /v2/users/me/meetings` (201, the meeting with id, uuid, join_url, start_time,
  duration, timezone, type); `GET/PATCH/DELETE /v2/meetings/{id}` (200 / 204 / 204);
  an unknown or deleted meeting is a 404 {"code": 3001, "message": "Meeting does not
  exist: …"}. A scheduled meeting (type 2) needs start_time; duration is in minutes.
- `GET /v2/report/meetings/{meetingId}/participants?page_size=&next_page_token=`: the
  participants of a past meeting by id or UUID (a UUID with '/' double-encoded), at
  most page_size (≤ 300) a page with next_page_token ("" on the last); 404 code 3001
  for a meeting with no report (not held yet).
- `rate_limit_next(n, retry_after)`: the next n API calls answer 429 with Retry-After
  and {"code": 429, "message": "You have reached the maximum per-second rate limit…"}.
"""

from __future__ import annotations

import base64
import itertools
import secrets
from typing import Any
from urllib.parse import unquote

from tests.fakes.http import FakeService, Request, Response

ACCOUNT_ID = "acct-test"
CLIENT_ID = "zoom-client"
CLIENT_SECRET = "zoom-secret"
_MAX_PAGE = 300


class FakeZoom(FakeService):
    def __init__(self, *, expires_in: int = 3599) -> None:
        super().__init__()
        self.expires_in = expires_in
        self.tokens: set[str] = set()
        self.tokens_issued = 0
        self.meetings: dict[int, dict[str, Any]] = {}
        self.deleted: set[int] = set()
        # The participants report of a held meeting, by meeting UUID.
        self.reports: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(81_000_000_001)
        self._rate_limited = (0, 0)  # (answers left, their Retry-After)
        self.route("POST", r"/oauth/token", self._token)
        self.route("POST", r"/v2/users/me/meetings", self._create)
        self.route("GET", r"/v2/meetings/(\d+)", self._get)
        self.route("PATCH", r"/v2/meetings/(\d+)", self._patch)
        self.route("DELETE", r"/v2/meetings/(\d+)", self._delete)
        self.route("GET", r"/v2/report/meetings/([^/]+)/participants", self._report)

    # -- test controls ------------------------------------------------------
    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def rate_limit_next(self, times: int = 1, *, retry_after: int = 1) -> None:
        with self._lock:
            self._rate_limited = (times, retry_after)

    def hold(self, meeting_id: int, participants: list[tuple[str, str, str]]) -> None:
        """The meeting took place with these (name, email, join_time) entries."""
        meeting = self.meetings[meeting_id]
        self.reports[meeting["uuid"]] = [
            {
                "id": secrets.token_hex(8),
                "name": name,
                "user_email": email,
                "join_time": joined,
                "leave_time": joined,
                "duration": 0,
            }
            for name, email, joined in participants
        ]

    def live(self) -> list[dict[str, Any]]:
        return list(self.meetings.values())

    # -- the API ----------------------------------------------------------
    def handle(self, request: Request) -> Response:
        if request.path.startswith("/v2/"):
            refusal = self._refusal(request)
            if refusal is not None:
                with self._lock:
                    self.requests.append(request)
                return refusal
        return super().handle(request)

    def _refusal(self, request: Request) -> Response | None:
        """A 429 while one is queued, a 401 for a token Zoom no longer honours."""
        with self._lock:
            times, retry_after = self._rate_limited
            if times > 0:
                self._rate_limited = (times - 1, retry_after)
                body = {
                    "code": 429,
                    "message": "You have reached the maximum per-second rate limit.",
                }
                return Response(429, body, {"Retry-After": str(retry_after)})
        if not self._authorised(request):
            return Response(401, {"code": 124, "message": "Invalid access token."})
        return None

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        return header.removeprefix("Bearer ") in self.tokens

    def _token(self, request: Request, _: Any) -> Response:
        header = request.headers.get("authorization", "")
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        query = {k: v[0] for k, v in request.query.items()}
        if header != f"Basic {expected}":
            return Response(
                400, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
            )
        if (
            query.get("grant_type") != "account_credentials"
            or query.get("account_id") != ACCOUNT_ID
        ):
            return Response(400, {"reason": "Invalid request", "error": "invalid_request"})
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        self.tokens_issued += 1
        return Response(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.expires_in,
                "scope": "meeting:write:admin report:read:admin",
            },
        )

    def _create(self, request: Request, _: Any) -> Response:
        body = request.json() or {}
        problem = _check_schedule(body)
        if problem:
            return Response(400, {"code": 300, "message": problem})
        meeting_id = next(self._ids)
        meeting = {
            "id": meeting_id,
            # Real UUIDs are base64 and may start with '/' or hold '//' (double-encoded).
            "uuid": f"/{base64.b64encode(secrets.token_bytes(12)).decode()}//x==",
            "topic": body.get("topic", ""),
            "type": body["type"],
            "start_time": body["start_time"],
            "duration": body["duration"],
            "timezone": body.get("timezone", "UTC"),
            "join_url": f"https://zoom.us/j/{meeting_id}?pwd={secrets.token_urlsafe(8)}",
            "settings": body.get("settings", {}),
        }
        self.meetings[meeting_id] = meeting
        return Response(201, dict(meeting))

    def _get(self, _: Request, match: Any) -> Response:
        meeting = self.meetings.get(int(match.group(1)))
        return Response(200, dict(meeting)) if meeting else _missing(match.group(1))

    def _patch(self, request: Request, match: Any) -> Response:
        meeting = self.meetings.get(int(match.group(1)))
        if meeting is None:
            return _missing(match.group(1))
        body = request.json() or {}
        meeting.update(
            {k: body[k] for k in ("start_time", "duration", "timezone", "topic") if k in body}
        )
        return Response(204)

    def _delete(self, _: Request, match: Any) -> Response:
        meeting_id = int(match.group(1))
        if self.meetings.pop(meeting_id, None) is None:
            return _missing(match.group(1))
        self.deleted.add(meeting_id)
        return Response(204)

    def _report(self, request: Request, match: Any) -> Response:
        # Zoom's router decodes the path once: a UUID holding '/' sent encoded once then
        # splits the path (a 404), which is why Zoom asks for those to be encoded twice.
        once = unquote(match.group(1))
        if "/" in once:
            return _missing(once)
        key = unquote(once)
        participants = self.reports.get(key)
        if participants is None:
            return _missing(key)
        size = min(int((request.query.get("page_size") or ["30"])[0]), _MAX_PAGE)
        start = int((request.query.get("next_page_token") or ["0"])[0] or 0)
        page = participants[start : start + size]
        following = start + size if start + size < len(participants) else None
        return Response(
            200,
            {
                "page_count": -(-len(participants) // size),
                "page_size": size,
                "total_records": len(participants),
                "next_page_token": str(following) if following is not None else "",
                "participants": page,
            },
        )


def _check_schedule(body: dict[str, Any]) -> str | None:
    if body.get("type") != 2:
        return "Only scheduled meetings (type 2) are expected here."
    if not body.get("start_time"):
        return "start_time is required for a scheduled meeting."
    if not isinstance(body.get("duration"), int) or body["duration"] <= 0:
        return "duration must be a positive number of minutes."
    return None


def _missing(meeting_id: str) -> Response:
    return Response(404, {"code": 3001, "message": f"Meeting does not exist: {meeting_id}."})
