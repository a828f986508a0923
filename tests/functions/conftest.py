"""Function tests: call the real handlers with real event shapes."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest

from devserver.functions import load_function
from tests.conftest import load_event


@dataclass
class LambdaContext:
    """The attributes Powertools and Mangum read from a Lambda context."""

    function_name: str = "roundtable-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:roundtable-test"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


def http_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    cookies: list[str] | None = None,
    query: str = "",
) -> dict[str, Any]:
    """An API Gateway HTTP API (v2) event for one request."""
    event = copy.deepcopy(load_event("apiGatewayV2Event.json"))
    event["rawPath"] = path
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = query
    event["cookies"] = cookies or []
    event["headers"].update(headers or {})
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
        event["headers"].setdefault("content-type", "application/json")
    return event


@pytest.fixture
def function() -> Any:
    """load_function, as a fixture: `function("http_api").handler`."""

    def load(name: str) -> ModuleType:
        return load_function(name)

    return load
