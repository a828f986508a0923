"""A fake of SendGrid's v3 mail send API, served over real HTTP.

POST /v3/mail/send answers 202 Accepted with an X-Message-Id header, like
SendGrid, after checking the body the way SendGrid does (the subset we rely
on): at least one and at most 1,000 personalizations, each with a `to` list of
valid addresses, no address twice in one request, a valid `from`, a subject,
content with text/plain before text/html, and attachments as the spec
describes them (base64 `content`, a `filename`, a `type` without line
breaks, `disposition` inline or attachment). A bad body is a 400 with an
`errors` list of {field, message}; a wrong key is a 401. `rate_limit_next` and
`server_error_next` inject 429s (with X-RateLimit-* headers) and 5xx answers;
`latency` delays every answer, as the real API's round trip does.

Accepted mail is expanded per recipient with substitutions applied, as
SendGrid would deliver it: `fake.delivered` (attachments decoded).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
import time
from dataclasses import dataclass
from typing import Any

from tests.fakes.contracts import SENDGRID
from tests.fakes.http import FakeService, Request, Response

API_KEY = "SG.test-key"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_PERSONALIZATIONS = 1000
DISPOSITIONS = ("inline", "attachment")  # the spec's Disposition enum
# type/subtype, then parameters (`text/calendar; method=REQUEST`); no line breaks.
_MIME_TYPE = re.compile(r"[\w.+-]+/[\w.+-]+(; *[\w-]+=[\w.-]+)*")


@dataclass(frozen=True)
class DeliveredFile:
    """An attachment as the recipient's mail program gets it."""

    filename: str
    content_type: str
    disposition: str
    content: bytes


@dataclass(frozen=True)
class Delivered:
    """One email as the recipient would get it."""

    to: str
    name: str | None
    subject: str
    text: str
    html: str
    headers: dict[str, str]
    message_id: str
    attachments: tuple[DeliveredFile, ...] = ()


def errors(*problems: tuple[str | None, str]) -> dict[str, Any]:
    return {"errors": [{"field": field, "message": message} for field, message in problems]}


class FakeSendGrid(FakeService):
    contract = SENDGRID  # requests and answers held to SendGrid's OpenAPI document

    def __init__(self, *, api_key: str = API_KEY) -> None:
        super().__init__()
        self.api_key = api_key
        self.delivered: list[Delivered] = []
        self.accepted: list[dict[str, Any]] = []  # request bodies answered 202
        self._ids = itertools.count(1)
        self.latency = 0.0  # seconds before each answer (requests are served concurrently)
        self.route("POST", r"/v3/mail/send", self._send)

    def handle(self, request: Request) -> Response:
        if self.latency:
            time.sleep(self.latency)  # outside the lock: requests overlap as they do for real
        return super().handle(request)

    # -- fault injection ------------------------------------------------------
    def rate_limit_next(self, *, reset_in: int = 60, times: int = 1) -> None:
        """Answer the next sends with SendGrid's 429 and its rate-limit headers."""
        headers = {
            "X-RateLimit-Limit": "600",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(time.time()) + reset_in),
        }
        response = Response(429, errors((None, "too many requests")), headers)
        self.fail_next("POST", r"/v3/mail/send", response, times=times)

    def server_error_next(self, *, status: int = 500, times: int = 1) -> None:
        body = errors((None, "An internal server error occurred. Please try again later."))
        self.fail_next("POST", r"/v3/mail/send", Response(status, body), times=times)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # -- inspection -------------------------------------------------------------
    def delivered_to(self, address: str) -> list[Delivered]:
        return [d for d in self.delivered if d.to.lower() == address.lower()]

    # -- the endpoint ---------------------------------------------------------------
    def _send(self, request: Request, match: re.Match[str]) -> Response:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            message = "The provided authorization grant is invalid, expired, or revoked"
            return Response(401, errors((None, message)))
        try:
            body = request.json()
        except ValueError:
            return Response(400, errors((None, "Bad Request")))
        problems = validate_mail(body)
        if problems:
            return Response(400, errors(*problems))
        message_id = f"fake-{next(self._ids)}"
        self.accepted.append(body)
        self.delivered.extend(_expand(body, message_id))
        return Response(202, None, {"X-Message-Id": message_id})


def validate_mail(body: Any) -> list[tuple[str | None, str]]:
    """SendGrid's checks (the subset our sender touches), as (field, message) pairs."""
    if not isinstance(body, dict):
        return [(None, "Bad Request")]
    problems = _personalization_problems(body.get("personalizations"))
    sender = body.get("from")
    if not isinstance(sender, dict) or not _EMAIL.match(str(sender.get("email", ""))):
        problems.append(("from.email", "The from email does not contain a valid address."))
    personalizations = body.get("personalizations") or []
    every_has_subject = bool(personalizations) and all(
        isinstance(p, dict) and p.get("subject") for p in personalizations
    )
    if not body.get("subject") and not every_has_subject:
        problems.append(("subject", "The subject is required."))
    problems.extend(_content_problems(body.get("content")))
    problems.extend(_attachment_problems(body.get("attachments", [])))
    return problems


