"""The sweep: add what is due, then claim, send and record it in batches until done or
out of time. Run by `send_reminders` every few minutes; `deliver` alone is what a
`send_notification` job runs for the rows it just queued.

Within a batch, sends run concurrently (a pool of `senders` threads sharing the
process's Discord client, whose limiter keeps them within Discord's limits).
When more is due than one invocation should send in its time budget and a queue
is configured, the sweep claims the rows and fans them out in batches
(fanout.py); `send_batch` sends each batch with `deliver_batch`.
"""

from __future__ import annotations

import contextvars
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from roundtable import telemetry
from roundtable.config import Settings, get_settings
from roundtable.db.engine import transaction
from roundtable.notifications import ledger
from roundtable.notifications.after_meeting import FEEDBACK_KIND, queue_feedback_requests
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
from roundtable.notifications.fanout import Dispatcher, ReminderBatch
from roundtable.notifications.ledger import Claimed, Outcome
from roundtable.notifications.policy import MAX_ATTEMPTS, backoff
from roundtable.notifications.unsubscribe import unsubscribe_key, unsubscribe_url

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# Stop claiming (and put back unsent claims) with less time than this left: enough
# for one provider call to time out and the batch's outcomes to be recorded.
RESERVE_MS = 30_000
# Threads sending one batch: Discord calls wait for the shared limiter, so more
# threads only help overlap SendGrid's slower requests with them.
SENDERS = 8
# The sweep sends inline what it expects to finish in this share of its remaining
# time (Discord's pace being the bottleneck); anything more is fanned out.
INLINE_SHARE = 0.5
# A fanned-out batch is claimed this long: a message lost on the way is sent by a
# later sweep once the claim ends (a message arriving after that sends nothing).
DISPATCH_LEASE = timedelta(hours=1)

RemainingMs = Callable[[], int]


@dataclass(frozen=True)
class DeliveryOptions:
    providers: Providers
    catalogue: Catalogue
    settings: Settings
    remaining_ms: RemainingMs | None = None
    batch_size: int = BATCH_SIZE
    reserve_ms: int = RESERVE_MS
    senders: int = SENDERS

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
    dispatcher: Dispatcher | None = None,
    senders: int = SENDERS,
) -> dict[str, Any]:
    """Add every notification due at `now`, then deliver what is due (or, with a
    dispatcher and more due than fits this run, fan it out); a summary."""
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
        queued[FEEDBACK_KIND] = queue_feedback_requests(conn, now, catalogue)
        due = ledger.count_due(conn, now) if dispatcher is not None else {}
    options = DeliveryOptions(
        providers, catalogue, settings, remaining_ms, batch_size, reserve_ms, senders
    )
    if dispatcher is not None and not fits_inline(due, options):
        return {"queued": queued, **fan_out(engine, now, options, dispatcher)}
    return {"queued": queued, **deliver(engine, now, options)}


def fits_inline(due: dict[str, int], options: DeliveryOptions) -> bool:
    """Whether one run can send what is due in its share of the time it has left.

    Discord's pace bounds a run: each DM or post is at least one call (a DM to a
    user without a cached channel is two), at `discord_global_rate` calls a second.
    """
    if options.remaining_ms is None:
        return True
    calls = due.get("discord_dm", 0) + due.get("dm_channel_opens", 0)
    calls += due.get("discord_channel", 0)
    seconds = calls / max(options.settings.discord_global_rate, 1)
    budget = (options.remaining_ms() - options.reserve_ms) / 1000 * INLINE_SHARE
    return seconds <= budget


def fan_out(
    engine: Engine, now: datetime, options: DeliveryOptions, dispatcher: Dispatcher
) -> dict[str, Any]:
    """Claim everything due in batches and queue each batch for `send_batch`."""
    dispatched = batches = 0
    while options.has_time():
        with transaction(engine) as conn:
            rows = ledger.claim(conn, now, options.batch_size, lease=DISPATCH_LEASE)
        if not rows:
            break
        batch = ReminderBatch(tuple(r.id for r in rows), now + DISPATCH_LEASE)
        if dispatcher.dispatch([batch]):
            # Not queued: hand the rows back so the next run (or this one) sends them.
            with transaction(engine) as conn:
                ledger.release(conn, batch.ids, batch.claimed_until, now)
            logger.error("could not queue a batch of %d notifications", len(rows))
            break
        dispatched += len(rows)
        batches += 1
        if len(rows) < options.batch_size:
            break
    return {"fanned_out": dispatched, "batches_queued": batches}


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
        tally.update(_send_and_record(engine, rows, facts, now, options))
        if len(rows) < options.batch_size:
            break
    return {**{k: tally[k] for k in _TALLY_KEYS}, "stopped_early": stopped_early}


