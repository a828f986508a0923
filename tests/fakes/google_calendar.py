"""A stateful fake of the Google Calendar API v3 (events), served over real HTTP.

What it knows: events insert (client-supplied ids: base32hex a-v0-9, 5-1024
characters; 409 on a duplicate), get (cancelled events too, as Google does),
patch (arrays replace; attendee answers kept), delete, list (full and
incremental with syncToken, singleEvents expansion, nextPageToken paging,
410 for an expired token, 400 when a sync token is mixed with filters),
instances of a weekly recurring event (RRULE FREQ=WEEKLY with COUNT or
UNTIL, expanded in the event's timeZone), and batch requests
(multipart/mixed on /batch/calendar/v3; inner requests are handled and logged
one by one, so faults and `mutating_requests` see them).

Tests change attendee answers with `respond`, delete events behind the
client's back with `delete_event`, expire sync tokens with
`expire_sync_tokens`, and inject Google's rate limits (403
rateLimitExceeded / userRateLimitExceeded, 429) and 5xx with `fail_next`.
Emails Google would send (per `sendUpdates`) are recorded in `sent`.

Google's invitation limit ("Calendar usage limits exceeded"): with
`invitation_limit` set, a calendar whose writes would e-mail more guests than
that in total becomes read-only, as Google makes it for hours to days: that
write and every later insert, patch and delete on it answer 403 quotaExceeded
(domain usageLimits) until `lift_quota`; reads still work.

Conferences (Google Meet): a `conferenceData` in an insert or patch body is
applied only with the query parameter conferenceDataVersion=1 (as Google
documents, version 0 ignores it). A `createRequest` of type hangoutsMeet gives
the event `conferenceData` (entryPoints with the video link, status success)
and `hangoutLink`; the same requestId always gives the same link. `null`
removes the conference. Tests make Google answer `pending` with `meet_pending`.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from tests.fakes.contracts import CALENDAR
from tests.fakes.http import FakeService, Request, Response

BASE_PATH = "/calendar/v3"
BATCH_PATH = "/batch/calendar/v3"
ORGANIZER = "roundtable@calendar.example"
_EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")
_CAL = r"(?P<cal>[^/]+)"
_EV = r"(?P<event>[^/]+)"
_SYNC_RESTRICTIONS = (
    "timeMin",
    "timeMax",
    "updatedMin",
    "iCalUID",
    "orderBy",
    "q",
    "privateExtendedProperty",
    "sharedExtendedProperty",
)


def google_error(status: int, reason: str, message: str, domain: str = "global") -> Response:
    """An error answer shaped like Google's JSON errors."""
    body = {
        "error": {
            "errors": [{"domain": domain, "reason": reason, "message": message}],
            "code": status,
            "message": message,
        }
    }
    return Response(status, body)


