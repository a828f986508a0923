"""A local stand-in for the AWS Lambda Web Adapter (v0.9.1, the layer template.yaml pins).

What the adapter does in a Lambda environment, done here the same way:

- **Start.** Lambda runs the function's Handler (`run.sh`) with the function's
  environment; the adapter polls AWS_LWA_READINESS_CHECK_PATH on AWS_LWA_PORT
  until it answers below 500, and only then takes invocations.
  `start_function` runs the same run.sh as a subprocess, with the
  environment the template gives the function (plus the test's settings), the
  function's folder as LAMBDA_TASK_ROOT and the layer's folder on PYTHONPATH,
  and waits the same way.
- **Each invocation** (a Function URL event, payload 2.0): an HTTP request to
  the app, built as lambda_http builds it — method, rawPath, rawQueryString,
  the headers, the `cookies` array joined into one `cookie` header, the body
  (base64-decoded when `isBase64Encoded`) — plus the event's requestContext as
  JSON in `x-amzn-request-context` and the Lambda context as JSON in
  `x-amzn-lambda-context` (lambda_runtime's Context: request_id, deadline,
  invoked_function_arn, env_config, ...).
- **The answer, in response_stream mode** (`invoke_streaming`): what Lambda
  streams to the Function URL — a JSON prelude `{statusCode, headers, cookies}`
  (every Set-Cookie moved into `cookies`, transfer-encoding dropped), eight NUL
  bytes, then the body chunks as the app writes them. When the caller stops
  reading, the app is not told: Lambda does not interrupt a streamed invocation
  when its client goes away (the function runs to the end, billed), so the
  rest of the answer is read and dropped, as it would be.
- **In buffered mode** (`buffered_handler`): the payload 2.0 response
  `{statusCode, headers, cookies, body, isBase64Encoded}`, here against the app
  in this process (Starlette's TestClient), so function tests can keep calling a
  `handler(event, context)` while the app runs exactly as behind the adapter.

Nothing else of the adapter is imitated (compression, base-path removal,
pass-through events, async init): the template uses none of them but async
init, which only moves the readiness wait into the first invocation.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from devserver.template import load_template

PRELUDE_DELIMITER = b"\0" * 8
Chunks = Generator[bytes, None, None]
READINESS_TIMEOUT_S = 30.0
STREAM_TIMEOUT_S = 60.0


# -- events ----------------------------------------------------------------------------
def function_url_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    cookies: list[str] | None = None,
    query: str = "",
    source_ip: str = "198.51.100.7",
) -> dict[str, Any]:
    """A Lambda Function URL event (payload 2.0) for one request, body base64 as Lambda sends it."""
    now = time.time()
    raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    all_headers = {"host": "abcdefgh.lambda-url.us-east-1.on.aws", "x-forwarded-proto": "https"}
    if body is not None:
        all_headers["content-type"] = "application/json"
    all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "cookies": list(cookies or []),
        "headers": all_headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abcdefgh",
            "domainName": "abcdefgh.lambda-url.us-east-1.on.aws",
            "domainPrefix": "abcdefgh",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": all_headers.get("user-agent", "test"),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": base64.b64encode(raw).decode() if raw else None,
        "isBase64Encoded": bool(raw),
    }


def lambda_context_json(context: Any) -> dict[str, Any]:
    """The Lambda context as lambda_runtime serializes it into x-amzn-lambda-context."""
    name = str(getattr(context, "function_name", "roundtable-test"))
    return {
        "request_id": str(getattr(context, "aws_request_id", uuid.uuid4())),
        "deadline": int(time.time() * 1000) + 150_000,
        "invoked_function_arn": str(getattr(context, "invoked_function_arn", "")),
        "xray_trace_id": None,
        "client_context": None,
        "identity": None,
        "env_config": {
            "function_name": name,
            "memory": int(getattr(context, "memory_limit_in_mb", 1024)),
            "version": "$LATEST",
            "log_stream": "2026/01/01/[$LATEST]0123456789abcdef",
            "log_group": f"/aws/lambda/{name}",
        },
    }


@dataclass(frozen=True)
class Forwarded:
    """The HTTP request the adapter sends the app: method, path and query, headers, body."""

    method: str
    url: str
    headers: list[tuple[str, str]]
    content: bytes


def forwarded_request(event: Mapping[str, Any], context: Any) -> Forwarded:
    """The HTTP request the adapter sends the app for `event`."""
    headers = [(k, v) for k, v in (event.get("headers") or {}).items() if k != "cookie"]
    if event.get("cookies"):
        headers.append(("cookie", "; ".join(event["cookies"])))
    headers.append(("x-amzn-request-context", json.dumps(event["requestContext"])))
    headers.append(("x-amzn-lambda-context", json.dumps(lambda_context_json(context))))
    body = event.get("body") or ""
    content = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    query = event.get("rawQueryString") or ""
    url = event["rawPath"] + (f"?{query}" if query else "")
    return Forwarded(event["requestContext"]["http"]["method"], url, headers, content)


# -- answers ---------------------------------------------------------------------------
def prelude_of(response: Any) -> dict[str, Any]:
    """Status, headers and cookies of an httpx (or TestClient) response as Lambda's streaming
    prelude (Set-Cookie -> cookies)."""
    headers: dict[str, str] = {}
    for name, value in response.headers.multi_items():
        name = name.lower()
        if name in ("set-cookie", "transfer-encoding"):
            continue
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    cookies = response.headers.get_list("set-cookie")
    return {"statusCode": response.status_code, "headers": headers, "cookies": cookies}


@dataclass
class StreamedAnswer:
    """A streamed invocation's bytes, read back: the prelude, then the body chunks."""

    status: int
    headers: dict[str, str]
    cookies: list[str]
    chunks: list[bytes] = field(default_factory=list)

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    @classmethod
    def from_prelude(cls, first: bytes) -> tuple[StreamedAnswer, bytes]:
        """The answer from the bytes up to the delimiter, and what came after it."""
        prelude, found, rest = first.partition(PRELUDE_DELIMITER)
        assert found, "the stream starts with a JSON prelude and eight NUL bytes"
        data = json.loads(prelude)
        return cls(data["statusCode"], data["headers"], data["cookies"]), rest


