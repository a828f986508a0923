"""`roundtable content import lens github:owner/repo@ref:folder`: a vault fetched from GitHub.

Through the fake GitHub that serves commit tarballs as api.github.com does
(a 302 to a download host): the vault's notes and its videos' word timings
arrive, the import runs on them, and a missing commit is a clear error.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from roundtable_edge.cli import main

from roundtable.content.lens.importer import ImportTargetError, import_from
from tests.integration.content.fake_github import FakeGitHub

VAULT = Path(__file__).resolve().parents[2] / "fixtures" / "lens_vault"
SHA = "a" * 40


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    fake = FakeGitHub(token="ghp-vault")
    fake.add_folder("lens/vault", SHA, VAULT, "Course Vault")
    with fake.running():
        monkeypatch.setenv("GITHUB_API_BASE", fake.base_url)
        monkeypatch.setenv("GITHUB_TOKEN", "ghp-vault")
        yield fake


def test_a_vault_in_a_repository_folder_is_fetched_and_imported(
    github: FakeGitHub, tmp_path: Path
) -> None:
    report = import_from(f"github:lens/vault@{SHA}:Course Vault", tmp_path / "out")

    assert report.counts == {"courses": 1, "modules": 2, "articles": 1, "videos": 1}
    assert report.validation.errors == ()
    video = (tmp_path / "out" / "videos" / "a-walk-in-the-park.md").read_text()
    assert "0:06 Then we walk on to the pond." in video  # the word timings came too
    assert github.requests[0].headers["authorization"] == "Bearer ghp-vault"


def test_a_ref_github_does_not_have_is_a_clear_error(github: FakeGitHub, tmp_path: Path) -> None:
    with pytest.raises(ImportTargetError, match="b" * 40):
        import_from(f"github:lens/vault@{'b' * 40}", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_malformed_github_source_is_refused_by_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["content", "import", "lens", "github:no-repo", str(tmp_path / "o")]) == 2
    assert "github:<owner>/<repo>" in capsys.readouterr().err
