"""Publishing content from GitHub into S3 and `content_versions`, on real Postgres."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from roundtable.content.bundle import Bundle
from roundtable.content.github import GitHubFetchError, GitHubSource, fetch_content_folder
from roundtable.content.jobs import ContentBuildConfigurationError, build_content
from roundtable.content.live import NoContentPublishedError, load_live_bundle
from roundtable.content.publish import build_from_github, publish_content
from roundtable.content.store import clear_bundle_cache, load_bundle, save_bundle_to_s3
from roundtable.content.versions import (
    UnknownContentVersionError,
    activate_version,
    active_version,
)
from roundtable.db.tables import content_versions
from roundtable.jobs.registry import JobContext
from tests.integration.content.conftest import BUCKET
from tests.integration.content.fake_github import FakeGitHub

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "content"
BASE = ROOT / "tests" / "fixtures" / "content" / "base"
BROKEN_REF = ROOT / "tests" / "fixtures" / "content" / "broken" / "broken-module-reference"
REPO = "acme/course-content"
GOOD_SHA = "a" * 40
DEMO_SHA = "d" * 40
BROKEN_SHA = "b" * 40


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub(token="ghp-test-token")
    fake.add_folder(REPO, GOOD_SHA, BASE, "content")
    fake.add_folder(REPO, DEMO_SHA, DEMO, "content")
    broken = {**_files(BASE), **_files(BROKEN_REF)}
    fake.add_commit(REPO, BROKEN_SHA, {f"content/{k}": v for k, v in broken.items()})
    with fake.running():
        yield fake


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.md")}


def _source(github: FakeGitHub) -> GitHubSource:
    return GitHubSource(repository=REPO, api_base=github.base_url, token="ghp-test-token")


def _saver(s3: Any) -> Any:
    return lambda bundle: save_bundle_to_s3(bundle, BUCKET, "bundles", s3)


def _rows(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(content_versions.c.version, content_versions.c.status))
        return {row.version: row.status for row in rows}


def test_fetching_a_commit_writes_only_its_content_folder(
    github: FakeGitHub, tmp_path: Path
) -> None:
    github.add_commit(
        REPO,
        "c" * 40,
        {"content/courses/x.md": b"course", "README.md": b"readme", "content/a.txt": b"no"},
    )

    fetch_content_folder(_source(github), "c" * 40, tmp_path)

    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*")) == [
        "courses/x.md"
    ]
    assert github.requests[0].headers["authorization"] == "Bearer ghp-test-token"


def test_a_tarball_entry_that_climbs_out_of_the_folder_is_skipped(
    github: FakeGitHub, tmp_path: Path
) -> None:
    github.add_commit(REPO, "e" * 40, {"content/../../evil.md": b"x", "content/ok.md": b"y"})

    fetch_content_folder(_source(github), "e" * 40, tmp_path / "out")

    assert [p.name for p in (tmp_path / "out").rglob("*.md")] == ["ok.md"]
    assert not (tmp_path / "evil.md").exists()


def test_a_commit_github_does_not_have_is_a_fetch_error(github: FakeGitHub, tmp_path: Path) -> None:
    with pytest.raises(GitHubFetchError, match="f" * 40):
        fetch_content_folder(_source(github), "f" * 40, tmp_path)


def test_a_valid_commit_becomes_the_active_version_with_its_bundle_in_s3(
    engine: Engine, github: FakeGitHub, s3: Any
) -> None:
    result = build_from_github(engine, github=_source(github), sha=DEMO_SHA, save_bundle=_saver(s3))

    with engine.connect() as conn:
        live = active_version(conn)
    assert result.ok and live == (result.version, result.bundle_location)
    clear_bundle_cache()
    bundle = load_bundle(f"s3://{BUCKET}/bundles", version=result.version, s3_client=s3)
    assert bundle.version == load_bundle(DEMO).version


def test_a_failed_build_keeps_the_previous_version_live_and_its_errors_visible(
    engine: Engine, github: FakeGitHub, s3: Any
) -> None:
    good = build_from_github(engine, github=_source(github), sha=GOOD_SHA, save_bundle=_saver(s3))

    bad = build_from_github(engine, github=_source(github), sha=BROKEN_SHA, save_bundle=_saver(s3))

    with engine.connect() as conn:
        assert active_version(conn) == (good.version, good.bundle_location)
        errors = conn.execute(
            select(content_versions.c.errors).where(content_versions.c.status == "failed")
        ).scalar_one()
    assert not bad.ok
    assert errors[0]["message"] == "no module named 'first-step'"
    assert errors[0]["suggestion"] == "did you mean 'first-steps'?"


def test_publishing_a_newer_tree_leaves_exactly_one_active_version(
    engine: Engine, github: FakeGitHub, s3: Any
) -> None:
    first = build_from_github(engine, github=_source(github), sha=GOOD_SHA, save_bundle=_saver(s3))
    second = build_from_github(engine, github=_source(github), sha=DEMO_SHA, save_bundle=_saver(s3))

    assert _rows(engine) == {str(first.version): "built", str(second.version): "active"}


def test_rolling_back_to_an_earlier_version_is_one_activation(
    engine: Engine, github: FakeGitHub, s3: Any
) -> None:
    first = build_from_github(engine, github=_source(github), sha=GOOD_SHA, save_bundle=_saver(s3))
    build_from_github(engine, github=_source(github), sha=DEMO_SHA, save_bundle=_saver(s3))

    with engine.begin() as conn:
        activate_version(conn, str(first.version))

    assert _rows(engine)[str(first.version)] == "active"
    assert list(_rows(engine).values()).count("active") == 1


def test_publishing_the_same_content_twice_records_one_version(
    engine: Engine, tmp_path: Path
) -> None:
    saved: list[str] = []

    def save(bundle: Bundle) -> str:
        saved.append(bundle.version)
        return str(tmp_path / f"{bundle.version}.json")

    publish_content(engine, root=BASE, source="local:a", save_bundle=save)
    publish_content(engine, root=BASE, source="local:b", save_bundle=save)

    assert saved[0] == saved[1]
    assert _rows(engine) == {saved[0]: "active"}


def test_a_version_never_built_cannot_be_activated(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(UnknownContentVersionError, match="nope"):
        activate_version(conn, "nope")


def test_the_live_bundle_is_the_active_version_from_s3(
    engine: Engine, github: FakeGitHub, s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTENT_BUCKET", BUCKET)
    result = build_from_github(engine, github=_source(github), sha=GOOD_SHA, save_bundle=_saver(s3))
    clear_bundle_cache()

    assert load_live_bundle(engine).version == result.version


def test_before_any_build_a_deployed_stack_says_no_content_is_published(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTENT_BUCKET", BUCKET)

    with pytest.raises(NoContentPublishedError, match=BUCKET):
        load_live_bundle(engine)


def test_without_a_bucket_the_live_bundle_is_built_from_the_content_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CONTENT_BUCKET", raising=False)
    monkeypatch.setenv("CONTENT_DIR", str(BASE))

    assert load_live_bundle().version == load_bundle(BASE).version


def test_the_build_job_refuses_to_run_without_a_repository_and_bucket(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_CONTENT_REPO", raising=False)
    monkeypatch.setenv("CONTENT_BUCKET", BUCKET)
    context = JobContext(1, "build_content", {"sha": GOOD_SHA}, engine, 1)

    with pytest.raises(ContentBuildConfigurationError, match="GITHUB_CONTENT_REPO"):
        build_content(context)