def deliver_batch(
    engine: Engine, now: datetime, options: DeliveryOptions, batch: ReminderBatch
) -> dict[str, Any]:
    """Send a fanned-out batch: the rows still under the sweep's claim, taken over."""
    with transaction(engine) as conn:
        rows = ledger.take_over(conn, batch.ids, batch.claimed_until, now)
        facts = load_facts(conn, rows, now) if rows else Facts()
    tally = _send_and_record(engine, rows, facts, now, options) if rows else Counter[str]()
    return {**{k: tally[k] for k in _TALLY_KEYS}, "not_taken": len(batch.ids) - len(rows)}


def _send_and_record(
    engine: Engine, rows: Sequence[Claimed], facts: Facts, now: datetime, options: DeliveryOptions
) -> Counter[str]:
    result = _Batch(rows, facts, now, options).run()
    with transaction(engine) as conn:
        ledger.record(conn, result.outcomes, now)
        ledger.remember_dm_channels(conn, result.dm_channels)
    _count_outcomes(rows, result.outcomes)
    tally = _tally(result.outcomes)
    tally["batches"] += 1
    return tally


_TALLY_KEYS = ("claimed", "sent", "retrying", "failed", "skipped", "released", "batches")


_OUTCOME_METRICS = {
    "sent": "NotificationsSent",
    "failed": "NotificationsFailed",  # every failed attempt, retried later or not
    "skipped": "NotificationsSkipped",
}


def _count_outcomes(rows: Sequence[Claimed], outcomes: Sequence[Outcome]) -> None:
    """The recorded attempts as metrics, by Kind and Channel (a released row is no attempt)."""
    claimed = {row.id: row for row in rows}
    for outcome in outcomes:
        metric = _OUTCOME_METRICS.get(outcome.logged or "")
        if metric is not None:
            row = claimed[outcome.id]
            telemetry.count(metric, Kind=row.kind, Channel=row.channel)


def _tally(outcomes: Sequence[Outcome]) -> Counter[str]:
    counts: Counter[str] = Counter(claimed=len(outcomes))
    for o in outcomes:
        if o.status == "pending":
            counts["retrying" if o.logged else "released"] += 1
        else:
            counts[o.status] += 1
    return counts


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)
    dm_channels: dict[int, str] = field(default_factory=dict)  # newly opened, per user


