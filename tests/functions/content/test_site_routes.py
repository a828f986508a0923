"""GET /api/site/{slug} through the real http_api handler: the organisation's pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.functions.browser import Browser


@pytest.fixture
def api(function: Any, lambda_context: Any) -> Browser:
    return Browser(function("http_api").handler, lambda_context)


def test_the_privacy_policy_comes_from_the_content_folder(
    api: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "privacy.md").write_text("---\ntitle: How we use data\n---\n\nHardly at all.\n")
    monkeypatch.setenv("CONTENT_DIR", str(tmp_path))

    answer = api.call("GET", "/api/site/privacy")

    assert answer.status == 200, answer.body
    assert answer.json() == {
        "slug": "privacy",
        "title": "How we use data",
        "markdown": "Hardly at all.",
        "is_default": False,
    }


def test_missing_terms_answer_the_default_text_and_other_pages_404(
    api: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTENT_DIR", str(tmp_path))  # an empty, valid content folder

    terms = api.call("GET", "/api/site/terms")
    other = api.call("GET", "/api/site/about")

    assert terms.status == 200, terms.body
    assert terms.json()["is_default"] is True
    assert "content/site/terms.md" in terms.json()["markdown"]
    assert other.status == 404
    assert other.error["field"] == "slug"


def test_a_slug_that_is_no_slug_is_refused_naming_the_field(api: Browser) -> None:
    answer = api.call("GET", "/api/site/Privacy.md")

    assert answer.status == 422
    assert answer.error["field"] == "slug"


def test_broken_content_is_a_503_like_the_course(
    api: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTENT_DIR", "tests/fixtures/content/broken/broken-module-reference")

    answer = api.call("GET", "/api/site/privacy")

    assert answer.status == 503
    assert "/api/admin/content" in answer.error["message"]
