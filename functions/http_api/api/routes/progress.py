"""My progress: mark a section complete, and reading-time heartbeats (sendBeacon-friendly)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import pydantic
from fastapi import APIRouter, Depends, Request, status

from api.deps import Db, Now
from api.identity import LearnerWriter
from api.routes.content import LiveBundle
from api.schemas.common import errors
from api.schemas.content import (
    ModuleProgressPublic,
    SectionCompletedPublic,
    SectionProgressPublic,
    SectionRef,
    VideoPositionRef,
)
from roundtable.content import learning
from roundtable.errors import ValidationError

router = APIRouter(
    prefix="/api/progress", tags=["progress"], responses=errors(400, 401, 404, 422, 429)
)


# navigator.sendBeacon() cannot set headers: a string body arrives as
# text/plain, so the beacon routes read JSON whatever the content type says.
def _any_json_body(model: type[pydantic.BaseModel]) -> dict[str, Any]:
    """OpenAPI for a route whose JSON body may come as application/json or text/plain."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                media: {"schema": model.model_json_schema()}
                for media in ("application/json", "text/plain")
            },
        }
    }


def _read_any_type[M: pydantic.BaseModel](model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency reading the body as JSON into `model`, whatever its content type."""

    async def read(request: Request) -> M:
        raw = await request.body()
        try:
            return model.model_validate_json(raw or b"null")
        except pydantic.ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or None
            message = f"{field}: {first['msg']}" if field else "the body must be a JSON object"
            raise ValidationError(message, field=field) from None

    return read


@router.post("/complete", response_model=SectionCompletedPublic)
def complete_section(
    body: SectionRef, learner: LearnerWriter, conn: Db, bundle: LiveBundle, now: Now
) -> SectionCompletedPublic:
    """Mark a section complete; its outcome and module complete when all their required ones are."""
    done = learning.complete_section(
        conn,
        learner=learner.learner,
        bundle=bundle,
        module_slug=body.module_slug,
        section_id=body.section_id,
        now=now,
    )
    module = done.module
    return SectionCompletedPublic(
        section_id=done.completion.section_id,
        outcome_completed=done.completion.outcome_completed,
        module_completed=done.completion.module_completed,
        module=ModuleProgressPublic(
            slug=module.slug,
            status=module.status,
            required_done=module.required_done,
            required_total=module.required_total,
            time_s=module.time_s,
            sections=[SectionProgressPublic.model_validate(s) for s in module.sections],
        ),
    )


@router.post(
    "/heartbeat",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=_any_json_body(SectionRef),
)
def record_heartbeat(
    body: Annotated[SectionRef, Depends(_read_any_type(SectionRef))],
    learner: LearnerWriter,
    conn: Db,
    bundle: LiveBundle,
    now: Now,
) -> None:
    """I am reading this section (every ~20 s while active); the time since my last one counts,
    up to 40 s. Accepts a JSON body sent as text/plain (navigator.sendBeacon)."""
    learning.heartbeat(
        conn,
        learner=learner.learner,
        bundle=bundle,
        module_slug=body.module_slug,
        section_id=body.section_id,
        now=now,
    )


@router.post(
    "/video-position",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=_any_json_body(VideoPositionRef),
)
def save_video_position(
    body: Annotated[VideoPositionRef, Depends(_read_any_type(VideoPositionRef))],
    learner: LearnerWriter,
    conn: Db,
    bundle: LiveBundle,
    now: Now,
) -> None:
    """Where I am in a video segment (every ~10 s while it plays, on pause and on leaving), so
    the page resumes there; kept in whole seconds within the excerpt's from/to. 422 for a
    segment that is not a video or a position that is not 0..86400 seconds. Accepts a JSON
    body sent as text/plain (navigator.sendBeacon)."""
    learning.remember_video_position(
        conn,
        learner=learner.learner,
        bundle=bundle,
        module_slug=body.module_slug,
        segment_id=body.segment_id,
        position_s=body.position_s,
        now=now,
    )
