"""Where the API docs page loads Swagger UI from: the CDN, or the address a setting gives."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from roundtable_edge.web.app import DOCS_ASSETS_SETTING, create_web_app


def _docs_page() -> str:
    app = create_web_app("t", docs_prefix="/api", operation_id=lambda route: route.name)
    response = TestClient(app, base_url="https://testserver").get("/api/docs")
    assert response.status_code == 200
    return response.text


def test_without_the_setting_the_docs_page_uses_fastapis_cdn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(DOCS_ASSETS_SETTING, raising=False)
    page = _docs_page()
    assert "https://cdn.jsdelivr.net/npm/swagger-ui-dist" in page
    assert "'/api/openapi.json'" in page or '"/api/openapi.json"' in page


def test_with_the_setting_the_docs_page_loads_every_asset_from_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DOCS_ASSETS_SETTING, "/local/swagger/")
    page = _docs_page()
    assert "cdn.jsdelivr.net" not in page and "fastapi.tiangolo.com" not in page
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        assert f'"/local/swagger/{asset}"' in page
    assert "'/api/openapi.json'" in page or '"/api/openapi.json"' in page
