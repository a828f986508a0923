"""The gateway under concurrency and failure: cold starts that race, handlers that raise.

An in-process gateway over functions written into a temporary folder, so each
test gets modules no request has loaded yet (a fresh cold start).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from textwrap import dedent

import httpx
import pytest

import devserver.functions
from devserver.dev_api import DevApi
from devserver.gateway import Gateway, GatewayServer
from devserver.invoke import Invoker
from devserver.schedules import ScheduleRunner
from devserver.template import FunctionSpec, Route, Stack

CONCURRENT_FIRST_REQUESTS = 8

# Starts a gateway serving each (path, function) on GET; its base URL.
Serve = Callable[..., str]

# A module that takes a while to import (like the tutor's LiteLLM) and defines
# its entry points only at the end: a thread that takes it half-loaded fails.
_SLOW_IMPORT = """
import time
time.sleep(0.5)
"""
_ASGI_OK = """
async def app(scope, receive, send):
    await receive()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"ok": true}'})
"""
_LAMBDA_OK = """
def handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": '{"ok": true}'}
"""
_ASGI_RAISES = """
async def app(scope, receive, send):
    raise RuntimeError("the app failed before answering")
"""
_LAMBDA_RAISES = """
def handler(event, context):
    raise RuntimeError("the handler failed")
"""
# Fails to import until a file named `ready` sits beside it.
_IMPORT_FAILS_UNTIL_READY = """
from pathlib import Path
if not Path(__file__).with_name("ready").exists():
    raise RuntimeError("not ready yet")
"""


@pytest.fixture
def functions_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(devserver.functions, "FUNCTIONS_DIR", tmp_path)
    return tmp_path


def _function(folder: Path, logical_id: str, source: str, asgi: bool = False) -> FunctionSpec:
    """A function with a name no test used before, so its first request is a cold start."""
    name = f"{logical_id.lower()}_{uuid.uuid4().hex[:8]}"
    (folder / name).mkdir()
    (folder / name / "app.py").write_text(dedent(source))
    metadata = {"LocalAsgiApp": "app"} if asgi else {}
    return FunctionSpec(logical_id, name, "app.handler", 3, 128, metadata)


@pytest.fixture
def serve() -> Iterator[Serve]:
    servers: list[GatewayServer] = []

    def start(*functions: tuple[str, FunctionSpec]) -> str:
        stack = Stack(
            {spec.logical_id: spec for _, spec in functions},
            [Route("GET", path, spec.logical_id) for path, spec in functions],
            [],
            None,
            {},
        )
        invoker = Invoker(stack)
        gateway = Gateway(invoker, DevApi(invoker, ScheduleRunner(invoker, [], None)), None)
        server = GatewayServer(("127.0.0.1", 0), gateway)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _get_all_at_once(url: str, count: int = CONCURRENT_FIRST_REQUESTS) -> list[httpx.Response]:
    barrier = threading.Barrier(count)

    def get(_: int) -> httpx.Response:
        barrier.wait()
        return httpx.get(url, timeout=30)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(get, range(count)))


def _assert_internal_error(response: httpx.Response) -> None:
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == "internal_error"
    assert response.json()["error"]["message"]


def test_concurrent_first_requests_to_a_slow_asgi_function_all_get_its_answer(
    functions_dir: Path, serve: Serve
) -> None:
    spec = _function(functions_dir, "Tutor", _SLOW_IMPORT + _ASGI_OK, asgi=True)
    url = serve(("/tutor", spec))
    responses = _get_all_at_once(url + "/tutor")
    assert [(r.status_code, r.json()) for r in responses] == [(200, {"ok": True})] * len(responses)


def test_concurrent_first_requests_to_a_slow_lambda_function_all_get_its_answer(
    functions_dir: Path, serve: Serve
) -> None:
    spec = _function(functions_dir, "Api", _SLOW_IMPORT + _LAMBDA_OK)
    url = serve(("/api", spec))
    responses = _get_all_at_once(url + "/api")
    assert [(r.status_code, r.json()) for r in responses] == [(200, {"ok": True})] * len(responses)


def test_an_asgi_app_that_raises_gets_a_500_in_the_error_shape(
    functions_dir: Path, serve: Serve
) -> None:
    url = serve(("/boom", _function(functions_dir, "Boom", _ASGI_RAISES, asgi=True)))
    _assert_internal_error(httpx.get(url + "/boom"))


def test_a_lambda_handler_that_raises_gets_a_500_in_the_error_shape(
    functions_dir: Path, serve: Serve
) -> None:
    url = serve(("/boom", _function(functions_dir, "Boom", _LAMBDA_RAISES)))
    _assert_internal_error(httpx.get(url + "/boom"))


@pytest.mark.parametrize("asgi", [True, False], ids=["asgi", "lambda"])
def test_a_module_that_failed_to_import_is_imported_again_on_the_next_request(
    functions_dir: Path, serve: Serve, asgi: bool
) -> None:
    body = _ASGI_OK if asgi else _LAMBDA_OK
    spec = _function(functions_dir, "Flaky", _IMPORT_FAILS_UNTIL_READY + body, asgi=asgi)
    url = serve(("/flaky", spec))
    _assert_internal_error(httpx.get(url + "/flaky"))
    (functions_dir / spec.folder / "ready").touch()
    response = httpx.get(url + "/flaky")
    assert (response.status_code, response.json()) == (200, {"ok": True})