def _attachment_problems(attachments: Any) -> list[tuple[str | None, str]]:
    if not isinstance(attachments, list):
        return [("attachments", "The attachments must be an array.")]
    problems: list[tuple[str | None, str]] = []
    for i, item in enumerate(attachments):
        where = f"attachments.{i}"
        if not isinstance(item, dict):
            problems.append((where, "An attachment must be an object."))
            continue
        content = item.get("content")
        if not isinstance(content, str) or not content or _decoded(content) is None:
            problems.append((f"{where}.content", "The attachment content must be base64 encoded."))
        if not isinstance(item.get("filename"), str) or not item["filename"]:
            problems.append((f"{where}.filename", "The attachment filename is required."))
        kind = item.get("type", "application/octet-stream")
        if not isinstance(kind, str) or not _MIME_TYPE.fullmatch(kind):
            problems.append((f"{where}.type", "The attachment type must be a MIME type."))
        if item.get("disposition", "attachment") not in DISPOSITIONS:
            problems.append(
                (f"{where}.disposition", "The disposition must be inline or attachment.")
            )
    return problems


def _decoded(content: str) -> bytes | None:
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        return None


def _personalization_problems(personalizations: Any) -> list[tuple[str | None, str]]:
    if not isinstance(personalizations, list) or not personalizations:
        return [("personalizations", "You must have at least one personalization.")]
    if len(personalizations) > MAX_PERSONALIZATIONS:
        return [
            (
                "personalizations",
                "The personalization block is limited to 1000 personalizations per API request.",
            )
        ]
    problems: list[tuple[str | None, str]] = []
    seen: set[str] = set()
    for i, envelope in enumerate(personalizations):
        to = envelope.get("to") if isinstance(envelope, dict) else None
        if not isinstance(to, list) or not to:
            problems.append((f"personalizations.{i}.to", "The to array is required."))
            continue
        for j, recipient in enumerate(to):
            address = str(recipient.get("email", "")) if isinstance(recipient, dict) else ""
            field = f"personalizations.{i}.to.{j}.email"
            if not _EMAIL.match(address):
                problems.append((field, "Does not contain a valid address."))
            elif address.lower() in seen:
                message = (
                    "Each unique email address in the personalizations array should only "
                    "be included once. You have included email address more than once."
                )
                problems.append((field, message))
            seen.add(address.lower())
        for key in ("substitutions", "headers"):
            value = envelope.get(key, {})
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                problems.append((f"personalizations.{i}.{key}", f"{key} must be strings."))
    return problems


def _content_problems(content: Any) -> list[tuple[str | None, str]]:
    if not isinstance(content, list) or not content:
        return [
            (
                "content",
                "Unless a valid template_id is provided, the content parameter is required.",
            )
        ]
    types = [c.get("type") if isinstance(c, dict) else None for c in content]
    problems: list[tuple[str | None, str]] = []
    for i, part in enumerate(content):
        if (
            not isinstance(part, dict)
            or not isinstance(part.get("value"), str)
            or not part["value"]
        ):
            problems.append(
                (
                    f"content.{i}.value",
                    "The content value must be a string at least one character in length.",
                )
            )
    if "text/plain" in types and types.index("text/plain") != 0:
        message = "If present, text/plain must be first, followed by text/html."
        problems.append(("content", message))
    if len(set(types)) != len(types):
        problems.append(
            ("content", "If present, text/plain and text/html may only be provided once.")
        )
    return problems


def _expand(body: dict[str, Any], message_id: str) -> list[Delivered]:
    parts = {c["type"]: c["value"] for c in body["content"]}
    files = tuple(
        DeliveredFile(
            a["filename"],
            a.get("type", "application/octet-stream"),
            a.get("disposition", "attachment"),
            _decoded(a["content"]) or b"",
        )
        for a in body.get("attachments", [])
    )
    delivered = []
    for envelope in body["personalizations"]:
        tags = envelope.get("substitutions") or {}
        subject = envelope.get("subject") or body["subject"]
        for recipient in envelope["to"]:
            delivered.append(
                Delivered(
                    to=recipient["email"],
                    name=recipient.get("name"),
                    subject=_fill(subject, tags),
                    text=_fill(parts.get("text/plain", ""), tags),
                    html=_fill(parts.get("text/html", ""), tags),
                    headers=dict(envelope.get("headers") or {}),
                    message_id=message_id,
                    attachments=files,
                )
            )
    return delivered


def _fill(text: str, tags: dict[str, str]) -> str:
    for tag, value in tags.items():
        text = text.replace(tag, value)
    return text


def start_fake_sendgrid(monkeypatch: Any, fake: FakeSendGrid | None = None) -> FakeSendGrid:
    """Start a fake and point settings at it (API key and host); the caller stops it."""
    fake = fake or FakeSendGrid()
    fake.start()
    monkeypatch.setenv("SENDGRID_API_KEY", fake.api_key)
    monkeypatch.setenv("SENDGRID_HOST", fake.base_url)
    return fake
