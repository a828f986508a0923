"""Publishing at scale: the publish job reconciles the first chunk and queues the rest,
which several workers run at once, each group reconciled exactly once (publish.py)."""

from __future__ import annotations

import queue
import threading
from collections import Counter

import pytest
from sqlalchemy import Engine, func, select

from roundtable.db.tables import groups, jobs
from roundtable.jobs import enqueue, get_job, run_job
from roundtable.people.actors import SYSTEM
from roundtable.sync import publish
from roundtable.sync.desired import GROUPS_PER_CATEGORY
from roundtable.sync.reconcile import groups_needing_sync
from roundtable.sync.servers import set_group_space
from tests.fakes.discord import error
from tests.fakes.discord_guild import CATEGORY, GUILD_ID, TEXT, VOICE, FakeDiscordGuild
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.integration.sync.world import add_cohort, add_person, add_preview_group

GROUPS = 2 * GROUPS_PER_CATEGORY + 3  # three chunks: 25 reconciled at once, 25 and 3 queued
WORKERS = 3


@pytest.fixture
def cohort(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    monkeypatch: pytest.MonkeyPatch,
) -> dict:
    # A chunk of one category keeps the test small; deployed chunks hold ten.
    monkeypatch.setattr(publish, "PUBLISH_CHUNK", GROUPS_PER_CATEGORY)
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Fan-out", meetings=1)
        people = [add_person(conn, f"P{n}") for n in range(GROUPS)]
        ids = [
            add_preview_group(conn, cohort_id, f"Group {n + 1}", learners=[person])
            for n, person in enumerate(people)
        ]
    for person in people:
        guild.add_member(person.discord_id)
    return {"id": cohort_id, "groups": ids}


def _publish(engine: Engine, cohort_id: int) -> dict:
    with engine.begin() as conn:
        job_id = enqueue(conn, "publish_cohort", {"cohort_id": cohort_id})
    run_job(engine, job_id)
    with engine.connect() as conn:
        job = get_job(conn, job_id)
    assert job is not None and job["status"] == "succeeded", job and job["error"]
    return job["result"]


def _run_concurrently(engine: Engine, job_ids: list[int]) -> None:
    """WORKERS threads, each claiming the next job (as parallel Lambda workers do)."""
    todo: queue.Queue[int] = queue.Queue()
    for job_id in job_ids:
        todo.put(job_id)

    def worker() -> None:
        while True:
            try:
                run_job(engine, todo.get_nowait())
            except queue.Empty:
                return

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _statuses(engine: Engine, job_ids: list[int]) -> dict[int, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(jobs.c.id, jobs.c.status).where(jobs.c.id.in_(job_ids)))
        return dict(rows.tuples().all())


def _unsynced(engine: Engine, cohort_id: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count()).where(
                    groups.c.cohort_id == cohort_id, groups.c.synced_at.is_(None)
                )
            )
            or 0
        )


def test_publishing_queues_chunks_that_parallel_workers_reconcile_each_group_once(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar, cohort: dict
) -> None:
    result = _publish(engine, cohort["id"])

    assert result["activated"] == cohort["groups"] and result["live_groups"] == GROUPS
    assert result["synced"] == cohort["groups"][:GROUPS_PER_CATEGORY]
    assert len(result["queued_chunks"]) == 2 and result["queued_groups"] == GROUPS - 25
    assert _unsynced(engine, cohort["id"]) == GROUPS - 25  # the cohort page's progress
    # Left to their chunks: the hourly sweep and a member's sync do not redo them.
    assert groups_needing_sync(engine, cohort_id=cohort["id"]) == []

    _run_concurrently(engine, result["queued_chunks"])

    assert set(_statuses(engine, result["queued_chunks"]).values()) == {"succeeded"}
    assert _unsynced(engine, cohort["id"]) == 0
    with engine.connect() as conn:
        rows = conn.execute(
            select(groups.c.discord_text_channel_id, groups.c.discord_role_id).where(
                groups.c.cohort_id == cohort["id"]
            )
        ).all()
    assert all(guild.channels[text]["type"] == TEXT for text, _ in rows)
    assert len({role for _, role in rows}) == GROUPS and all(
        role in guild.roles for _, role in rows
    )
    # Exactly once: no channel made twice by two workers (categories included).
    made = Counter((c["name"], c["type"], c.get("parent_id")) for c in guild.channels.values())
    assert [key for key, count in made.items() if count > 1] == []
    kinds = Counter(c["type"] for c in guild.channels.values())
    assert kinds[VOICE] == GROUPS and kinds[CATEGORY] == 3  # a category per 25 groups
    role_names = Counter(role["name"] for role in guild.roles.values())
    assert [name for name, count in role_names.items() if count > 1] == []
    # Each chunk announced its own groups, in one job per chunk (packed e-mails).
    with engine.connect() as conn:
        announced = conn.execute(
            select(jobs.c.payload).where(jobs.c.kind == "send_notification")
        ).all()
    assert sorted(g for (p,) in announced for g in p["group_ids"]) == cohort["groups"]
    assert len(announced) == 1 + len(result["queued_chunks"])


