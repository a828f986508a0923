"""The admin page's content operations over HTTP: rebuild, roll back, and the build list."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from roundtable.config import reset_settings
from roundtable.db.engine import transaction
from roundtable.db.tables import content_versions
from tests.integration.api.builders import World


def _built(engine: Engine, version: str, status: str, requested_by: str) -> None:
    with transaction(engine) as conn:
        conn.execute(
            content_versions.insert().values(
                version=version,
                source=f"github:acme/content@{version[:7]}",
                bundle_location=f"s3://bucket/bundles/{version}.json",
                status=status,
                requested_by=requested_by,
            )
        )


def test_only_admins_may_rebuild_or_roll_back(
    world: World, client_for: Callable[[int | None], TestClient]
) -> None:
    learner = client_for(world.learner)
    assert learner.post("/api/admin/content/builds", json={}).status_code == 403
    assert learner.post("/api/admin/content/versions/abc/activate").status_code == 403


def test_a_rebuild_on_a_stack_without_a_repository_says_why(
    world: World, client_for: Callable[[int | None], TestClient]
) -> None:
    answer = client_for(world.admin).post("/api/admin/content/builds", json={"activate": False})
    assert answer.status_code == 503
    assert "content folder" in answer.json()["error"]["message"]


def test_a_rollback_makes_the_version_live_and_the_list_says_who(
    engine: Engine,
    world: World,
    client_for: Callable[[int | None], TestClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONTENT_BUCKET", "bucket")  # a deployed stack lists its builds
    reset_settings()
    _built(engine, "1" * 64, "built", "push to main by octo")
    _built(engine, "2" * 64, "active", "Ada (rebuild)")
    admin = client_for(world.admin)

    answer = admin.post(f"/api/admin/content/versions/{'1' * 64}/activate")

    assert answer.status_code == 200
    assert answer.json() == {"version": "1" * 64, "previous": "2" * 64}
    builds = {b["version"]: b for b in admin.get("/api/admin/content").json()["builds"]}
    assert builds["1" * 64]["status"] == "active"
    assert builds["1" * 64]["requested_by"] == "push to main by octo"
    assert builds["1" * 64]["activated_by"].endswith("(rollback)")
    assert builds["2" * 64]["status"] == "built"


def test_a_rollback_to_an_unknown_or_failed_version_is_a_404(
    engine: Engine, world: World, client_for: Callable[[int | None], TestClient]
) -> None:
    _built(engine, "failed:local:content", "failed", "push to main")
    admin = client_for(world.admin)
    assert admin.post("/api/admin/content/versions/nope/activate").status_code == 404
    failed = admin.post("/api/admin/content/versions/failed:local:content/activate")
    assert failed.status_code == 404
