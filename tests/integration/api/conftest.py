"""The web API through FastAPI's test client, on the real database."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from devserver.functions import load_function
from roundtable.db.engine import transaction
from tests.integration.api.builders import (
    SESSION_COOKIE,
    ClientFor,
    World,
    build_world,
    make_user,
    session_token,
)


@pytest.fixture
def app() -> Any:
    return load_function("http_api").app


@pytest.fixture
def client(app: Any, engine: Engine) -> TestClient:
    # https: the session cookies are Secure, and the client honours that.
    return TestClient(app, base_url="https://testserver")


@pytest.fixture
def client_for(app: Any, engine: Engine) -> ClientFor:
    """A test client signed in as the user (None: anonymous)."""

    def make(user_id: int | None) -> TestClient:
        client = TestClient(app, base_url="https://testserver")
        if user_id is not None:
            client.cookies.set(SESSION_COOKIE, session_token(user_id))
        return client

    return make


@pytest.fixture
def admin(engine: Engine, client_for: ClientFor) -> TestClient:
    """A client signed in as an admin (Ada Admin, UTC); a module needing another admin
    defines its own `admin`."""
    with transaction(engine) as conn:
        return client_for(make_user(conn, "Ada Admin", admin=True))


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)
