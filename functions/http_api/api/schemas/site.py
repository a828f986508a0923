"""Site pages the organisation writes: privacy policy, terms of use."""

from __future__ import annotations

from api.schemas.common import Model


class SitePagePublic(Model):
    slug: str
    title: str
    markdown: str
    is_default: bool
