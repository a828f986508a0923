"""Emails from a local stack say that their links lead to it, not to a public site."""

from __future__ import annotations

from datetime import date

import pytest

from roundtable.notifications.catalogue import load_catalogue
from roundtable.notifications.compose import Links

NOTE = "Sent by a local Roundtable stack: its links point at that stack"
VALUES = {
    "name": "Ana",
    "app_url": "http://127.0.0.1:8000",
    "cohort_name": "Spring 2026",
    "start_date": date(2026, 3, 2),
}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000",
        "http://localhost:8000",
        "http://app.localhost",
        "http://[::1]:8000",
        "http://0.0.0.0:8000",
        "http://127.0.1.1",
    ],
)
def test_an_address_on_this_computer_is_a_local_stack(url: str) -> None:
    assert Links(url, None).local


@pytest.mark.parametrize(
    "url", ["https://courses.example", "https://127.example.org", "http://10.0.0.5:8000"]
)
def test_any_other_address_is_a_site(url: str) -> None:
    assert not Links(url, None).local


def test_an_email_with_local_links_says_so_in_text_and_html() -> None:
    email = load_catalogue().render_email(
        "welcome", VALUES, "UTC", "http://127.0.0.1:8000/u", local_links=True
    )
    assert f"Roundtable · http://127.0.0.1:8000\n{NOTE}" in email.text
    assert "http://127.0.0.1:8000</a><br>Sent by a local Roundtable stack" in email.html


def test_an_email_from_a_site_has_no_such_note() -> None:
    email = load_catalogue().render_email("welcome", VALUES, "UTC", "https://x.example/u")
    assert "local Roundtable stack" not in email.text + email.html
    assert "Roundtable · http://127.0.0.1:8000\nYou get this email" in email.text
