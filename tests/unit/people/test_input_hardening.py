"""Issue 16, finding 8 (the smaller points): zones are IANA region zones, cohort dates lie
in a sane range, display names have something to see, and a deployed stack's JWT secret
is strong enough."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from roundtable.cohorts.catalog import CohortDraft, validate_draft
from roundtable.config import SettingsError, get_settings
from roundtable.errors import ValidationError
from roundtable.people.profiles import validate_display_name, validate_timezone


@pytest.mark.parametrize(
    "zone",
    ["localtime", "Factory", "EST5EDT", "EST", "CST6CDT", "posixrules", "GMT+0", "Etc/GMT-14"],
)
def test_legacy_and_non_region_zones_are_refused(zone: str) -> None:
    with pytest.raises(ValidationError, match="IANA"):
        validate_timezone(zone)


@pytest.mark.parametrize(
    "zone", ["Europe/Berlin", "America/Argentina/Buenos_Aires", "Asia/Kolkata", "UTC", "Etc/UTC"]
)
def test_region_zones_and_utc_are_allowed(zone: str) -> None:
    assert validate_timezone(zone) == zone


def _draft(**changes: object) -> CohortDraft:
    values: dict[str, object] = {
        "name": "Spring",
        "course_slug": "intro",
        "start_date": date(2026, 3, 2),
    }
    values.update(changes)
    return CohortDraft(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "start", [date(1, 1, 3), date(1999, 12, 31), date(2101, 1, 1), date(9999, 1, 1)]
)
def test_a_cohort_start_outside_2000_to_2100_is_refused(start: date) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_draft(_draft(start_date=start))
    assert refused.value.field == "start_date"


@pytest.mark.parametrize(
    "deadline",
    [
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(2101, 1, 1, tzinfo=UTC),
    ],
)
def test_an_enrollment_deadline_outside_2000_to_2100_is_refused(deadline: datetime) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_draft(_draft(enrollment_deadline=deadline))
    assert refused.value.field == "enrollment_deadline"


def test_sane_cohort_dates_pass() -> None:
    deadline = datetime(2026, 2, 20, tzinfo=UTC)
    assert validate_draft(_draft(enrollment_deadline=deadline)).start_date == date(2026, 3, 2)


@pytest.mark.parametrize(
    "name",
    [
        "\u200b",
        "\u200b\u200c\u200d",
        "\u202e",
        "\u2066\u2069",
        "\ufeff",
        " \u200b ",
        "\u0301",
        "A\u202egnp.exe",
    ],
)
def test_display_names_without_visible_characters_or_with_bidi_controls_are_refused(
    name: str,
) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_display_name(name)
    assert refused.value.field == "display_name"


@pytest.mark.parametrize("name", ["Ada", "José", "محمد", "李小龙", "Zoë 🌱", "O'Brien-Smith"])
def test_ordinary_display_names_pass(name: str) -> None:
    assert validate_display_name(name) == name


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUNDTABLE_STAGE", "deployed")
    monkeypatch.setenv("DB_HOST", "db.internal")
    monkeypatch.delenv("DEV_LOGIN_ENABLED", raising=False)
    monkeypatch.delenv("JWT_SECRET_PARAM", raising=False)


@pytest.mark.parametrize("secret", ["abc", "x" * 31, "short-but-not-a-placeholder"])
def test_a_deployed_stack_refuses_a_weak_jwt_secret(
    deployed: None, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("JWT_SECRET", secret)
    with pytest.raises(SettingsError, match="JWT_SECRET.*32"):
        get_settings().secret("JWT_SECRET")


def test_a_deployed_stack_takes_a_strong_jwt_secret(
    deployed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    strong = "k" * 16 + "Z" * 16 + "0123"
    monkeypatch.setenv("JWT_SECRET", strong)
    assert get_settings().secret("JWT_SECRET") == strong


def test_the_local_stack_keeps_any_jwt_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SECRET", "abc")
    assert get_settings().secret("JWT_SECRET") == "abc"
