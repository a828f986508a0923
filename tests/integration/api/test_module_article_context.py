"""GET /api/modules/{slug}: an article excerpt comes with its surrounding paragraphs and the
article's headings, the ones the excerpt lies under marked."""

from __future__ import annotations

from fastapi.testclient import TestClient

EXCERPT = "good-questions.open-closed.excerpt"


def test_an_article_excerpt_carries_its_context_and_the_articles_contents(
    client: TestClient,
) -> None:
    module = client.get("/api/modules/good-questions").json()
    segments = [g for o in module["outcomes"] for s in o["sections"] for g in s["segments"]]
    excerpt = next(g for g in segments if g["id"] == EXCERPT)

    assert excerpt["markdown"].startswith('"What did you think?" sounds open')
    assert excerpt["context_before"].endswith("## What makes a question hard to answer")
    assert excerpt["context_before"].startswith("It is tempting to blame the group")
    assert excerpt["context_after"].startswith('Compare "What did you think of the chapter')
    assert excerpt["toc"] == [
        {"level": 2, "text": "What makes a question hard to answer", "contains_excerpt": True},
        {"level": 2, "text": "Questions with more than one good answer", "contains_excerpt": True},
        {"level": 2, "text": "Asking the question behind the question", "contains_excerpt": False},
    ]