def rate_limited(kind: str = "403") -> Response:
    """Google's rate-limit answers: 403 rateLimitExceeded / userRateLimitExceeded, or 429."""
    if kind == "429":
        return google_error(429, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits")
    reason = "userRateLimitExceeded" if kind == "user" else "rateLimitExceeded"
    return google_error(403, reason, "Rate Limit Exceeded", "usageLimits")


def quota_exceeded() -> Response:
    """Google's answer once a calendar is read-only for sending too many invitations."""
    return google_error(403, "quotaExceeded", "Calendar usage limits exceeded.", "usageLimits")


def server_error(status: int = 503) -> Response:
    return google_error(status, "backendError", "Backend Error")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


class FakeGoogleCalendar(FakeService):
    """See the module docstring; events live in `events[(calendar, id)]`."""

    contract = CALENDAR  # requests and answers held to the Calendar discovery document

    def __init__(self) -> None:
        super().__init__()
        self.events: dict[tuple[str, str], dict[str, Any]] = {}
        # (calendar, master id, original start UTC ISO) -> attendee answers overriding the master
        self.exceptions: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.sent: list[dict[str, str]] = []  # {"event", "email", "kind"}
        self._seq = itertools.count(1)
        self.seq = 0
        self._token_epoch = 0
        self.invitation_limit: int | None = None  # e-mails per calendar before read-only
        self.read_only: set[str] = set()  # calendars Google stopped taking writes for
        self.mailed: Counter[str] = Counter()  # e-mails sent per calendar (sendUpdates=all)
        self.conferences: dict[str, str] = {}  # createRequest requestId -> Meet link
        self.meet_pending = False  # answer createRequests "pending" (finished on the next read)
        self.route("POST", rf"{BASE_PATH}/calendars/{_CAL}/events", self._insert)
        self.route("GET", rf"{BASE_PATH}/calendars/{_CAL}/events", self._list)
        self.route("GET", rf"{BASE_PATH}/calendars/{_CAL}/events/{_EV}/instances", self._instances)
        self.route("GET", rf"{BASE_PATH}/calendars/{_CAL}/events/{_EV}", self._get)
        self.route("PATCH", rf"{BASE_PATH}/calendars/{_CAL}/events/{_EV}", self._patch)
        self.route("DELETE", rf"{BASE_PATH}/calendars/{_CAL}/events/{_EV}", self._delete)
        self.route("POST", BATCH_PATH, self._batch)

    @property
    def base_url_for_client(self) -> str:
        """What GOOGLE_CALENDAR_BASE should be set to."""
        return f"{self.base_url}{BASE_PATH}"

    # -- inspection and test controls -------------------------------------------
    def mutating_requests(self) -> list[Request]:
        """Mutating API calls; a batch envelope is not one, its inner requests are."""
        return [r for r in self.requests if r.mutating and r.path != BATCH_PATH]

    def api_calls(self) -> list[Request]:
        """Every API call as Google counts quota: inner batch requests one by one."""
        return [r for r in self.requests if r.path != BATCH_PATH]

    def http_requests(self) -> list[Request]:
        """HTTP round trips: a batch counts once."""
        return [r for r in self.requests if not r.headers.get("x-fake-batch-part")]

    def event(self, event_id: str, calendar: str = "primary") -> dict[str, Any]:
        return self._public(self.events[(calendar, event_id)])

    def live_events(self, calendar: str = "primary") -> list[dict[str, Any]]:
        return [
            self._public(e)
            for (cal, _), e in self.events.items()
            if cal == calendar and e["status"] != "cancelled"
        ]

    def instances(self, event_id: str, calendar: str = "primary") -> list[dict[str, Any]]:
        return self._expand(self.events[(calendar, event_id)], calendar)

    def respond(
        self,
        event_id: str,
        email: str,
        status: str,
        *,
        occurrence: datetime | None = None,
        calendar: str = "primary",
    ) -> None:
        """An attendee answers the whole series, or one occurrence (by original start)."""
        event = self.events[(calendar, event_id)]
        if occurrence is None:
            for attendee in event.get("attendees", []):
                if attendee["email"] == email.lower():
                    attendee["responseStatus"] = status
            self._touch(event)
            return
        key = (calendar, event_id, _utc_key(occurrence))
        override = self.exceptions.setdefault(key, {"answers": {}})
        override["answers"][email.lower()] = status
        override["seq"] = self._next_seq()
        override["updated"] = _now()

    def delete_event(self, event_id: str, calendar: str = "primary") -> None:
        """Someone deletes the event in Google Calendar."""
        event = self.events[(calendar, event_id)]
        event["status"] = "cancelled"
        self._touch(event)

    def lift_quota(self, calendar: str = "primary") -> None:
        """Google's read-only period is over: the calendar takes writes again."""
        self.read_only.discard(calendar)
        self.mailed[calendar] = 0

    def _over_quota(self, calendar: str, request: Request, emailed: int) -> Response | None:
        """403 quotaExceeded when the calendar is read-only or this write would make it so."""
        if calendar not in self.read_only and self.invitation_limit is not None:
            mailed = self.mailed[calendar]
            if _param(request, "sendUpdates") == "all" and mailed + emailed > self.invitation_limit:
                self.read_only.add(calendar)
        return quota_exceeded() if calendar in self.read_only else None

    def expire_sync_tokens(self) -> None:
        """Every sync token issued so far answers 410 from now on."""
        self._token_epoch += 1

    # -- events -------------------------------------------------------------------
    def _insert(self, request: Request, match: re.Match[str]) -> Response:
        calendar = unquote(match["cal"])
        body = request.json() or {}
        refused = self._over_quota(calendar, request, len(body.get("attendees", [])))
        if refused is not None:
            return refused
        problem = _validate_event(body)
        if problem:
            return google_error(400, "invalid" if "id" in problem else "required", problem)
        event_id = body.get("id") or uuid.uuid4().hex
        if (calendar, event_id) in self.events:
            return google_error(409, "duplicate", "The requested identifier already exists.")
        event = {
            **{k: v for k, v in body.items() if k != "conferenceData"},
            "kind": "calendar#event",
            "id": event_id,
            "status": body.get("status", "confirmed"),
            "iCalUID": f"{event_id}@google.com",
            "created": _now(),
            "sequence": 0,
            "organizer": {"email": ORGANIZER, "self": True},
            "creator": {"email": ORGANIZER, "self": True},
            "attendees": [_attendee(a, {}) for a in body.get("attendees", [])],
            "start": _normalise_time(body["start"]),
            "end": _normalise_time(body["end"]),
        }
        self._conference(event, body, request)
        self.events[(calendar, event_id)] = event
        self._touch(event)
        send = _param(request, "sendUpdates")
        self._notify(event_id, send, event["attendees"], "invitation", calendar)
        return Response(200, self._public(event))

    def _get(self, request: Request, match: re.Match[str]) -> Response:
        event = self.events.get((unquote(match["cal"]), unquote(match["event"])))
        if event is None:
            return google_error(404, "notFound", "Not Found")
        self._finish_pending(event)
        return Response(200, self._public(event))

    def _patch(self, request: Request, match: re.Match[str]) -> Response:
        calendar, event_id = unquote(match["cal"]), unquote(match["event"])
        event = self.events.get((calendar, event_id))
        if event is None:
            return google_error(404, "notFound", "Not Found")
        body = request.json() or {}
        emailed = len(body.get("attendees", event.get("attendees", [])))
        refused = self._over_quota(calendar, request, emailed)
        if refused is not None:
            return refused
        before = {a["email"] for a in event.get("attendees", [])}
        moved = any(key in body and body[key] != event.get(key) for key in ("start", "end"))
        moved = moved or ("recurrence" in body and body["recurrence"] != event.get("recurrence"))
        for key, value in body.items():
            if key in ("id", "kind", "organizer", "creator", "created", "iCalUID"):
                continue
            if key == "conferenceData":
                self._conference(event, body, request)
                continue
            if key == "attendees":
                previous = {a["email"]: a for a in event.get("attendees", [])}
                value = [_attendee(a, previous) for a in value]
            elif key in ("start", "end"):
                value = _normalise_time(value)
            event[key] = value
        if moved:
            event["sequence"] += 1
            for key in [k for k in self.exceptions if k[:2] == (calendar, event_id)]:
                del self.exceptions[key]
        self._touch(event)
        after = event.get("attendees", [])
        send = _param(request, "sendUpdates")
        added = [a for a in after if a["email"] not in before]
        self._notify(event_id, send, added, "invitation", calendar)
        kept = [a for a in after if a["email"] in before]
        self._notify(event_id, send, kept, "update", calendar)
        gone = before - {a["email"] for a in after}
        self._notify(event_id, send, [{"email": e} for e in sorted(gone)], "cancellation", calendar)
        return Response(200, self._public(event))

    def _delete(self, request: Request, match: re.Match[str]) -> Response:
        calendar = unquote(match["cal"])
        event = self.events.get((calendar, unquote(match["event"])))
        if event is None or event["status"] == "cancelled":
            return google_error(410, "deleted", "Resource has been deleted")
        refused = self._over_quota(calendar, request, len(event.get("attendees", [])))
        if refused is not None:
            return refused
        event["status"] = "cancelled"
        self._touch(event)
        send = _param(request, "sendUpdates")
        self._notify(event["id"], send, event.get("attendees", []), "cancellation", calendar)
        return Response(204)

    # -- lists ----------------------------------------------------------------------
    def _list(self, request: Request, match: re.Match[str]) -> Response:
        calendar = unquote(match["cal"])
        token = _param(request, "syncToken")
        if token is not None:
            if any(_param(request, name) for name in _SYNC_RESTRICTIONS):
                return google_error(
                    400,
                    "invalid",
                    "Sync token cannot be used with other request restrictions.",
                )
            since = self._token_seq(token)
            if since is None:
                return google_error(
                    410,
                    "fullSyncRequired",
                    "Sync token is no longer valid, a full sync is required.",
                    "calendar",
                )
            items = self._changes(calendar, since, _flag(request, "singleEvents"))
        else:
            items = self._everything(calendar, request)
        return self._page(request, items, sync=True)

    def _instances(self, request: Request, match: re.Match[str]) -> Response:
        calendar, event_id = unquote(match["cal"]), unquote(match["event"])
        event = self.events.get((calendar, event_id))
        if event is None:
            return google_error(404, "notFound", "Not Found")
        if not event.get("recurrence"):
            return google_error(400, "invalid", "The event is not a recurring event.")
        items = self._expand(event, calendar)
        if not _flag(request, "showDeleted"):
            items = [i for i in items if i["status"] != "cancelled"]
        return self._page(request, _within(items, request), sync=False)

    def _changes(self, calendar: str, since: int, single: bool) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        changed_masters = set()
        for (cal, event_id), event in self.events.items():
            if cal != calendar or event["_seq"] <= since:
                continue
            changed_masters.add(event_id)
            items.extend(self._expand(event, cal) if single else [self._public(event)])
        for (cal, event_id, start), override in self.exceptions.items():
            if cal != calendar or override["seq"] <= since or event_id in changed_masters:
                continue
            # The changed occurrence, as an exception instance of its series.
            event = self.events[(cal, event_id)]
            items.extend(i for i in self._expand(event, cal) if i["_key"] == start)
        return items

    def _everything(self, calendar: str, request: Request) -> list[dict[str, Any]]:
        show_deleted = _flag(request, "showDeleted")
        items: list[dict[str, Any]] = []
        for (cal, _), event in self.events.items():
            if cal != calendar or (event["status"] == "cancelled" and not show_deleted):
                continue
            if _flag(request, "singleEvents"):
                items.extend(self._expand(event, cal))
            else:
                items.append(self._public(event))
        return _within(items, request)

    def _page(self, request: Request, items: list[dict[str, Any]], *, sync: bool) -> Response:
        size = min(int(_param(request, "maxResults") or 250), 2500)
        page_token = _param(request, "pageToken")
        offset, snapshot = (0, self.seq)
        if page_token:
            offset, snapshot = (int(x) for x in page_token.split("."))
        page = items[offset : offset + size]
        body: dict[str, Any] = {
            "kind": "calendar#events",
            "items": [{k: v for k, v in i.items() if not k.startswith("_")} for i in page],
            "updated": _now(),
            "timeZone": "UTC",
        }
        if offset + size < len(items):
            body["nextPageToken"] = f"{offset + size}.{snapshot}"
        elif sync:
            body["nextSyncToken"] = f"sync-{self._token_epoch}-{snapshot}"
        return Response(200, body)

    # -- recurrence -----------------------------------------------------------------
    def _expand(self, event: dict[str, Any], calendar: str) -> list[dict[str, Any]]:
        if not event.get("recurrence"):
            return [{**self._public(event), "_key": ""}]
        zone = ZoneInfo(event["start"]["timeZone"])
        first = _parse_time(event["start"]).astimezone(zone)
        length = _parse_time(event["end"]) - _parse_time(event["start"])
        count, until = _rrule(event["recurrence"])
        result = []
        for week in itertools.count():
            if count is not None and week >= count:
                break
            local = datetime.combine(first.date() + timedelta(weeks=week), first.time(), zone)
            start = local.astimezone(UTC)
            if until is not None and start > until:
                break
            result.append(self._instance(event, calendar, local, length))
        return result

    def _instance(
        self, event: dict[str, Any], calendar: str, local: datetime, length: timedelta
    ) -> dict[str, Any]:
        key = _utc_key(local)
        override = self.exceptions.get((calendar, event["id"], key), {})
        answers = override.get("answers", {})
        attendees = [
            {**a, "responseStatus": answers.get(a["email"], a["responseStatus"])}
            for a in event.get("attendees", [])
        ]
        zone_name = event["start"]["timeZone"]
        return {
            **{k: v for k, v in self._public(event).items() if k != "recurrence"},
            "id": f"{event['id']}_{key}",
            "recurringEventId": event["id"],
            "originalStartTime": {"dateTime": local.isoformat(), "timeZone": zone_name},
            "start": {"dateTime": local.isoformat(), "timeZone": zone_name},
            "end": {"dateTime": (local + length).isoformat(), "timeZone": zone_name},
            "attendees": attendees,
            "updated": override.get("updated", event["updated"]),
            "_key": key,
        }

    # -- batch ----------------------------------------------------------------------
    def _batch(self, request: Request, match: re.Match[str]) -> Response:
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("multipart/mixed"):
            return google_error(400, "badContent", "batch needs multipart/mixed")
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"content-type: {content_type}\r\n\r\n".encode() + request.body
        )
        boundary = f"batch_{uuid.uuid4().hex}"
        parts = []
        for part in message.iter_parts():
            content_id = str(part["content-id"] or "<none + 0>")
            inner = _inner_request(part.get_payload(decode=True) or b"")
            answer = self.serve(inner)
            parts.append(_batch_part(boundary, content_id, answer))
        payload = "".join(parts) + f"--{boundary}--\r\n"
        return Response(200, payload, {"content-type": f"multipart/mixed; boundary={boundary}"})

    # -- internals -------------------------------------------------------------------
    def _token_seq(self, token: str) -> int | None:
        """The change number a sync token stands for; None when unknown or expired."""
        match = re.fullmatch(r"sync-(\d+)-(\d+)", token)
        if match is None or int(match[1]) != self._token_epoch:
            return None
        return int(match[2])

    def _next_seq(self) -> int:
        self.seq = next(self._seq)
        return self.seq

    def _conference(self, event: dict[str, Any], body: dict[str, Any], request: Request) -> None:
        """Apply the body's conferenceData, which Google reads only with version 1."""
        if "conferenceData" not in body or _param(request, "conferenceDataVersion") != "1":
            return
        wanted = body["conferenceData"]
        if wanted is None:
            event.pop("conferenceData", None)
            event.pop("hangoutLink", None)
            return
        create = wanted.get("createRequest") or {}
        request_id = create.get("requestId")
        if not request_id or create.get("conferenceSolutionKey", {}).get("type") != "hangoutsMeet":
            return
        status = "pending" if self.meet_pending else "success"
        event["conferenceData"] = {
            "createRequest": {**create, "status": {"statusCode": status}},
            "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Google Meet"},
        }
        if status == "success":
            self._finish_pending(event)

    def _finish_pending(self, event: dict[str, Any]) -> None:
        """A created conference gets its (per-requestId stable) link and entry points."""
        data = event.get("conferenceData")
        if not data or "conferenceId" in data or self.meet_pending:
            return
        request_id = data["createRequest"]["requestId"]
        link = self.conferences.setdefault(
            request_id, f"https://meet.google.com/{uuid.uuid4().hex[:3]}-{uuid.uuid4().hex[:4]}"
        )
        data["createRequest"]["status"] = {"statusCode": "success"}
        data["conferenceId"] = link.rsplit("/", 1)[1]
        data["entryPoints"] = [{"entryPointType": "video", "uri": link, "label": link[8:]}]
        event["hangoutLink"] = link

    def _touch(self, event: dict[str, Any]) -> None:
        event["_seq"] = self._next_seq()
        event["updated"] = _now()
        event["etag"] = f'"{event["_seq"]}"'

    def _public(self, event: dict[str, Any]) -> dict[str, Any]:
        return json.loads(json.dumps({k: v for k, v in event.items() if not k.startswith("_")}))

    def _notify(
        self,
        event_id: str,
        send: str | None,
        attendees: list[dict[str, Any]],
        kind: str,
        calendar: str,
    ) -> None:
        if send != "all":
            return  # "none" (the default) and "externalOnly" (no external guests here)
        for attendee in attendees:
            self.sent.append({"event": event_id, "email": attendee["email"], "kind": kind})
            self.mailed[calendar] += 1


