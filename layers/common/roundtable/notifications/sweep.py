"""The sweep: add what is due, then claim, send and record it in batches until done or
out of time. Run by `send_reminders` every few minutes; `deliver` alone is what a
`send_notification` job runs for the rows it just queued.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from roundtable.config import Settings, get_settings
from roundtable.db.engine import transaction
from roundtable.notifications import ledger
from roundtable.notifications.catalogue import Catalogue, EmailContent, Mention, Placeholder
from roundtable.notifications.catalogue import load_catalogue as _load_catalogue
from roundtable.notifications.compose import Links, Ready, Release, Skip, compose
from roundtable.notifications.delivery import (
    DeliveryError,
    EmailBatch,
    EmailRecipient,
    Providers,
    split_recipients,
)
from roundtable.notifications.due import ModulesDue, queue_due
from roundtable.notifications.facts import Facts, load_facts
from roundtable.notifications.ledger import Claimed, Outcome
from roundtable.notifications.policy import MAX_ATTEMPTS, backoff
from roundtable.notifications.unsubscribe import unsubscribe_key, unsubscribe_url

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# Stop claiming (and put back unsent claims) with less time than this left: enough
# for one provider call to time out and the batch's outcomes to be recorded.
RESERVE_MS = 30_000

RemainingMs = Callable[[], int]


@dataclass(frozen=True)
class DeliveryOptions:
    providers: Providers
    catalogue: Catalogue
    settings: Settings
    remaining_ms: RemainingMs | None = None
    batch_size: int = BATCH_SIZE
    reserve_ms: int = RESERVE_MS

    def has_time(self) -> bool:
        return self.remaining_ms is None or self.remaining_ms() > self.reserve_ms


def sweep(
    engine: Engine,
    now: datetime,
    *,
    providers: Providers,
    modules_due: ModulesDue | None = None,
    remaining_ms: RemainingMs | None = None,
    batch_size: int = BATCH_SIZE,
    reserve_ms: int = RESERVE_MS,
    catalogue: Catalogue | None = None,
) -> dict[str, Any]:
    """Add every notification due at `now`, then deliver what is due; a summary."""
    catalogue = catalogue or _load_catalogue()
    settings = get_settings()
    with transaction(engine) as conn:
        queued = queue_due(
            conn,
            now,
            catalogue,
            modules_due=modules_due,
            low_attendance_threshold=settings.low_attendance_threshold,
        )
    options = DeliveryOptions(providers, catalogue, settings, remaining_ms, batch_size, reserve_ms)
    return {"queued": queued, **deliver(engine, now, options)}


def deliver(
    engine: Engine, now: datetime, options: DeliveryOptions, only: Sequence[int] | None = None
) -> dict[str, Any]:
    """Claim, send and record due rows (optionally only these ids) batch by batch."""
    tally: Counter[str] = Counter()
    stopped_early = False
    while True:
        if not options.has_time():
            stopped_early = True
            break
        with transaction(engine) as conn:
            rows = ledger.claim(conn, now, options.batch_size, only)
            facts = load_facts(conn, rows, now) if rows else Facts()
        if not rows:
            break
        outcomes = _Batch(rows, facts, now, options).run()
        with transaction(engine) as conn:
            ledger.record(conn, outcomes, now)
        tally.update(_tally(outcomes))
        tally["batches"] += 1
        if len(rows) < options.batch_size:
            break
    return {**{k: tally[k] for k in _TALLY_KEYS}, "stopped_early": stopped_early}


_TALLY_KEYS = ("claimed", "sent", "retrying", "failed", "skipped", "released", "batches")


def _tally(outcomes: Sequence[Outcome]) -> Counter[str]:
    counts: Counter[str] = Counter(claimed=len(outcomes))
    for o in outcomes:
        if o.status == "pending":
            counts["retrying" if o.logged else "released"] += 1
        else:
            counts[o.status] += 1
    return counts


class _Batch:
    """One claimed batch: decide each row, render, send grouped emails and Discord messages."""

    def __init__(
        self, rows: Sequence[Claimed], facts: Facts, now: datetime, options: DeliveryOptions
    ):
        self.rows = rows
        self.facts = facts
        self.now = now
        self.options = options
        self.catalogue = options.catalogue
        self.links = Links(options.settings.public_base_url, options.settings.discord_guild_id)
        self.outcomes: list[Outcome] = []
        self.emails: dict[EmailContent, list[tuple[Claimed, EmailRecipient]]] = defaultdict(list)
        self.discord: list[tuple[Claimed, Ready]] = []
        self._unsubscribe_key: bytes | None = None

    def run(self) -> list[Outcome]:
        for row in self.rows:
            try:
                self._prepare(row)
            except Exception as exc:  # a bad template or payload fails this row, not the run
                logger.exception("notification %s (%s) could not be prepared", row.id, row.kind)
                self.outcomes.append(_failed(row, f"{type(exc).__name__}: {exc}", self.now))
        for content, items in self.emails.items():
            self._send_email(content, items)
        for row, ready in self.discord:
            self._send_discord(row, ready)
        return self.outcomes

    # -- deciding and rendering -------------------------------------------------
    def _prepare(self, row: Claimed) -> None:
        decision = compose(row, self.facts, self.now, self.links)
        if isinstance(decision, Skip):
            self.outcomes.append(Outcome(row.id, "skipped", "skipped", decision.reason))
        elif isinstance(decision, Release):
            self.outcomes.append(_released(row, decision.due_at, due_at=decision.due_at))
        elif row.channel == "email":
            self._prepare_email(row, decision)
        else:
            self.discord.append((row, decision))

    def _prepare_email(self, row: Claimed, ready: Ready) -> None:
        assert ready.user is not None and ready.user.email
        values = {**ready.values, "name": Placeholder("name")}
        content = self.catalogue.render_email(
            row.kind, values, ready.zone, Placeholder("unsubscribe_url")
        )
        link = unsubscribe_url(self.links.app_url, ready.user.id, row.kind, self._key())
        recipient = EmailRecipient(
            email=ready.user.email,
            name=ready.user.display_name,
            personal={"name": ready.user.display_name, "unsubscribe_url": link},
            # RFC 8058 one-click: mail clients POST to the link.
            headers={
                "List-Unsubscribe": f"<{link}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        self.emails[content].append((row, recipient))

    def _key(self) -> bytes:
        if self._unsubscribe_key is None:
            self._unsubscribe_key = unsubscribe_key(self.options.settings)
        return self._unsubscribe_key

    # -- sending ----------------------------------------------------------------
    def _send_email(
        self, content: EmailContent, items: list[tuple[Claimed, EmailRecipient]]
    ) -> None:
        rows_by_recipient = {id(recipient): row for row, recipient in items}
        for chunk in split_recipients([recipient for _, recipient in items]):
            rows = [rows_by_recipient[id(r)] for r in chunk]
            if not self.options.has_time():
                self.outcomes.extend(_released(row, self.now) for row in rows)
                continue
            try:
                message_id = self.options.providers.email.send(EmailBatch(content, chunk))
            except DeliveryError as exc:
                logger.warning("email batch of %d failed: %s", len(rows), exc)
                self.outcomes.extend(_failed(row, exc, self.now) for row in rows)
                continue
            self.outcomes.extend(
                Outcome(r.id, "sent", "sent", provider_message_id=message_id) for r in rows
            )

    def _send_discord(self, row: Claimed, ready: Ready) -> None:
        if not self.options.has_time():
            self.outcomes.append(_released(row, self.now))
            return
        discord = self.options.providers.discord
        try:
            if row.channel == "discord_dm":
                assert ready.user is not None and ready.user.discord_id
                text = self.catalogue.render(row.kind, "discord_dm", ready.values, ready.zone)
                known = self.facts.dm_channels.get(ready.user.id)
                message_id, channel = discord.send_dm(ready.user.discord_id, text, known)
                patch = {"dm_channel_id": channel}
            else:
                text = self.catalogue.render(row.kind, "discord_channel", ready.values, None)
                message_id = discord.post(row.recipient, text, _mentioned(ready))
                patch = {}
        except DeliveryError as exc:
            logger.warning(
                "notification %s (%s, %s) failed: %s", row.id, row.kind, row.channel, exc
            )
            self.outcomes.append(_failed(row, exc, self.now))
            return
        self.outcomes.append(Outcome(row.id, "sent", "sent", None, None, None, message_id, patch))


def _mentioned(ready: Ready) -> list[str]:
    return [v.discord_id for v in ready.values.values() if isinstance(v, Mention) and v.discord_id]


def _released(row: Claimed, at: datetime, *, due_at: datetime | None = None) -> Outcome:
    return Outcome(row.id, "pending", None, next_attempt_at=at, due_at=due_at)


def _failed(row: Claimed, error: DeliveryError | str, now: datetime) -> Outcome:
    """A failed attempt: retried later with backoff while worth it, else failed for good."""
    retryable = isinstance(error, DeliveryError) and error.retryable
    attempt = row.attempts + 1
    if not retryable or attempt >= MAX_ATTEMPTS:
        return Outcome(row.id, "failed", "failed", str(error))
    wait = backoff(attempt)
    if isinstance(error, DeliveryError) and error.retry_after:
        wait = max(wait, timedelta(seconds=error.retry_after))
    return Outcome(row.id, "pending", "failed", str(error), next_attempt_at=now + wait)
