"""GitHub's push webhook: a verified push to the content branch queues a content build."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, status

from api.schemas.common import errors
from api.schemas.content import WebhookPublic
from roundtable.config import get_settings
from roundtable.content import github
from roundtable.errors import AuthenticationError, DomainError, ServiceUnavailableError
from roundtable.jobs import submit

router = APIRouter(prefix="/api/content", tags=["content"])


async def _raw_body(request: Request) -> bytes:
    # The signature covers the exact bytes GitHub sent, so they are read unparsed.
    return await request.body()


@router.post(
    "/webhook",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=WebhookPublic,
    responses=errors(400, 401, 422, 503),
)
def receive_github_push(
    body: Annotated[bytes, Depends(_raw_body)],
    x_hub_signature_256: Annotated[str | None, Header()] = None,
) -> WebhookPublic:
    """GitHub push (HMAC-SHA256 signed): queue a build of the pushed commit's content."""
    settings = get_settings()
    secret = settings.secret("GITHUB_WEBHOOK_SECRET") or ""
    try:
        push = github.verify_github_push(body, x_hub_signature_256, secret, settings.github_branch)
    except github.WebhookConfigurationError as exc:
        raise ServiceUnavailableError(f"content webhook is not configured: {exc}") from exc
    except github.SignatureError as exc:
        raise AuthenticationError(str(exc), field="X-Hub-Signature-256") from exc
    except github.MalformedPushError as exc:
        raise DomainError(str(exc)) from exc  # 400: not a body GitHub sends
    except github.IgnoredPushError as exc:
        return WebhookPublic(status="ignored", message=str(exc))
    job_id = submit(
        "build_content",
        {"sha": push.sha, "requested_by": push.requested_by},
        dedup_key=f"build_content:{push.sha}",
    )
    return WebhookPublic(
        status="queued",
        message=f"building {push.repository or 'content'}@{push.sha[:12]}",
        sha=push.sha,
        job_id=job_id,
        status_url=f"/api/jobs/{job_id}",
    )
