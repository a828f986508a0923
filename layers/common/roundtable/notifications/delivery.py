"""Delivery: email through SendGrid (or the local outbox), Discord DMs and channel posts.

SendGrid's v3 mail send takes one message with up to 1,000 personalizations,
each an envelope with its own recipient, substitutions and headers, and answers
202 Accepted. So one request carries a message to a whole group: per-recipient
values (name, unsubscribe link) travel as substitutions. Every unique address
may appear once per request, or the whole request is refused with a 400.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import urllib.error
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any, Protocol

from roundtable import telemetry
from roundtable.config import Settings, get_settings
from roundtable.notifications.catalogue import EmailContent, substitutions

if TYPE_CHECKING:
    from sqlalchemy import Engine

logger = logging.getLogger(__name__)

MAX_PERSONALIZATIONS = 1000  # SendGrid's limit per request
DISCORD_MAX_CONTENT = 2000  # characters in one Discord message
_SENDGRID_TIMEOUT_SECONDS = 10.0
# 4xx answers that mean the request itself is wrong: repeating it cannot help.
_PERMANENT_SENDGRID = (400, 404, 405, 413, 415)
_PERMANENT_DISCORD = (400, 403, 404)


class DeliveryError(Exception):
    """A provider did not take the message; `retryable` says whether trying later may work."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status


@dataclass(frozen=True)
class EmailRecipient:
    email: str
    name: str
    personal: Mapping[str, str]  # Placeholder key -> this recipient's value
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Attachment:
    """A file sent with the message (SendGrid takes its content base64-encoded)."""

    filename: str
    content_type: str  # e.g. "text/calendar; method=REQUEST"
    content: bytes


@dataclass(frozen=True)
class EmailBatch:
    """One message to several recipients (one SendGrid request)."""

    content: EmailContent
    recipients: Sequence[EmailRecipient]
    attachments: Sequence[Attachment] = ()


class EmailSender(Protocol):
    def send(self, batch: EmailBatch) -> str:
        """Send the batch; the provider's message id. Raises DeliveryError."""
        ...


def split_recipients(recipients: Sequence[EmailRecipient]) -> list[list[EmailRecipient]]:
    """Chunks SendGrid accepts: at most 1,000, and no address twice in one chunk."""
    chunks: list[tuple[set[str], list[EmailRecipient]]] = []
    for recipient in recipients:
        address = recipient.email.lower()
        target = next(
            (c for c in chunks if address not in c[0] and len(c[1]) < MAX_PERSONALIZATIONS), None
        )
        if target is None:
            target = (set(), [])
            chunks.append(target)
        target[0].add(address)
        target[1].append(recipient)
    return [chunk for _, chunk in chunks]


def _address(text: str) -> dict[str, str]:
    name, email = parseaddr(text)
    return _mailbox(email, name)


def _mailbox(email: str, name: str) -> dict[str, str]:
    """SendGrid's {email, name}. SendGrid refuses a whole request (400) when a recipient's
    name contains `,` or `;` (its Mail Send limitations), and display names may: those
    characters become spaces. An empty name is left out."""
    shown = " ".join(name.replace(",", " ").replace(";", " ").split())
    return {"email": email, "name": shown} if shown else {"email": email}


def sendgrid_body(batch: EmailBatch, sender: str) -> dict[str, Any]:
    """The v3 /mail/send JSON for a batch."""
    personalizations = []
    for r in batch.recipients:
        envelope: dict[str, Any] = {"to": [_mailbox(r.email, r.name)]}
        if r.personal:
            envelope["substitutions"] = substitutions(r.personal)
        if r.headers:
            envelope["headers"] = dict(r.headers)
        personalizations.append(envelope)
    body: dict[str, Any] = {
        "personalizations": personalizations,
        "from": _address(sender),
        "subject": batch.content.subject,
        # SendGrid wants text/plain before text/html.
        "content": [
            {"type": "text/plain", "value": batch.content.text},
            {"type": "text/html", "value": batch.content.html},
        ],
    }
    if batch.attachments:
        body["attachments"] = [_attachment(a) for a in batch.attachments]
    return body


def _attachment(attachment: Attachment) -> dict[str, str]:
    return {
        "content": base64.b64encode(attachment.content).decode("ascii"),
        "type": attachment.content_type,
        "filename": attachment.filename,
        "disposition": "attachment",
    }


class SendGridEmailSender:
    """Email through SendGrid's Python client; `host` points it at a fake in tests."""

    def __init__(self, api_key: str, host: str, sender: str) -> None:
        import sendgrid  # only functions that send email load it

        self._client = sendgrid.SendGridAPIClient(api_key=api_key, host=host)
        self._client.client.timeout = _SENDGRID_TIMEOUT_SECONDS
        self.sender = sender

    def send(self, batch: EmailBatch) -> str:
        from python_http_client.exceptions import HTTPError

        telemetry.count("ExternalCalls", Service="sendgrid")
        try:
            response = self._client.send(sendgrid_body(batch, self.sender))
        except HTTPError as exc:
            raise _sendgrid_error(exc) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            telemetry.count("ExternalErrors", Service="sendgrid")
            raise DeliveryError(f"SendGrid unreachable: {exc}", retryable=True) from exc
        return str(_header(response.headers, "X-Message-Id") or "")


def _sendgrid_error(exc: Any) -> DeliveryError:
    status = int(getattr(exc, "status_code", 0) or 0)
    telemetry.count(
        "ExternalRateLimited" if status == 429 else "ExternalErrors", Service="sendgrid"
    )
    message = f"SendGrid answered {status}: {_sendgrid_messages(getattr(exc, 'body', b''))}"
    retry_after = None
    if status == 429:
        reset = _header(getattr(exc, "headers", None), "X-RateLimit-Reset")
        if reset and reset.isdigit():
            retry_after = max(float(reset) - time.time(), 1.0)
    return DeliveryError(
        message,
        retryable=status not in _PERMANENT_SENDGRID,
        retry_after=retry_after,
        status=status,
    )


