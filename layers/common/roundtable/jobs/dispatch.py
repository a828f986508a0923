"""How a committed job reaches the worker.

In AWS: an async invoke of the worker function (InvocationType=Event). In the
local stack: the gateway installs an in-process dispatcher. Elsewhere (tests,
CLI): jobs wait in the table until a worker runs them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from roundtable.config import get_settings

logger = logging.getLogger(__name__)

Dispatcher = Callable[[int], None]
_dispatcher: Dispatcher | None = None


def set_dispatcher(dispatcher: Dispatcher | None) -> None:
    """Replace how jobs are handed to the worker (the local stack, tests)."""
    global _dispatcher
    _dispatcher = dispatcher


def dispatch(job_id: int) -> None:
    """Hand a committed job to the worker; failures are logged, the row stays queued."""
    try:
        if _dispatcher is not None:
            _dispatcher(job_id)
        elif get_settings().worker_function_name:
            invoke_worker_lambda(job_id)
    except Exception:  # the periodic retry picks the job up later
        logger.exception("could not dispatch job %s; it stays queued for retry", job_id)


def invoke_worker_lambda(job_id: int) -> None:
    """Async-invoke the worker function with the job id."""
    import boto3  # only the functions that enqueue in AWS pay for this import

    settings = get_settings()
    assert settings.worker_function_name, "dispatch only invokes when the name is set"
    client = boto3.client("lambda", region_name=settings.aws_region)
    client.invoke(
        FunctionName=settings.worker_function_name,
        InvocationType="Event",
        Payload=json.dumps({"job_id": job_id}).encode(),
    )