class _Batch:
    """One claimed batch: decide each row, render, then send grouped emails and Discord
    messages concurrently."""

    def __init__(
        self, rows: Sequence[Claimed], facts: Facts, now: datetime, options: DeliveryOptions
    ):
        self.rows = rows
        self.facts = facts
        self.now = now
        self.options = options
        self.catalogue = options.catalogue
        self.links = Links(options.settings.public_base_url, options.settings.discord_guild_id)
        self.result = BatchResult()
        self.emails: dict[EmailContent, list[tuple[Claimed, EmailRecipient]]] = defaultdict(list)
        self.discord: list[tuple[Claimed, Ready]] = []
        self._unsubscribe_key: bytes | None = None

    def run(self) -> BatchResult:
        for row in self.rows:
            try:
                self._prepare(row)
            except Exception as exc:  # a bad template or payload fails this row, not the run
                logger.exception("notification %s (%s) could not be prepared", row.id, row.kind)
                self.result.outcomes.append(_failed(row, f"{type(exc).__name__}: {exc}", self.now))
        sends: list[Callable[[], list[Outcome]]] = []
        for content, items in self.emails.items():
            rows_by_recipient = {id(recipient): row for row, recipient in items}
            for chunk in split_recipients([recipient for _, recipient in items]):
                rows = [rows_by_recipient[id(r)] for r in chunk]
                sends.append(_bind(self._send_email, content, rows, chunk))
        sends.extend(_bind(self._send_discord, row, ready) for row, ready in self.discord)
        # Emails first: SendGrid's slow requests then overlap with Discord's paced ones.
        # Each send runs in a copy of this thread's context (the log's bound ids).
        contexts = [(contextvars.copy_context(), send) for send in sends]
        with ThreadPoolExecutor(max(self.options.senders, 1), "notify") as pool:
            for outcomes in pool.map(lambda pair: pair[0].run(pair[1]), contexts):
                self.result.outcomes.extend(outcomes)
        return self.result

    # -- deciding and rendering -------------------------------------------------
    def _prepare(self, row: Claimed) -> None:
        decision = compose(row, self.facts, self.now, self.links)
        if isinstance(decision, Skip):
            self.result.outcomes.append(Outcome(row.id, "skipped", "skipped", decision.reason))
        elif isinstance(decision, Release):
            self.result.outcomes.append(_released(row, decision.due_at, due_at=decision.due_at))
        elif row.channel == "email":
            self._prepare_email(row, decision)
        else:
            self.discord.append((row, decision))

    def _prepare_email(self, row: Claimed, ready: Ready) -> None:
        """One body per kind, shared by every recipient: each value that differs between
        recipients (name, group, meeting time in their zone...) is a Placeholder whose
        substitution the recipient's personalization carries. Lists stay in the body
        (SendGrid caps a personalization's substitutions at 10,000 bytes), and so do
        optional paragraphs' variables: whether the paragraph is there shapes the body."""
        assert ready.user is not None and ready.user.email
        kind = self.catalogue.kind(row.kind)
        types = {**self.catalogue.globals, **kind.variables}
        values = {**ready.values, "name": ready.user.display_name}
        personal = {
            key: self.catalogue.email_value(row.kind, key, value, ready.zone)
            for key, value in values.items()
            if types.get(key) != "list" and key not in kind.optional
        }
        shared = {key: Placeholder(key) if key in personal else v for key, v in values.items()}
        link = unsubscribe_url(self.links.app_url, ready.user.id, row.kind, self._key())
        personal["unsubscribe_url"] = link
        content = self.catalogue.render_email(
            row.kind,
            shared,
            ready.zone,
            Placeholder("unsubscribe_url"),
            local_links=self.links.local,
        )
        recipient = EmailRecipient(
            email=ready.user.email,
            name=ready.user.display_name,
            personal=personal,
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

    # -- sending (on the pool's threads) ------------------------------------------
    def _send_email(
        self, content: EmailContent, rows: list[Claimed], chunk: list[EmailRecipient]
    ) -> list[Outcome]:
        if not self.options.has_time():
            return [_released(row, self.now) for row in rows]
        try:
            message_id = self.options.providers.email.send(EmailBatch(content, chunk))
        except DeliveryError as exc:
            logger.warning("email batch of %d failed: %s", len(rows), exc)
            return [_failed(row, exc, self.now) for row in rows]
        return [Outcome(r.id, "sent", "sent", provider_message_id=message_id) for r in rows]

    def _send_discord(self, row: Claimed, ready: Ready) -> list[Outcome]:
        if not self.options.has_time():
            return [_released(row, self.now)]
        discord = self.options.providers.discord
        try:
            if row.channel == "discord_dm":
                assert ready.user is not None and ready.user.discord_id
                text = self.catalogue.render(row.kind, "discord_dm", ready.values, ready.zone)
                known = self.facts.dm_channels.get(ready.user.id)
                message_id, channel = discord.send_dm(ready.user.discord_id, text, known)
                if channel != known:
                    self.result.dm_channels[ready.user.id] = channel  # one key per thread
                patch = {"dm_channel_id": channel}
            else:
                text = self.catalogue.render(row.kind, "discord_channel", ready.values, None)
                message_id = discord.post(row.recipient, text, _mentioned(ready))
                patch = {}
        except DeliveryError as exc:
            logger.warning(
                "notification %s (%s, %s) failed: %s", row.id, row.kind, row.channel, exc
            )
            return [_failed(row, exc, self.now)]
        return [Outcome(row.id, "sent", "sent", None, None, None, message_id, patch)]


def _bind(function: Callable[..., list[Outcome]], *args: Any) -> Callable[[], list[Outcome]]:
    return lambda: function(*args)


def _mentioned(ready: Ready) -> list[str]:
    """The Discord ids a post may ping: every Mention among its values, alone or in a list."""
    people: list[Any] = []
    for value in ready.values.values():
        people.extend(value if isinstance(value, list) else [value])
    return [p.discord_id for p in people if isinstance(p, Mention) and p.discord_id]


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
