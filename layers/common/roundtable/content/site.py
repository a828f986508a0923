"""Site pages the organisation writes: its privacy policy and terms of use.

They live in the content repository (`site/privacy.md`, `site/terms.md`) and
ship in the content bundle, so an organisation edits them like its course. A
bundle without one of the two still answers with a default text saying the
organisation has not published it yet: the links where consent is asked must
never lead nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from roundtable.content.bundle import Bundle, UnknownContentError
from roundtable.errors import NotFoundError

_REPLACE = (
    "**This organisation has not published its {what} yet.** Organisers: write it in "
    "`content/site/{slug}.md` in the content repository (front matter `title:`, then "
    "Markdown); it replaces this text once the content is published."
)

DEFAULTS: dict[str, tuple[str, str]] = {
    "privacy": ("Privacy policy", "privacy policy"),
    "terms": ("Terms of use", "terms of use"),
}


@dataclass(frozen=True)
class SitePageView:
    """A site page as shown: its title and Markdown, and whether it is the built-in default."""

    slug: str
    title: str
    markdown: str
    is_default: bool


def read_site_page(bundle: Bundle, slug: str) -> SitePageView:
    """The page from the bundle; for privacy and terms a default text when the bundle has none."""
    try:
        page = bundle.site_page(slug)
    except UnknownContentError as exc:
        if slug not in DEFAULTS:
            raise NotFoundError(str(exc), field="slug") from exc
        return default_page(slug)
    return SitePageView(slug, page["title"], page["markdown"], is_default=False)


def default_page(slug: str) -> SitePageView:
    title, what = DEFAULTS[slug]
    text = _REPLACE.format(what=what, slug=slug)
    return SitePageView(slug, title, text, is_default=True)
