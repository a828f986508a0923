"""A fake GitHub serving commit tarballs the way api.github.com does.

`GET /repos/{owner}/{repo}/tarball/{ref}` (a commit or a branch) answers 302 to a download host
(here the same server under /codeload/), which serves a gzipped tar whose
entries sit under one top folder `<owner>-<repo>-<short sha>/`. Unknown
repositories or commits, and private ones without a token, get GitHub's 404.
"""

from __future__ import annotations

import io
import re
import tarfile
from pathlib import Path

from tests.fakes.http import FakeService, Request, Response


class FakeGitHub(FakeService):
    def __init__(self, *, token: str | None = None) -> None:
        super().__init__()
        self.token = token
        self.commits: dict[tuple[str, str], dict[str, bytes]] = {}
        self.branches: dict[tuple[str, str], str] = {}  # (repository, branch) -> head sha
        self.route("GET", r"/repos/([^/]+)/([^/]+)/tarball/([^/]+)", self._tarball)
        self.route("GET", r"/codeload/([^/]+)/([^/]+)/legacy\.tar\.gz/([0-9a-f]+)", self._download)

    def add_commit(self, repository: str, sha: str, files: dict[str, bytes]) -> None:
        self.commits[(repository, sha)] = files

    def set_branch(self, repository: str, branch: str, sha: str) -> None:
        """Point a branch at a commit: the tarball of the branch is then that commit's."""
        self.branches[(repository, branch)] = sha

    def add_folder(self, repository: str, sha: str, folder: Path, under: str) -> None:
        """A commit holding every file below `folder`, placed at `under/` in the repository."""
        files = {
            f"{under}/{p.relative_to(folder).as_posix()}": p.read_bytes()
            for p in folder.rglob("*")
            if p.is_file()
        }
        self.add_commit(repository, sha, files)

    def _tarball(self, request: Request, match: re.Match[str]) -> Response:
        owner, repo, ref = match.groups()
        # Like GitHub, any ref: a commit, or a branch resolved to its head.
        sha = self.branches.get((f"{owner}/{repo}", ref), ref)
        if (f"{owner}/{repo}", sha) not in self.commits or not self._authorised(request):
            return Response(404, {"message": "Not Found"})
        location = f"{self.base_url}/codeload/{owner}/{repo}/legacy.tar.gz/{sha}"
        return Response(302, b"", {"location": location})

    def _download(self, request: Request, match: re.Match[str]) -> Response:
        owner, repo, sha = match.groups()
        files = self.commits[(f"{owner}/{repo}", sha)]
        archive = _tarball(f"{owner}-{repo}-{sha[:7]}", files)
        return Response(200, archive, {"content-type": "application/x-gzip"})

    def _authorised(self, request: Request) -> bool:
        return self.token is None or request.headers.get("authorization") == f"Bearer {self.token}"


def _tarball(top: str, files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path, data in sorted(files.items()):
            info = tarfile.TarInfo(f"{top}/{path}" if not path.startswith("/") else path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