def _validate_event(body: dict[str, Any]) -> str | None:
    if "id" in body and not _EVENT_ID.match(str(body["id"])):
        return "Invalid resource id value."
    if "start" not in body or "end" not in body:
        return "Missing end time." if "start" in body else "Missing start time."
    if body.get("recurrence") and not body["start"].get("timeZone"):
        return "Missing time zone definition for start time."
    for attendee in body.get("attendees", []):
        if not attendee.get("email"):
            return "Missing attendee email."
    return None


def _attendee(given: dict[str, Any], previous: dict[str, dict[str, Any]]) -> dict[str, Any]:
    email_address = str(given["email"]).lower()  # Google answers attendee emails lower-cased
    old = previous.get(email_address, {})
    status = given.get("responseStatus") or old.get("responseStatus") or "needsAction"
    result = {**old, **given, "email": email_address, "responseStatus": status}
    return result


def _normalise_time(value: dict[str, Any]) -> dict[str, Any]:
    """Google answers dateTime as RFC 3339 with the offset of the event's zone."""
    moment = _parse_time(value)
    zone = ZoneInfo(value["timeZone"]) if value.get("timeZone") else UTC
    result = {"dateTime": moment.astimezone(zone).isoformat()}
    if value.get("timeZone"):
        result["timeZone"] = value["timeZone"]
    return result


