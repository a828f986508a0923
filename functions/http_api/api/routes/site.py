"""Site pages from the content repository: the privacy policy and terms of use."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from api.schemas.common import errors
from api.schemas.site import SitePagePublic
from roundtable.content import learning
from roundtable.content.bundle import Bundle
from roundtable.content.site import SitePageView, read_site_page

router = APIRouter(tags=["site"], responses=errors(404, 422, 503))

LiveBundle = Annotated[Bundle, Depends(learning.live_bundle)]
SiteSlug = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[a-z0-9-]+$")]


@router.get("/api/site/{slug}", response_model=SitePagePublic)
def read_page(slug: SiteSlug, bundle: LiveBundle) -> SitePageView:
    """A site page (`privacy`, `terms`, or any other in `site/`); a default text for the
    privacy policy and terms when the organisation has not written them."""
    return read_site_page(bundle, slug)
