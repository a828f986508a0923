"""The admin's person page on real Postgres: every concern, titles not ids, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, update

from roundtable.cohorts.admin import search_users
from roundtable.db.tables import (
    attendances,
    content_progress,
    group_members,
    meetings,
    notifications,
    signups,
    users,
)
from roundtable.errors import NotFoundError, PermissionDeniedError
from roundtable.groups.facilitation import ContentTitle
from roundtable.people.actors import Actor
from roundtable.people.dossier import NOTIFICATIONS_SHOWN, PersonDossier, person_dossier
from tests.integration.api.builders import (
    add_member,
    enroll,
    give_availability,
    make_cohort,
    make_group,
    make_user,
)

FIRST = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
NOW = FIRST + timedelta(weeks=3, hours=2)  # four meetings held
ADMIN = Actor(user_id=None, is_admin=True, door="web")
TITLES = {
    "module-why-discuss": ContentTitle("Why talk it through?", None),
    "module-good-questions": ContentTitle("Questions that open a conversation", None),
}


@pytest.fixture
def ana(engine: Engine) -> dict[str, Any]:
    """Ana: in Spring's Owls (moved there from Larks), withdrawn from Autumn with a reason."""
    with engine.begin() as conn:
        ana = make_user(conn, "Ana Lovelace", timezone="Europe/Berlin", email="ana@example.org")
        conn.execute(
            update(users)
            .where(users.c.id == ana)
            .values(discord_id="4242", discord_username="ana_l", dm_notifications=False)
        )
        give_availability(conn, ana, (1, "18:00", "21:00"))
        give_availability(conn, ana, (5, "10:00", "12:00"), kind="if_needed")
        spring = make_cohort(conn, "Spring", status="running")
        autumn = make_cohort(conn, "Autumn", status="open")
        enroll(conn, ana, spring)
        enroll(conn, ana, autumn)
        conn.execute(
            update(signups)
            .where(signups.c.cohort_id == autumn)
            .values(withdrawn_at=FIRST, withdrawal_reason="New job on Tuesdays")
        )
        larks = make_group(conn, spring, "Larks", first_meeting=FIRST, meeting_count=6)
        owls = make_group(conn, spring, "Owls", first_meeting=FIRST, meeting_count=6)
        old = add_member(conn, larks, ana, spring)
        conn.execute(
            update(group_members)
            .where(group_members.c.id == old)
            .values(
                joined_at=FIRST - timedelta(days=7),
                status="removed",
                left_at=FIRST + timedelta(days=1),
                reason_for_leaving="moved to Owls",
            )
        )
        new = add_member(conn, owls, ana, spring)
        conn.execute(
            update(group_members)
            .where(group_members.c.id == new)
            .values(joined_at=FIRST + timedelta(days=1))
        )
        series = {
            (r.group_id, r.meeting_number): r.id
            for r in conn.execute(
                select(meetings.c.id, meetings.c.group_id, meetings.c.meeting_number)
            )
        }
        for group, number in ((larks, 1), (owls, 2)):  # then missed Owls 3 and 4
            conn.execute(
                insert(attendances).values(
                    meeting_id=series[(group, number)], user_id=ana, checked_in_at=FIRST
                )
            )
        for module, done in (
            ("module-why-discuss", True),
            ("module-good-questions", False),
            ("module-gone", True),
        ):
            conn.execute(
                insert(content_progress).values(
                    user_id=ana,
                    content_id=module,
                    content_type="module",
                    started_at=FIRST,
                    completed_at=FIRST if done else None,
                    total_time_s=600,
                )
            )
        conn.execute(
            insert(content_progress).values(
                user_id=ana, content_id="why-discuss.try-it", content_type="section"
            )
        )
        for i in range(NOTIFICATIONS_SHOWN + 5):
            conn.execute(
                insert(notifications).values(
                    kind="meeting_reminder_24h",
                    reference_type="meeting",
                    reference_id=i + 1,
                    user_id=ana,
                    channel="email",
                    recipient=str(ana),
                    status="sent" if i % 2 else "failed",
                    created_at=FIRST + timedelta(minutes=i),
                )
            )
        someone = make_user(conn, "Someone Else")
        conn.execute(
            insert(notifications).values(
                kind="welcome",
                reference_type="group",
                reference_id=owls,
                user_id=someone,
                channel="discord_dm",
                recipient=str(someone),
            )
        )
    return {"id": ana, "spring": spring, "autumn": autumn, "larks": larks, "owls": owls}


