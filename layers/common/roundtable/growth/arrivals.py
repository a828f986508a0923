"""What a visitor arrives with: a referral code and UTM parameters.

Both are kept from the first arrival that carried them (first touch) in a
first-party cookie until the visitor signs up; the cookie's value is a query
string (`ref=...&utm_source=...`) that this module writes and reads. Anything
malformed is dropped, never an error: a visitor is never turned away for a
bad link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
UTM_MAX_LENGTH = 100
# Letters, digits and the punctuation campaign tools use (spring_sale, facebook.com,
# news-letter, a+b, partner:acme); no quotes, angle brackets or control characters.
_UTM_VALUE = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9 ._~+:/@-]{{0,{UTM_MAX_LENGTH - 1}}}$")
# Referral codes: campaign slugs and generated person codes alike.
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{2,39}$")
# A cookie value longer than this was not written by us.
MAX_COOKIE_VALUE = 1024


@dataclass(frozen=True)
class Arrival:
    """A referral code (not yet checked against the links) and valid UTM values."""

    ref: str | None = None
    utm: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.ref is None and not self.utm


NO_ARRIVAL = Arrival()


def normalise_code(raw: str | None) -> str | None:
    """A referral code in its stored form (lower case), or None when it cannot be one."""
    if raw is None:
        return None
    code = raw.strip().lower()
    return code if _CODE.match(code) else None


def clean_utm_value(raw: str | None) -> str | None:
    """A UTM value trimmed, or None when it is empty, too long or has other characters."""
    if raw is None:
        return None
    value = raw.strip()
    return value if _UTM_VALUE.match(value) else None


def arrival_from(values: dict[str, str | None]) -> Arrival:
    """An Arrival from raw `ref` and `utm_*` values, dropping the malformed ones."""
    utm = {}
    for name in UTM_FIELDS:
        value = clean_utm_value(values.get(name))
        if value is not None:
            utm[name] = value
    return Arrival(ref=normalise_code(values.get("ref")), utm=utm)


def first_touch(kept: Arrival, new: Arrival) -> Arrival:
    """What to keep: the referral and the UTM set each from the first arrival that had one."""
    return replace(
        kept,
        ref=kept.ref if kept.ref is not None else new.ref,
        utm=kept.utm if kept.utm else new.utm,
    )


def encode_arrival(arrival: Arrival) -> str:
    """The cookie value for an arrival."""
    values = {"ref": arrival.ref} if arrival.ref else {}
    return urlencode({**values, **arrival.utm})


def decode_arrival(raw: str | None) -> Arrival:
    """The arrival a cookie value holds; NO_ARRIVAL for anything unreadable."""
    if not raw or len(raw) > MAX_COOKIE_VALUE:
        return NO_ARRIVAL
    try:
        pairs = parse_qsl(raw, max_num_fields=len(UTM_FIELDS) + 1)
    except ValueError:
        return NO_ARRIVAL
    return arrival_from(dict(pairs))
