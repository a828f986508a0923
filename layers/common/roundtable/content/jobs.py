"""The `build_content` job: build the content of a commit, a push's (queued by the webhook)
or the branch's head (an admin's rebuild, roundtable.content.operations)."""

from __future__ import annotations

from roundtable.config import get_settings
from roundtable.content.bundle import Bundle
from roundtable.content.github import GitHubSource
from roundtable.content.publish import build_from_github
from roundtable.content.store import save_bundle_to_s3
from roundtable.jobs.registry import JobContext, JobResult, job_handler

BUNDLE_PREFIX = "bundles"


class ContentBuildConfigurationError(RuntimeError):
    """The stack has no content repository or bucket configured."""


@job_handler("build_content")
def build_content(ctx: JobContext) -> JobResult:
    """Build a commit's content. Payload: {"sha": <commit or branch>, "activate": bool
    (default true; false only checks and records the build), "requested_by": <who>}."""
    settings = get_settings()
    if not settings.github_repo or not settings.content_bucket:
        raise ContentBuildConfigurationError(
            f"GITHUB_CONTENT_REPO ({settings.github_repo!r}) and CONTENT_BUCKET "
            f"({settings.content_bucket!r}) must both be set"
        )
    bucket = settings.content_bucket

    def save(bundle: Bundle) -> str:
        return save_bundle_to_s3(bundle, bucket, BUNDLE_PREFIX)

    github = GitHubSource(
        repository=settings.github_repo,
        api_base=settings.github_api_base,
        token=settings.secret("GITHUB_TOKEN"),  # optional: public repositories need none
    )
    result = build_from_github(
        ctx.engine,
        github=github,
        sha=str(ctx.payload["sha"]),
        save_bundle=save,
        activate=bool(ctx.payload.get("activate", True)),
        requested_by=ctx.payload.get("requested_by"),
    )
    return result.summary()