def _sendgrid_messages(body: Any) -> str:
    try:
        errors = json.loads(body or b"{}").get("errors") or []
        found = [f"{e.get('field') or ''}: {e.get('message')}".lstrip(": ") for e in errors]
        return "; ".join(found) or "no error detail"
    except (ValueError, AttributeError):
        return str(body)[:300]


def _header(headers: Any, name: str) -> str | None:
    if headers is None:
        return None
    value = headers.get(name) or headers.get(name.lower())
    return str(value) if value is not None else None


class OutboxEmailSender:
    """The local stack without SENDGRID_API_KEY: each email becomes an `outbox` row."""

    def __init__(self, engine: Engine | None, sender: str) -> None:
        self._engine = engine
        self.sender = sender

    def send(self, batch: EmailBatch) -> str:
        from roundtable.db.engine import transaction
        from roundtable.db.tables import outbox

        files = [_attachment(a) for a in batch.attachments]
        rows = [self._expanded(batch.content, r, files) for r in batch.recipients]
        with transaction(self._engine) as conn:
            conn.execute(outbox.insert(), rows)
        return "outbox"

    def _expanded(
        self, content: EmailContent, recipient: EmailRecipient, files: list[dict[str, str]]
    ) -> dict[str, Any]:
        tags = substitutions(recipient.personal)
        request: dict[str, Any] = {
            "from": self.sender,
            "to": {"email": recipient.email, "name": recipient.name},
            "subject": _fill(content.subject, tags),
            "text": _fill(content.text, tags),
            "html": _fill(content.html, tags),
            "headers": dict(recipient.headers),
        }
        if files:
            request["attachments"] = files
        return {"service": "sendgrid", "operation": "mail.send", "request": request}


def _fill(text: str, tags: Mapping[str, str]) -> str:
    for tag, value in tags.items():
        text = text.replace(tag, value)
    return text


class UnconfiguredEmailSender:
    """No SENDGRID_API_KEY outside the local stack: every email fails, retryably, saying so."""

    def send(self, batch: EmailBatch) -> str:
        raise DeliveryError("SENDGRID_API_KEY is not set", retryable=True)


class DiscordSender:
    """DMs and channel posts through the shared Discord REST client (made on first use)."""

    def __init__(self, client_factory: Callable[[], Any]) -> None:
        self._factory = client_factory
        self._client: Any = None
        self._dm_channels: dict[str, str] = {}

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._factory()
        return self._client

    def send_dm(
        self, user_id: str, content: str, known_channel: str | None = None
    ) -> tuple[str, str]:
        """DM a Discord user; (message id, DM channel id). Reuses a known DM channel."""
        channel = known_channel or self._dm_channels.get(user_id)
        if channel is not None:
            try:
                return self._post(channel, content, {"parse": []}), channel
            except DeliveryError as exc:
                if exc.status != 404:  # a DM channel Discord forgot: open a new one
                    raise
        created = self._call("POST", "/users/@me/channels", {"recipient_id": user_id})
        channel = str(created["id"])
        self._dm_channels[user_id] = channel
        return self._post(channel, content, {"parse": []}), channel

    def post(self, channel_id: str, content: str, mention_user_ids: Sequence[str] = ()) -> str:
        """Post in a channel; only the listed users may be pinged."""
        return self._post(channel_id, content, {"parse": [], "users": list(mention_user_ids)})

    def _post(self, channel_id: str, content: str, allowed_mentions: dict[str, Any]) -> str:
        body = {"content": _fit(content), "allowed_mentions": allowed_mentions}
        message = self._call("POST", f"/channels/{channel_id}/messages", body)
        return str((message or {}).get("id") or "")

    def _call(self, method: str, path: str, body: dict[str, Any]) -> Any:
        try:
            return self.client.request(method, path, json=body)
        except DeliveryError:
            raise
        except Exception as exc:  # the client's DiscordApiError, or a settings error
            raise _discord_error(exc) from exc


def _discord_error(exc: Exception) -> DeliveryError:
    status = getattr(exc, "status", None)
    if status is None:
        return DeliveryError(f"Discord client unavailable: {exc}", retryable=True)
    retry_after = getattr(exc, "retry_after", None)
    return DeliveryError(
        str(exc),
        retryable=int(status) not in _PERMANENT_DISCORD,
        retry_after=float(retry_after) if retry_after is not None else None,
        status=int(status),
    )


def _fit(content: str) -> str:
    if len(content) <= DISCORD_MAX_CONTENT:
        return content
    return content[: DISCORD_MAX_CONTENT - 1] + "…"


@dataclass
class Providers:
    """Where messages go: an email sender and a Discord sender."""

    email: EmailSender
    discord: DiscordSender


def default_providers(engine: Engine | None = None, settings: Settings | None = None) -> Providers:
    """SendGrid with SENDGRID_API_KEY (outbox in the local stack without it), and the shared
    Discord client (which has an outbox mode of its own)."""
    settings = settings or get_settings()
    key = settings.secret("SENDGRID_API_KEY")
    email: EmailSender
    if key:
        email = SendGridEmailSender(key, settings.sendgrid_host, settings.email_from)
    elif settings.stage == "local":
        email = OutboxEmailSender(engine, settings.email_from)
    else:
        email = UnconfiguredEmailSender()

    def discord_client() -> Any:
        from roundtable.discord.rest import get_discord_client

        return get_discord_client(engine)

    return Providers(email, DiscordSender(discord_client))
