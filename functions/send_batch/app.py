"""SQS (ReminderBatchesQueue): send one batch of reminders the sweep fanned out.

Each message is a batch of notification ids the sweep claimed
(roundtable.notifications.fanout). The rows still under that claim are taken
over and sent; a message delivered twice, or after the sweep took its rows
back, sends nothing. A send that fails is recorded in the ledger and retried by
later sweeps, so a message fails (and comes back, then dead-letters) only when
the batch could not be handled at all: a malformed body, the database down.
With batch size 1 that is the one record; with more, only the records that
failed are reported (`batchItemFailures`), so the others are not sent again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from roundtable_edge.observability import observed, service_logger

from roundtable.config import get_settings
from roundtable.db.engine import get_engine
from roundtable.notifications import default_providers
from roundtable.notifications.catalogue import load_catalogue
from roundtable.notifications.fanout import ReminderBatch
from roundtable.notifications.sweep import DeliveryOptions, deliver_batch

logger = service_logger("send_batch")
NEEDED_SECRETS = ("DISCORD_BOT_TOKEN", "SENDGRID_API_KEY")
processor = BatchProcessor(event_type=EventType.SQS)


def _message_ids(event: Any) -> dict[str, object]:
    return {"correlation_id": event["Records"][0]["messageId"]}


@observed(service="send_batch", correlation=_message_ids)
def handler(event: Any, context: Any) -> dict[str, Any]:
    get_settings().check_deployable(NEEDED_SECRETS)
    engine = get_engine()
    options = DeliveryOptions(
        default_providers(engine),
        load_catalogue(),
        get_settings(),
        remaining_ms=context.get_remaining_time_in_millis,
    )

    def send(record: SQSRecord) -> dict[str, Any]:
        batch = ReminderBatch.from_json(record.body)
        summary = deliver_batch(engine, datetime.now(UTC), options, batch)
        logger.info("reminder batch sent", extra={"summary": summary, "size": len(batch.ids)})
        return summary

    return process_partial_response(
        event=event, record_handler=send, processor=processor, context=context
    )
