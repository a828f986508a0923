"""GitHub: verifying push webhooks, and fetching one commit's content folder.

Fetching uses the tarball endpoint (`GET /repos/{repo}/tarball/{sha}`): one
request for the whole commit instead of one per file, and GitHub redirects it
to a download host, which urllib follows. The API base is configurable so
tests can point it at a local fake server.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

_SIGNATURE_PREFIX = "sha256="
_ZERO_SHA = "0" * 40
_MAX_TARBALL_BYTES = 200 * 1024 * 1024


class WebhookError(ValueError):
    """A webhook request that must not trigger a build."""


class WebhookConfigurationError(WebhookError):
    """The webhook secret is not configured, so no request can be trusted."""


class SignatureError(WebhookError):
    """The request is not signed by GitHub with our secret (answer 401)."""


class MissingSignatureError(SignatureError):
    """The request has no X-Hub-Signature-256 header."""


class BadSignatureError(SignatureError):
    """The X-Hub-Signature-256 header does not match the body."""


class MalformedPushError(WebhookError):
    """A correctly signed body that is not a JSON object (answer 400)."""


class IgnoredPushError(WebhookError):
    """A genuine event that needs no build (answer 202): not a push, another branch, a deletion."""


class NotAPushError(IgnoredPushError):
    """A signed event without a pushed ref and commit, such as GitHub's `ping`."""


class OtherBranchError(IgnoredPushError):
    """A push to a branch other than the content branch."""

    def __init__(self, ref: str, branch: str) -> None:
        super().__init__(f"push to {ref!r}, not to the content branch {branch!r}")
        self.ref = ref


class BranchDeletedError(IgnoredPushError):
    """A push that deleted the content branch."""


class GitHubFetchError(RuntimeError):
    """GitHub did not give us the commit's files."""


@dataclass(frozen=True)
class PushEvent:
    """A verified push to the content branch."""

    repository: str
    branch: str
    sha: str
    pusher: str = ""  # GitHub's login of who pushed, when it says

    @property
    def requested_by(self) -> str:
        """Who asked for the build, as the admin page lists it."""
        return f"push to {self.branch}" + (f" by {self.pusher}" if self.pusher else "")


def verify_github_push(
    body: bytes, signature_header: str | None, secret: str, branch: str
) -> PushEvent:
    """The push event in a webhook body, after checking its signature and branch."""
    if not secret:
        raise WebhookConfigurationError("GITHUB_WEBHOOK_SECRET is not set")
    _verify_signature(body, signature_header, secret)
    payload = _payload(body)
    ref, sha = payload.get("ref"), payload.get("after")
    if not isinstance(ref, str) or not isinstance(sha, str):
        raise NotAPushError(f"event has no pushed ref and commit (keys: {sorted(payload)[:8]})")
    if ref != f"refs/heads/{branch}":
        raise OtherBranchError(ref, branch)
    if payload.get("deleted") or sha == _ZERO_SHA:
        raise BranchDeletedError(f"push deleted {ref!r}")
    repository = payload.get("repository") or {}
    name = repository.get("full_name", "") if isinstance(repository, dict) else ""
    pusher = payload.get("pusher") or {}
    who = pusher.get("name", "") if isinstance(pusher, dict) else ""
    return PushEvent(repository=str(name), branch=branch, sha=sha, pusher=str(who))


def sign_github_body(body: bytes, secret: str) -> str:
    """The X-Hub-Signature-256 header value GitHub would send for this body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"{_SIGNATURE_PREFIX}{digest}"


def _verify_signature(body: bytes, header: str | None, secret: str) -> None:
    if not header:
        raise MissingSignatureError("request has no X-Hub-Signature-256 header")
    # compare_digest: a plain == leaks how many leading characters matched.
    if not hmac.compare_digest(header.strip(), sign_github_body(body, secret)):
        raise BadSignatureError(f"X-Hub-Signature-256 {header[:16]!r}... does not match the body")


def _payload(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise MalformedPushError(f"body is not JSON: {body[:40]!r}") from exc
    if not isinstance(payload, dict):
        raise MalformedPushError(f"body is JSON but not an object: {body[:40]!r}")
    return payload


@dataclass(frozen=True)
class GitHubSource:
    """Where to fetch content from: repository, API base, optional token, folder in the repo."""

    repository: str
    api_base: str = "https://api.github.com"
    token: str | None = None
    folder: str = "content"
    timeout_s: float = 30.0


def fetch_content_folder(
    source: GitHubSource, sha: str, destination: Path, suffixes: tuple[str, ...] = (".md",)
) -> Path:
    """Write the commit's content folder's files (Markdown unless `suffixes` says more) under
    `destination` and return it. `sha` may be any ref GitHub knows: a branch, a tag."""
    url = f"{source.api_base.rstrip('/')}/repos/{source.repository}/tarball/{sha}"
    request = urllib.request.Request(url, headers=_headers(source.token))
    try:
        with urllib.request.urlopen(request, timeout=source.timeout_s) as response:
            archive = response.read(_MAX_TARBALL_BYTES + 1)
    except (urllib.error.URLError, TimeoutError) as exc:
        raise GitHubFetchError(f"fetching {source.repository}@{sha} failed: {exc}") from exc
    if len(archive) > _MAX_TARBALL_BYTES:
        raise GitHubFetchError(f"{source.repository}@{sha} tarball is over the size limit")
    _extract_folder(archive, source.folder, destination, suffixes)
    return destination


def _headers(token: str | None) -> dict[str, str]:
    headers = {"Accept": "application/vnd.github+json", "User-Agent": "roundtable-content"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _extract_folder(
    archive: bytes, folder: str, destination: Path, suffixes: tuple[str, ...]
) -> None:
    """Copy `<top>/<folder>/**/*<suffix>` out of a GitHub tarball, refusing unsafe paths."""
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            for member in tar.getmembers():
                relative = _content_path(member, folder, suffixes)
                source = tar.extractfile(member) if relative is not None else None
                if relative is None or source is None:
                    continue
                target = destination.joinpath(*relative.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read())
    except tarfile.TarError as exc:
        raise GitHubFetchError(f"GitHub's tarball could not be read: {exc}") from exc


def _content_path(
    member: tarfile.TarInfo, folder: str, suffixes: tuple[str, ...]
) -> PurePosixPath | None:
    """The member's path inside the content folder, or None to skip it."""
    if not member.isfile() or not member.name.endswith(suffixes):
        return None
    # GitHub puts everything under one top folder named <owner>-<repo>-<sha>.
    parts = PurePosixPath(member.name).parts[1:]
    prefix = PurePosixPath(folder).parts
    if tuple(parts[: len(prefix)]) != prefix or ".." in parts:
        return None
    return PurePosixPath(*parts[len(prefix) :])