def test_publishing_again_queues_nothing_and_a_chunk_run_again_changes_nothing(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar, cohort: dict
) -> None:
    first = _publish(engine, cohort["id"])
    _run_concurrently(engine, first["queued_chunks"])
    guild.clear_log()

    again = _publish(engine, cohort["id"])
    chunk = cohort["groups"][GROUPS_PER_CATEGORY : 2 * GROUPS_PER_CATEGORY]
    with engine.begin() as conn:
        rerun = enqueue(conn, "sync_groups", {"cohort_id": cohort["id"], "group_ids": chunk})
    _run_concurrently(engine, [rerun])

    assert again["activated"] == [] and again["queued_chunks"] == []
    with engine.connect() as conn:
        job = get_job(conn, rerun)
    assert job is not None and job["status"] == "succeeded", job and job["error"]
    assert sum(job["result"]["discord"]["created"].values()) == 0
    with engine.connect() as conn:  # nobody told twice: each group in one queued message
        told = Counter(
            group_id
            for p in conn.scalars(select(jobs.c.payload).where(jobs.c.kind == "send_notification"))
            for group_id in p["group_ids"]
        )
    assert set(told.values()) == {1} and sorted(told) == cohort["groups"]
    assert guild.mutating_requests() == []


def test_a_failed_chunk_is_retried_alone(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar, cohort: dict
) -> None:
    result = _publish(engine, cohort["id"])
    forbidden = error(403, 50013, "Missing Permissions")
    guild.fail_next("POST", rf"/guilds/{GUILD_ID}/channels", forbidden, times=1)

    _run_concurrently(engine, result["queued_chunks"])

    statuses = _statuses(engine, result["queued_chunks"])
    assert sorted(statuses.values()) == ["queued", "succeeded"]  # the other chunk finished
    [retry] = [job_id for job_id, status in statuses.items() if status == "queued"]
    with engine.begin() as conn:
        assert "Missing Permissions" in str((get_job(conn, retry) or {})["error"])
        # Its backoff has passed (the periodic retry would invoke the worker now).
        conn.execute(jobs.update().where(jobs.c.id == retry).values(run_after=func.now()))
    assert _unsynced(engine, cohort["id"]) > 0
    assert groups_needing_sync(engine, cohort_id=cohort["id"]) == []  # its retry will

    run_job(engine, retry)

    assert _statuses(engine, [retry]) == {retry: "succeeded"}

    assert _unsynced(engine, cohort["id"]) == 0


def test_a_thread_cohorts_chunks_share_the_groups_channel_the_publish_made(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar, cohort: dict
) -> None:
    set_group_space(engine, SYSTEM, cohort["id"], "thread")

    result = _publish(engine, cohort["id"])
    _run_concurrently(engine, result["queued_chunks"])

    assert _unsynced(engine, cohort["id"]) == 0
    texts = [c for c in guild.channels.values() if c["type"] == TEXT]
    assert len(texts) == 1  # the groups channel, made once by the publish job itself
    threads = Counter(t["name"] for t in guild.threads.values())
    assert len(threads) == GROUPS and set(threads.values()) == {1}
    assert {t["parent_id"] for t in guild.threads.values()} == {texts[0]["id"]}


def test_a_cohort_of_several_chunks_is_published_with_one_category_in_the_job(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    cohort: dict,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The publish job makes the cohort's shared spaces with its first category, and
    the rest of its chunk runs beside the other chunks: a chunk alone would keep the
    other workers, and most of the shared Discord budget, idle (issue 22)."""
    monkeypatch.setattr(publish, "PUBLISH_CHUNK", 2 * GROUPS_PER_CATEGORY)

    result = _publish(engine, cohort["id"])

    ids = cohort["groups"]
    assert result["groups"] == ids[:GROUPS_PER_CATEGORY]
    with engine.connect() as conn:
        queued = conn.scalars(
            select(jobs.c.payload).where(jobs.c.id.in_(result["queued_chunks"])).order_by(jobs.c.id)
        ).all()
    assert [p["group_ids"] for p in queued] == [
        ids[GROUPS_PER_CATEGORY : 2 * GROUPS_PER_CATEGORY],
        ids[2 * GROUPS_PER_CATEGORY :],
    ]
    _run_concurrently(engine, result["queued_chunks"])
    assert _unsynced(engine, cohort["id"]) == 0
    made = Counter((c["name"], c["type"], c.get("parent_id")) for c in guild.channels.values())
    assert [key for key, count in made.items() if count > 1] == []
