"""CloudFormation custom resource: migrate the database before the new code serves.

The template's DatabaseMigration resource calls this function on every deploy
that changes the layer (where the migrations live); every other function
depends on that resource, so CloudFormation updates them only after the
upgrade succeeded (docs/deploy.md, "Migrations on deploy").

Create and Update run the Alembic upgrade to head (a no-op when already there,
or when the database is ahead of this code during a rollback). Delete does
nothing: the schema stays with the data. The outcome goes to the pre-signed
ResponseURL as SUCCESS, or FAILED with the migration's error as Reason, which
CloudFormation shows in the stack events and which fails (and rolls back) the
deploy. Powertools has no custom-resource helper for Python, hence urllib.
"""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

from roundtable_edge.observability import cloudformation_ids, observed, service_logger

from roundtable.config import get_settings
from roundtable.db.engine import get_engine
from roundtable.db.migrate import upgrade_to_head

logger = service_logger("migrate")
NEEDED_SECRETS: tuple[str, ...] = ()
# Stable, so an Update never looks like a replacement (which would send Delete).
PHYSICAL_RESOURCE_ID = "roundtable-database-migration"
# CloudFormation refuses responses over 4 KB: the head and tail of a long error fit.
MAX_REASON_CHARS = 2000
RESPONSE_ATTEMPTS = 3


@observed(service="migrate", correlation=cloudformation_ids)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request_type = event.get("RequestType")
    logger.append_keys(request_type=request_type, request_id=event.get("RequestId"))
    status, reason, data = "SUCCESS", "", {}
    try:
        if request_type == "Delete":
            reason = "nothing to do on delete: the schema stays with the data"
        elif request_type in ("Create", "Update"):
            get_settings().check_deployable(NEEDED_SECRETS)
            outcome = upgrade_to_head(get_engine())
            reason = outcome.summary
            data = {"Revision": outcome.after or ""}
        else:
            raise ValueError(f"unknown RequestType {request_type!r}")
    except Exception as exc:  # any failure must reach CloudFormation, or the deploy hangs
        logger.exception("database migration failed")
        status, reason = "FAILED", _reason(exc, context)
    logger.info("responding to CloudFormation", extra={"status": status, "reason": reason})
    _respond(event, status, reason, data)
    return {"Status": status, "Reason": reason, "Data": data}


def _reason(exc: Exception, context: Any) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if len(text) > MAX_REASON_CHARS:
        half = MAX_REASON_CHARS // 2
        text = f"{text[:half]} [...] {text[-half:]}"
    log_stream = getattr(context, "log_stream_name", None)
    return f"{text} (log stream {log_stream})" if log_stream else text


def _respond(event: dict[str, Any], status: str, reason: str, data: dict[str, str]) -> None:
    """PUT the outcome to the pre-signed S3 URL CloudFormation waits on."""
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason,
            "PhysicalResourceId": event.get("PhysicalResourceId") or PHYSICAL_RESOURCE_ID,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data,
        }
    ).encode()
    # The URL is signed without a content type: sending one would break the signature.
    request = urllib.request.Request(
        event["ResponseURL"],
        data=body,
        method="PUT",
        headers={"Content-Type": "", "Content-Length": str(len(body))},
    )
    for attempt in range(1, RESPONSE_ATTEMPTS + 1):
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                answer.read()
            return
        except OSError:
            if attempt == RESPONSE_ATTEMPTS:
                raise
            logger.warning("response PUT failed; retrying", extra={"attempt": attempt})
            time.sleep(attempt)
