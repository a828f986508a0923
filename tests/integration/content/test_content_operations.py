"""Content operations: rebuild and check from the repository, the build list, roll back.

On real Postgres, with the fake GitHub (branches resolved to their head, as
GitHub's tarball endpoint does) and S3 through moto; builds run as the
`build_content` job the rebuild queues.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from roundtable_edge.cli import main
from sqlalchemy import Engine, select

from roundtable.config import get_settings
from roundtable.content.bundle import bundle_tree
from roundtable.content.github import sign_github_body, verify_github_push
from roundtable.content.learning import content_status
from roundtable.content.live import load_live_bundle
from roundtable.content.operations import request_content_build, roll_back_content
from roundtable.content.progress import Learner, mark_section_complete
from roundtable.content.progress_views import module_progress
from roundtable.content.store import clear_bundle_cache
from roundtable.content.validate import validate_tree
from roundtable.db.tables import content_progress, content_versions
from roundtable.errors import NotFoundError, PermissionDeniedError, ServiceUnavailableError
from roundtable.jobs.queue import run_job
from roundtable.people.actors import Actor
from tests.builders import add_user
from tests.integration.content.conftest import BUCKET
from tests.integration.content.fake_github import FakeGitHub

ROOT = Path(__file__).resolve().parents[3]
BASE = ROOT / "tests" / "fixtures" / "content" / "base"
DEMO = ROOT / "content"
REPO = "acme/course-content"
BASE_SHA, DEMO_SHA = "a" * 40, "d" * 40
SECTION = ("first-steps", "first-steps.read-and-watch")


def _version(folder: Path) -> str:
    return bundle_tree(validate_tree(folder).tree).version


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    fake.add_folder(REPO, BASE_SHA, BASE, "content")
    fake.add_folder(REPO, DEMO_SHA, DEMO, "content")
    fake.set_branch(REPO, "main", BASE_SHA)
    with fake.running():
        monkeypatch.setenv("GITHUB_CONTENT_REPO", REPO)
        monkeypatch.setenv("GITHUB_API_BASE", fake.base_url)
        monkeypatch.setenv("CONTENT_BUCKET", BUCKET)
        yield fake


def _admin(engine: Engine, name: str = "Ada") -> Actor:
    with engine.begin() as conn:
        return Actor(user_id=add_user(conn, name, admin=True), is_admin=True)


def _build(engine: Engine, actor: Actor, *, activate: bool = True) -> int:
    with engine.begin() as conn:
        queued = request_content_build(conn, actor, get_settings(), activate=activate)
    run_job(engine, queued.job_id)
    return queued.job_id


def _live(engine: Engine) -> str:
    clear_bundle_cache()
    return load_live_bundle(engine).version


def _row(engine: Engine, version: str) -> Any:
    with engine.connect() as conn:
        query = select(content_versions).where(content_versions.c.version == version)
        return conn.execute(query).one()


def test_a_rebuild_builds_the_branch_head_and_says_who_asked(
    engine: Engine, github: FakeGitHub, s3: Any
) -> None:
    admin = _admin(engine)

    _build(engine, admin)

    assert _live(engine) == _version(BASE)
    row = _row(engine, _version(BASE))
    assert (row.status, row.requested_by, row.activated_by) == (
        "active",
        "Ada (rebuild)",
        "Ada (rebuild)",
    )
    assert row.source == f"github:{REPO}@main"
    assert github.requests[0].path.endswith("/tarball/main")


def test_a_check_records_the_build_but_keeps_what_learners_see(
    engine: Engine, github: FakeGitHub, s3: Any
) -> None:
    admin = _admin(engine)
    _build(engine, admin)
    github.set_branch(REPO, "main", DEMO_SHA)

    _build(engine, admin, activate=False)

    assert _live(engine) == _version(BASE)
    checked = _row(engine, _version(DEMO))
    assert (checked.status, checked.requested_by) == ("built", "Ada (check)")
    with engine.connect() as conn:
        listed = content_status(conn).builds
    assert [b["version"] for b in listed][:2] == [_version(DEMO), _version(BASE)]


def test_a_rollback_serves_the_earlier_version_and_keeps_progress(
    engine: Engine, github: FakeGitHub, s3: Any
) -> None:
    admin, learner = _admin(engine), Learner(anonymous_token=uuid4())
    _build(engine, admin)
    with engine.begin() as conn:
        mark_section_complete(
            conn,
            learner=learner,
            bundle=load_live_bundle(engine),
            module_slug=SECTION[0],
            section_id=SECTION[1],
        )
    github.set_branch(REPO, "main", DEMO_SHA)
    _build(engine, admin)
    assert _live(engine) == _version(DEMO)

    with engine.begin() as conn:
        rolled = roll_back_content(conn, _admin(engine, "Bea"), _version(BASE))

    assert (rolled.version, rolled.previous) == (_version(BASE), _version(DEMO))
    assert _live(engine) == _version(BASE)
    assert _row(engine, _version(BASE)).activated_by == "Bea (rollback)"
    assert _row(engine, _version(DEMO)).status == "built"
    with engine.connect() as conn:
        progress = module_progress(
            conn, learner=learner, bundle=load_live_bundle(engine), module_slug=SECTION[0]
        )
        assert conn.execute(select(content_progress)).all()  # nothing was deleted
    assert {s.section_id: s.completed for s in progress.sections}[SECTION[1]]


def test_only_admins_operate_content_and_only_built_versions_go_live(
    engine: Engine, github: FakeGitHub, s3: Any
) -> None:
    with engine.begin() as conn:
        learner = Actor(user_id=add_user(conn, "Lee"), is_admin=False)
        with pytest.raises(PermissionDeniedError):
            request_content_build(conn, learner, get_settings())
        with pytest.raises(PermissionDeniedError):
            roll_back_content(conn, learner, "anything")
    admin = _admin(engine)
    github.set_branch(REPO, "main", "f" * 40)  # a commit GitHub does not have
    _build(engine, admin)  # the job fails; nothing is recorded as built
    with engine.begin() as conn, pytest.raises(NotFoundError, match="No built content"):
        roll_back_content(conn, admin, "0" * 64)


def test_without_a_repository_a_rebuild_says_what_the_local_stack_does(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_CONTENT_REPO", raising=False)
    monkeypatch.delenv("CONTENT_BUCKET", raising=False)
    admin = _admin(engine)
    with engine.begin() as conn, pytest.raises(ServiceUnavailableError, match="content folder"):
        request_content_build(conn, admin, get_settings())


def test_a_push_names_its_pusher_for_the_build_list() -> None:
    body = b'{"ref": "refs/heads/main", "after": "' + b"c" * 40 + b'", "pusher": {"name": "octo"}}'
    push = verify_github_push(body, sign_github_body(body, "s"), "s", "main")
    assert push.requested_by == "push to main by octo"


def test_the_command_line_lists_builds_and_rolls_back_by_a_prefix(
    engine: Engine, github: FakeGitHub, s3: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = _admin(engine)
    _build(engine, admin)
    github.set_branch(REPO, "main", DEMO_SHA)
    _build(engine, admin)

    assert main(["content", "versions"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].startswith(_version(DEMO)[:16]) and "active" in listing[0]
    assert "Ada (rebuild)" in listing[1]

    assert main(["content", "rollback", _version(BASE)[:10]]) == 0
    assert f"live: {_version(BASE)}" in capsys.readouterr().out
    assert _live(engine) == _version(BASE)
    assert _row(engine, _version(BASE)).activated_by == "command line (rollback)"
    assert main(["content", "rollback", "zzz"]) == 1
    assert "No built content version 'zzz'" in capsys.readouterr().err