def _parse_time(value: dict[str, Any]) -> datetime:
    moment = datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(value.get("timeZone") or "UTC"))
    return moment


def _rrule(recurrence: list[str]) -> tuple[int | None, datetime | None]:
    for line in recurrence:
        if not line.startswith("RRULE:"):
            continue
        fields = dict(item.split("=", 1) for item in line.removeprefix("RRULE:").split(";"))
        if fields.get("FREQ") != "WEEKLY":
            raise ValueError(f"the fake expands only weekly rules, got {line}")
        until = None
        if "UNTIL" in fields:
            until = datetime.strptime(fields["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return (int(fields["COUNT"]) if "COUNT" in fields else None), until
    return 1, None


def _utc_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _within(items: list[dict[str, Any]], request: Request) -> list[dict[str, Any]]:
    time_min, time_max = _param(request, "timeMin"), _param(request, "timeMax")
    result = []
    for item in items:
        start, end = _parse_time(item["start"]), _parse_time(item["end"])
        if time_min and end <= datetime.fromisoformat(time_min.replace("Z", "+00:00")):
            continue
        if time_max and start >= datetime.fromisoformat(time_max.replace("Z", "+00:00")):
            continue
        result.append(item)
    return result


def _param(request: Request, name: str) -> str | None:
    values = request.query.get(name)
    return values[0] if values else None


def _flag(request: Request, name: str) -> bool:
    return (_param(request, name) or "").lower() == "true"


def _inner_request(raw: bytes) -> Request:
    head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    request_line, *header_lines = head.decode().split("\n")
    method, target, _ = request_line.split(" ", 2)
    headers = {"x-fake-batch-part": "1"}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    parts = urlsplit(target)
    return Request(method, parts.path, parse_qs(parts.query), headers, body.strip())


def _batch_part(boundary: str, content_id: str, answer: Response) -> str:
    body = "" if answer.body is None else json.dumps(answer.body)
    inner_id = content_id.strip("<>")
    return (
        f"--{boundary}\r\n"
        "Content-Type: application/http\r\n"
        f"Content-ID: <response-{inner_id}>\r\n\r\n"
        f"HTTP/1.1 {answer.status} {_REASONS.get(answer.status, 'Status')}\r\n"
        "Content-Type: application/json; charset=UTF-8\r\n\r\n"
        f"{body}\r\n"
    )


_REASONS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    410: "Gone",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
