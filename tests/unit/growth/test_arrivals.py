"""What a visitor arrives with: UTM values checked, codes normalised, first touch kept."""

from __future__ import annotations

import pytest

from roundtable.growth.arrivals import (
    NO_ARRIVAL,
    Arrival,
    arrival_from,
    clean_utm_value,
    decode_arrival,
    encode_arrival,
    first_touch,
    normalise_code,
)
from roundtable.growth.links import is_bot, valid_visitor


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("newsletter", "newsletter"),
        ("  spring_sale-2027 ", "spring_sale-2027"),
        ("facebook.com", "facebook.com"),
        ("partner:acme/eu+us", "partner:acme/eu+us"),
        ("", None),
        ("x" * 100, "x" * 100),
        ("x" * 101, None),
        ("<script>", None),
        ('"quoted"', None),
        ("tab\there", None),
        ("-starts-with-dash", None),
    ],
)
def test_utm_values_are_checked_for_length_and_characters(raw: str, kept: str | None) -> None:
    assert clean_utm_value(raw) == kept


def test_an_arrival_keeps_the_valid_values_and_drops_the_rest() -> None:
    arrival = arrival_from(
        {"ref": " Spring-News ", "utm_source": "mail", "utm_medium": "<b>", "other": "x"}
    )
    assert arrival == Arrival(ref="spring-news", utm={"utm_source": "mail"})


@pytest.mark.parametrize("code", ["ab", "-abc", "a b c", "x" * 41, "ünï", None])
def test_codes_that_cannot_be_ours_are_none(code: str | None) -> None:
    assert normalise_code(code) is None


def test_the_cookie_value_round_trips_and_garbage_reads_as_nothing() -> None:
    arrival = Arrival(ref="news", utm={"utm_source": "mail", "utm_campaign": "spring sale"})
    assert decode_arrival(encode_arrival(arrival)) == arrival
    for garbage in (None, "", "%%%", "ref=" + "a" * 2000, "&".join(f"k{i}=v" for i in range(50))):
        assert decode_arrival(garbage) == NO_ARRIVAL


def test_first_touch_keeps_the_first_referral_and_the_first_utm_set() -> None:
    first = Arrival(ref=None, utm={"utm_source": "podcast"})
    later = Arrival(ref="ana12345", utm={"utm_source": "mail"})
    assert first_touch(first, later) == Arrival(ref="ana12345", utm={"utm_source": "podcast"})
    assert first_touch(later, Arrival(ref="ben12345")) == later


@pytest.mark.parametrize(
    ("agent", "bot"),
    [
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1", False),
        ("Mozilla/5.0 (compatible; bingbot/2.0)", True),
        ("WhatsApp/2.23.20.0 A", True),
        ("facebookexternalhit/1.1", True),
        ("python-requests/2.32", True),
        ("", True),
        (None, True),
    ],
)
def test_the_bot_rule(agent: str | None, bot: bool) -> None:
    assert is_bot(agent) is bot


def test_only_visitor_tokens_we_would_set_are_believed() -> None:
    assert valid_visitor("0123456789abcdef0123456789abcdef")
    assert not valid_visitor("0123")
    assert not valid_visitor("Z" * 32)
    assert not valid_visitor(None)
