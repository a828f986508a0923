"""Fan-out: batches of claimed notifications handed to other invocations through SQS.

When more is due than one sweep can send before its timeout, the sweep claims the
rows in batches and puts each batch on the `ReminderBatchesQueue` as a message:
the notification ids and the end of the sweep's claim on them. `send_batch`
(functions/send_batch) takes one message, takes the rows over (ledger.take_over:
only rows still under that claim, so a message delivered twice, or after the sweep
took its rows back, sends nothing) and sends them.

Without a queue (the local stack, tests without SQS) the sweep sends everything
itself, as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

# SendMessageBatch takes at most 10 entries.
_SQS_BATCH_ENTRIES = 10


class BatchMessageError(ValueError):
    """A queue message that is not a batch of notification ids."""


@dataclass(frozen=True)
class ReminderBatch:
    """Notification ids the sweep claimed until `claimed_until`, for one sender to send."""

    ids: tuple[int, ...]
    claimed_until: datetime

    def to_json(self) -> str:
        return json.dumps({"ids": list(self.ids), "claimed_until": self.claimed_until.isoformat()})

    @classmethod
    def from_json(cls, body: str) -> ReminderBatch:
        try:
            data = json.loads(body)
            ids = tuple(int(i) for i in data["ids"])
            claimed_until = datetime.fromisoformat(str(data["claimed_until"]))
        except (ValueError, TypeError, KeyError) as exc:
            raise BatchMessageError(
                f"a reminder batch needs ids and claimed_until: {exc}"
            ) from None
        if not ids or claimed_until.tzinfo is None:
            raise BatchMessageError("a reminder batch needs ids and a zoned claimed_until")
        return cls(ids, claimed_until)


class Dispatcher(Protocol):
    def dispatch(self, batches: Sequence[ReminderBatch]) -> list[ReminderBatch]:
        """Queue the batches; those that could not be queued (to be handed back)."""
        ...


class SqsDispatcher:
    """Puts batches on an SQS queue, ten to a SendMessageBatch call."""

    def __init__(self, queue_url: str, client_factory: Callable[[], Any] | None = None) -> None:
        self.queue_url = queue_url
        self._factory = client_factory or _sqs_client
        self._client: Any = None

    def dispatch(self, batches: Sequence[ReminderBatch]) -> list[ReminderBatch]:
        if self._client is None:
            self._client = self._factory()
        failed: list[ReminderBatch] = []
        for start in range(0, len(batches), _SQS_BATCH_ENTRIES):
            chunk = list(batches[start : start + _SQS_BATCH_ENTRIES])
            entries = [{"Id": str(n), "MessageBody": b.to_json()} for n, b in enumerate(chunk)]
            try:
                answer = self._client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            except Exception:  # botocore's errors: the whole call failed
                failed.extend(chunk)
                continue
            failed.extend(chunk[int(entry["Id"])] for entry in answer.get("Failed") or [])
        return failed


def _sqs_client() -> Any:
    import boto3  # the Lambda runtime has it; only a sweep that fans out loads it

    from roundtable.config import get_settings

    return boto3.client("sqs", region_name=get_settings().aws_region)


def sqs_dispatcher_from_settings() -> SqsDispatcher | None:
    """The queue REMINDER_BATCHES_QUEUE_URL names; None when unset (send inline)."""
    from roundtable.config import get_settings

    url = get_settings().reminder_batches_queue_url
    return SqsDispatcher(url) if url else None
