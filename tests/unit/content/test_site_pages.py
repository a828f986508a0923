"""Site pages (privacy policy, terms) in content/site/: parsed, bundled, defaulted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from roundtable.content.bundle import build_bundle
from roundtable.content.site import read_site_page
from roundtable.content.validate import validate_tree
from roundtable.errors import NotFoundError

from .conftest import DEMO_CONTENT

PAGE = "---\ntitle: Our privacy policy\n---\n\nWe keep **little**.\n"


def test_a_site_page_is_bundled_with_its_title_and_markdown(
    tree: Path, write: Callable[[str, str], Path]
) -> None:
    write("site/privacy.md", PAGE)

    bundle, _ = build_bundle(tree)
    page = read_site_page(bundle, "privacy")

    assert (page.title, page.markdown, page.is_default) == (
        "Our privacy policy",
        "We keep **little**.",
        False,
    )


def test_privacy_and_terms_have_a_default_that_says_to_replace_it(tree: Path) -> None:
    bundle, _ = build_bundle(tree)  # the base tree has no site/ folder

    for slug, title in (("privacy", "Privacy policy"), ("terms", "Terms of use")):
        page = read_site_page(bundle, slug)
        assert page.is_default
        assert page.title == title
        assert f"content/site/{slug}.md" in page.markdown


def test_any_other_missing_page_is_not_found(tree: Path) -> None:
    bundle, _ = build_bundle(tree)

    with pytest.raises(NotFoundError, match="no site page 'about'") as caught:
        read_site_page(bundle, "about")

    assert caught.value.field == "slug"


def test_a_site_page_without_title_or_text_is_reported(
    tree: Path, write: Callable[[str, str], Path]
) -> None:
    write("site/terms.md", "---\nid: x\n---\n")

    messages = [p.message for p in validate_tree(tree).errors if p.file == "site/terms.md"]

    assert any("title" in m for m in messages), messages
    assert "site page has no text" in messages


def test_a_page_outside_the_known_folders_is_still_a_stray_file(
    tree: Path, write: Callable[[str, str], Path]
) -> None:
    write("pages/privacy.md", PAGE)

    (warning,) = [p for p in validate_tree(tree).warnings if p.file == "pages/privacy.md"]

    assert "site/" in warning.message


def test_the_shipped_pages_tell_the_organisation_to_replace_them() -> None:
    bundle, _ = build_bundle(DEMO_CONTENT)

    for slug in ("privacy", "terms"):
        page = read_site_page(bundle, slug)
        assert not page.is_default
        assert "Replace this text" in page.markdown
        assert f"content/site/{slug}.md" in page.markdown
