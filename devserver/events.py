"""The event shapes AWS hands our functions, and the answers it expects back.

HTTP API (payload format 2.0) requests and responses, EventBridge Scheduler
invocations, and the Lambda context object.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

ACCOUNT_ID = "123456789012"
REGION = "local"

# Bodies with these content types reach the handler as text; anything else is
# base64-encoded, as API Gateway does for binary media.
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")
_TEXT_SUFFIXES = ("+json", "+xml")
_FORM = "application/x-www-form-urlencoded"


@dataclass
class HttpRequest:
    """One request as the gateway received it."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str = "127.0.0.1"


@dataclass
class HttpResponse:
    """What goes back to the browser."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def _is_text(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind.startswith(_TEXT_TYPES) or kind.endswith(_TEXT_SUFFIXES) or kind == _FORM


def _encode_body(body: bytes, content_type: str) -> tuple[str | None, bool]:
    if not body:
        return None, False
    if _is_text(content_type) or not content_type:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def _headers_and_cookies(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """Lower-cased headers with repeats comma-joined; cookies split out as HTTP APIs do."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in pairs:
        key = name.lower()
        if key == "cookie":
            cookies += [part.strip() for part in value.split(";") if part.strip()]
        elif key in headers:
            headers[key] = f"{headers[key]},{value}"
        else:
            headers[key] = value
    return headers, cookies


def _query_parameters(raw_query: str) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        params[name] = f"{params[name]},{value}" if name in params else value
    return params or None


def http_api_event(
    request: HttpRequest, route_key: str, path_parameters: dict[str, str]
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) event for one request."""
    headers, cookies = _headers_and_cookies(request.headers)
    body, is_base64 = _encode_body(request.body, headers.get("content-type", ""))
    now = datetime.now(UTC)
    host = headers.get("host", "127.0.0.1")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": is_base64,
    }
    if cookies:
        event["cookies"] = cookies
    if (query := _query_parameters(request.query)) is not None:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body is not None:
        event["body"] = body
    return event


def http_api_response(result: Any) -> HttpResponse:
    """Turn a handler's return value into HTTP, as an HTTP API (format 2.0) does."""
    if not isinstance(result, dict) or "statusCode" not in result:
        # Format 2.0: a value without statusCode is a 200 JSON answer.
        body = json.dumps(result).encode()
        return HttpResponse(200, [("content-type", "application/json")], body)
    headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(str(name), str(value)) for value in values]
    headers += [("set-cookie", str(cookie)) for cookie in result.get("cookies") or []]
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
    return HttpResponse(int(result["statusCode"]), headers, body)


# What EventBridge Scheduler fills in when a schedule's Input names these.
_SCHEDULER_ATTRIBUTES = (
    "<aws.scheduler.schedule-arn>",
    "<aws.scheduler.scheduled-time>",
    "<aws.scheduler.execution-id>",
    "<aws.scheduler.attempt-number>",
)


def scheduled_event(schedule_name: str, input_template: str | None, when: datetime) -> Any:
    """The payload a schedule delivers: its Input with context attributes filled in.

    Without an Input, the shape of an EventBridge scheduled-rule event.
    """
    arn = f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/default/{schedule_name}"
    stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    execution_id = uuid.uuid4().hex[:16]
    if input_template is None:
        return {
            "version": "0",
            "id": execution_id,
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT_ID,
            "time": stamp,
            "region": REGION,
            "resources": [arn],
            "detail": {},
        }
    values = dict(zip(_SCHEDULER_ATTRIBUTES, (arn, stamp, execution_id, "1"), strict=True))
    text = input_template
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text  # Input may be plain text for non-JSON targets


@dataclass
class LambdaContext:
    """The Lambda context attributes Powertools, Mangum and our handlers read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.invoked_function_arn = (
            f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"
        )
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"local/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's configured timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))
