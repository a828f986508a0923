"""The local gateway (devserver) in this process, serving the template's routes, with the
tutor's model pointed at the fake OpenAI-compatible server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from devserver.dev_api import DevApi
from devserver.fake_llm import FakeLLM
from devserver.gateway import Gateway, GatewayServer
from devserver.invoke import Invoker
from devserver.schedules import ScheduleRunner
from devserver.template import read_stack
from tests.fakes.fixtures import fake_llm  # noqa: F401  (fixture)


@pytest.fixture
def gateway_url(engine: Engine, fake_llm: FakeLLM) -> Iterator[str]:  # noqa: F811
    """http://127.0.0.1:<port> of a local gateway built from template.yaml."""
    invoker = Invoker(read_stack())
    gateway = Gateway(invoker, DevApi(invoker, ScheduleRunner(invoker, [])), None)
    server = GatewayServer(("127.0.0.1", 0), gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()