# -- the adapter -----------------------------------------------------------------------
@dataclass
class RunningFunction:
    """run.sh running under the stand-in adapter, ready for invocations."""

    process: subprocess.Popen[bytes]
    port: int
    client: httpx.Client

    def invoke_streaming(self, event: Mapping[str, Any], context: Any) -> Chunks:
        """What Lambda streams for this invocation: prelude + NULs, then each body chunk.

        Closing the iterator early is a caller that went away: the rest is still
        read from the app (Lambda lets a streamed invocation run to its end).
        """
        request = forwarded_request(event, context)
        with self.client.stream(
            request.method, request.url, headers=request.headers, content=request.content
        ) as response:
            body = response.iter_raw()
            finished = False
            try:
                yield json.dumps(prelude_of(response)).encode() + PRELUDE_DELIMITER
                for chunk in body:
                    if chunk:
                        yield chunk
                finished = True
            finally:
                if not finished:
                    for _ in body:  # the invocation runs on, unread
                        pass

    def stream(self, event: Mapping[str, Any], context: Any) -> tuple[StreamedAnswer, Chunks]:
        """The prelude, read, and an iterator over the body chunks still to come."""
        chunks = self.invoke_streaming(event, context)
        answer, rest = StreamedAnswer.from_prelude(next(chunks))
        return answer, _prepend(rest, chunks)

    def call(self, event: Mapping[str, Any], context: Any) -> StreamedAnswer:
        """The whole streamed answer, chunk by chunk as it came."""
        answer, chunks = self.stream(event, context)
        answer.chunks.extend(chunks)
        return answer

    def get(self, path: str) -> httpx.Response:
        """A request straight to the server, as the adapter's readiness check makes it."""
        return self.client.get(path)


def _prepend(first: bytes, rest: Chunks) -> Chunks:
    try:
        if first:
            yield first
        yield from rest
    finally:
        rest.close()


def template_environment(logical_id: str) -> dict[str, str]:
    """The function's plain (string) environment variables in template.yaml: the adapter's."""
    resource = load_template()["Resources"][logical_id]
    variables = (resource["Properties"].get("Environment") or {}).get("Variables") or {}
    return {k: str(v) for k, v in variables.items() if isinstance(v, (str, int))}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def start_function(
    function_dir: Path,
    layer_dirs: list[Path],
    settings: Mapping[str, str],
    *,
    logical_id: str = "TutorChatFunction",
    handler: str = "run.sh",
    python_bin: Path | None = None,
    output: Any = None,
) -> Iterator[RunningFunction]:
    """Run the function's Handler as Lambda would under the adapter; stop it afterwards.

    `output`: a file for the process's stdout and stderr (default: this process's).
    """
    environment = template_environment(logical_id)
    port = _free_port()
    bin_dir = python_bin or Path(sys.executable).parent
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "LAMBDA_TASK_ROOT": str(function_dir),
        "PYTHONPATH": os.pathsep.join(str(d) for d in layer_dirs),
        "AWS_LAMBDA_FUNCTION_NAME": "roundtable-tutor-test",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        **{k: v for k, v in environment.items() if k != "AWS_LAMBDA_EXEC_WRAPPER"},
        "AWS_LWA_PORT": str(port),
        **settings,
    }
    process = subprocess.Popen(
        [str(function_dir / handler)], cwd=function_dir, env=env, stdout=output, stderr=output
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=STREAM_TIMEOUT_S)
    try:
        _wait_ready(process, client, environment.get("AWS_LWA_READINESS_CHECK_PATH", "/"))
        yield RunningFunction(process, port, client)
    finally:
        client.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(process: subprocess.Popen[bytes], client: httpx.Client, path: str) -> None:
    """Poll the readiness path as the adapter does (every 10 ms) until it answers below 500."""
    deadline = time.monotonic() + READINESS_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the function exited with {process.returncode} before it was ready")
        try:
            if client.get(path).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"the function was not ready within {READINESS_TIMEOUT_S:.0f} s")


# -- buffered, in this process ---------------------------------------------------------
def buffered_handler(app: Any) -> Any:
    """A `handler(event, context)` answering as the adapter does in buffered mode, with the
    app in this process (its settings are this process's, monkeypatched or not)."""
    from starlette.testclient import TestClient

    client = TestClient(
        app,
        base_url="http://127.0.0.1:8080",
        raise_server_exceptions=False,
        follow_redirects=False,
    )

    def handle(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        request = forwarded_request(event, context)
        client.cookies.clear()  # the event's cookies only, never a jar's
        response = client.request(
            request.method, request.url, headers=request.headers, content=request.content
        )
        prelude = prelude_of(response)
        return {
            **prelude,
            "body": response.text,
            "isBase64Encoded": False,
        }

    return handle