def _dossier(engine: Engine, user_id: int, actor: Actor = ADMIN) -> PersonDossier:
    with engine.connect() as conn:
        return person_dossier(conn, actor, user_id, NOW, titles=lambda: TITLES)


def test_profile_zone_availability_and_notification_preferences(
    engine: Engine, ana: dict[str, Any]
) -> None:
    found = _dossier(engine, ana["id"])

    assert (found.profile.display_name, found.profile.timezone) == ("Ana Lovelace", "Europe/Berlin")
    assert found.availability.text == "Tuesday 18:00–21:00; Saturday 10:00–12:00 (if needed)"
    assert (found.availability.available_minutes, found.availability.if_needed_minutes) == (
        180,
        120,
    )
    prefs = found.preferences
    assert (
        prefs.email,
        prefs.email_notifications,
        prefs.discord_linked,
        prefs.dm_notifications,
    ) == (
        "ana@example.org",
        True,
        True,
        False,
    )


def test_enrollments_include_the_withdrawn_one_with_its_reason(
    engine: Engine, ana: dict[str, Any]
) -> None:
    found = {e.cohort_name: e for e in _dossier(engine, ana["id"]).enrollments}

    assert set(found) == {"Spring", "Autumn"}
    assert (found["Autumn"].withdrawn_at, found["Autumn"].withdrawal_reason) == (
        FIRST,
        "New job on Tuesdays",
    )
    assert (found["Spring"].withdrawn_at, found["Spring"].cohort_status) == (None, "running")


def test_groups_past_and_present_with_their_dates(engine: Engine, ana: dict[str, Any]) -> None:
    found = _dossier(engine, ana["id"]).groups

    assert [(g.group_name, g.membership_status) for g in found] == [
        ("Owls", "active"),
        ("Larks", "removed"),
    ]
    assert (found[1].left_at, found[1].reason_for_leaving) == (
        FIRST + timedelta(days=1),
        "moved to Owls",
    )


def test_attendance_per_group_counts_meetings_held_while_a_member(
    engine: Engine, ana: dict[str, Any]
) -> None:
    found = {a.group_name: a for a in _dossier(engine, ana["id"]).attendance}

    # Larks: only meeting 1 was held while she was there; Owls: meetings 2, 3, 4.
    assert (found["Larks"].held, found["Larks"].attended, found["Larks"].missed_in_a_row) == (
        1,
        1,
        None,
    )
    assert (found["Owls"].held, found["Owls"].attended, found["Owls"].missed_in_a_row) == (3, 1, 2)
    assert not found["Owls"].inactive


def test_progress_lists_modules_by_title_never_by_id(engine: Engine, ana: dict[str, Any]) -> None:
    found = _dossier(engine, ana["id"]).modules

    assert [(m.title, m.status) for m in found] == [
        ("Why talk it through?", "completed"),
        ("Questions that open a conversation", "in_progress"),
        ("module-gone (removed)", "completed"),
    ]


def test_what_was_sent_is_the_latest_fifty_of_theirs_newest_first(
    engine: Engine, ana: dict[str, Any]
) -> None:
    found = _dossier(engine, ana["id"]).notifications

    assert len(found) == NOTIFICATIONS_SHOWN
    assert found[0].reference_id == NOTIFICATIONS_SHOWN + 5  # the newest
    assert {(n.kind, n.channel) for n in found} == {("meeting_reminder_24h", "email")}
    assert {n.status for n in found} == {"sent", "failed"}


def test_only_admins_see_a_dossier(engine: Engine, ana: dict[str, Any]) -> None:
    with pytest.raises(PermissionDeniedError, match="Only Roundtable admins"):
        _dossier(engine, ana["id"], Actor(user_id=ana["id"], is_admin=False))


def test_a_missing_person_is_not_found(engine: Engine, ana: dict[str, Any]) -> None:
    with pytest.raises(NotFoundError, match="no user 999"):
        _dossier(engine, 999)


@pytest.mark.parametrize("query", ["lovelace", "EXAMPLE.org", "ana_l", "@ana_l", "4242"])
def test_the_search_finds_a_person_by_name_email_discord_name_or_id(
    engine: Engine, ana: dict[str, Any], query: str
) -> None:
    with engine.connect() as conn:
        found = search_users(conn, query)

    assert [u.id for u in found] == [ana["id"]]
