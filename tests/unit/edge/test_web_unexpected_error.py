"""An exception no handler expected still answers in the one error shape, as a 500."""

from __future__ import annotations

from fastapi.testclient import TestClient
from roundtable_edge.web.app import create_web_app


def test_an_unexpected_exception_is_a_500_in_the_error_shape() -> None:
    app = create_web_app("t", docs_prefix="/api", operation_id=lambda route: route.name)

    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    client = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
    response = client.get("/api/boom")
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "internal_error",
            "message": "Something went wrong on our side. Please try again.",
        }
    }
