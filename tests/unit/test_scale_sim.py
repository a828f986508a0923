"""The scale simulation's engine (bench/scale_sim.py, bench/scale_fakes.py) on tiny cases.

All times are simulated seconds on the virtual clock: nothing here measures the wall.
"""

from __future__ import annotations

from bench.scale_fakes import Recorder, VirtualDiscord
from bench.scale_sim import (
    DISCORD,
    GOOGLE,
    SENDGRID,
    Call,
    Pool,
    Settings,
    Task,
    VendorLimits,
    VirtualClock,
    WindowLimit,
    replay,
)


def _posts(count: int, channels: int = 1) -> list[Call]:
    return [
        Call(DISCORD, "POST", f"/channels/{900_000_000_000_000 + i % channels}/messages")
        for i in range(count)
    ]


def test_a_paced_worker_takes_at_least_calls_over_its_rate_and_meets_no_429() -> None:
    limits = VendorLimits()
    (task,) = replay(
        [Task("t", _posts(120, channels=120))], {"worker": Pool("worker", 1, 48.0, lanes=8)}, limits
    )
    assert task.finished_at >= 119 / 48
    assert limits.calls[DISCORD] == 120
    assert limits.refusals[DISCORD] == 0
    assert limits.discord_global.peak <= 50


def test_workers_faster_than_the_limit_get_429s_that_are_counted_and_retried() -> None:
    limits = VendorLimits()
    tasks = [Task(f"t{n}", _posts(100, channels=100)) for n in range(3)]
    done = replay(tasks, {"worker": Pool("worker", 3, 48.0, lanes=8)}, limits)
    assert limits.refusals[DISCORD] > 0
    assert limits.discord_invalid.peak == limits.refusals[DISCORD]
    assert limits.discord_global.peak == 50  # the fake refused the 51st in any second
    assert not limits.discord_global.crossings
    assert all(task.failed == 0 for task in done)
    assert max(task.finished_at for task in done) >= (300 - 50) / 50


def test_a_full_server_is_reported_as_the_limit_crossed() -> None:
    limits = VendorLimits()
    roles = [
        Call(
            DISCORD,
            "POST",
            "/guilds/300000000000000001/roles",
            creates="role",
            guild="300000000000000001",
        )
        for _ in range(300)
    ]
    (task,) = replay([Task("t", roles)], {"worker": Pool("worker", 1, 48.0)}, limits)
    assert task.failed == 300 - 249  # @everyone is the 250th
    assert [meter.name for meter in limits.crossed()] == ["Discord roles per server"]
    assert limits.first_met() is limits.capacity("300000000000000001", "role")


def test_the_invitations_budget_refuses_past_its_limit() -> None:
    limits = VendorLimits()
    inserts = [Call(GOOGLE, "POST", "/calendars/primary/events", units=1000) for _ in range(11)]
    (task,) = replay([Task("t", inserts)], {"worker": Pool("worker", 1, 48.0)}, limits)
    assert limits.invitations.peak == 10_000
    assert limits.refusals[GOOGLE] == 1  # the eleventh is refused (quotaExceeded)...
    assert task.failed == 1  # ...and left for a later run: the window lasts a day
    assert task.finished_at < 60
    assert [meter.name for meter in limits.crossed()] == ["Google invitations (per 24 h)"]


def test_a_window_counts_its_busiest_moment_and_crossings() -> None:
    window = WindowLimit("w", limit=2, window=1.0)
    for moment in (0.0, 0.5, 0.9, 2.0):
        window.record(moment)
    assert window.peak == 3
    assert window.crossings == 1
    assert window.share == 1.5
    assert window.room(2.5) and not window.room(2.5, units=2)


def _through_the_real_client(rate: float) -> tuple[VirtualClock, Recorder]:
    """120 calls (a channel, then 119 posts to it) by Roundtable's Discord client pacing at
    `rate`, against the virtual fake with no latency: only the limits take time."""
    from roundtable.discord.client import DiscordRestClient
    from tests.fakes.discord import BOT_TOKEN

    clock = VirtualClock()
    no_latency = {DISCORD: 0.0, GOOGLE: 0.0, SENDGRID: 0.0}
    recorder = Recorder(clock, VendorLimits(Settings(latency=no_latency)))
    fake = VirtualDiscord(recorder)
    with fake.running():
        client = DiscordRestClient(
            fake.base_url, BOT_TOKEN, clock=clock.now, sleep=clock.sleep, global_rate=rate
        )
        created = client.request(
            "POST", f"/guilds/{fake.guild_id}/channels", json={"name": "group-1", "type": 0}
        )
        for _ in range(119):
            client.request("POST", f"/channels/{created['id']}/messages", json={"content": "hi"})
    return clock, recorder


def test_the_real_client_paced_under_the_limit_takes_simulated_time_and_no_429() -> None:
    clock, recorder = _through_the_real_client(48)
    assert clock.now() >= 2.4  # 120 calls at 48 a second: 119 intervals of 1/48 s
    assert [r.status for r in recorder.records].count(429) == 0
    assert recorder.limits.discord_global.peak <= 50


def test_the_real_client_pacing_too_fast_meets_429s_that_are_counted() -> None:
    clock, recorder = _through_the_real_client(200)
    statuses = [record.status for record in recorder.records]
    assert statuses.count(429) > 0
    assert statuses.count(429) == recorder.limits.refusals[DISCORD]
    assert statuses.count(429) == recorder.limits.discord_invalid.peak
    assert len(statuses) - statuses.count(429) == 120  # each refused call was retried
    assert clock.now() >= 2.0  # the 101st call waits for the third second
    assert not recorder.limits.crossed()


def test_servers_fill_by_the_planners_own_costs() -> None:
    from bench.scale import plan_servers

    # A channel_and_role group takes a role and 2 channels, plus a category per 25 groups:
    # a server of 250 roles and 500 channels holds a little under 250 of them.
    fits = max(n for n in range(1, 300) if plan_servers("channel_and_role", n).needed == 1)
    assert 200 < fits < 250
    assert plan_servers("channel_and_role", fits).fullest <= 1.0
    assert plan_servers("channel_and_role", fits + 1).needed == 2
    # A thread takes no role or channel but one of a server's 1,000 active threads.
    assert plan_servers("thread", 1000).needed == 1
    assert plan_servers("thread", 1001).needed == 2
    assert plan_servers("thread", 20_000).needed == 20


def test_tasks_after_another_are_queued_only_when_it_ends() -> None:
    limits = VendorLimits()
    first = Task("first", _posts(10, channels=10), pool="publish")
    chunks = [Task(f"c{n}", _posts(10, channels=10), pool="worker") for n in range(2)]
    for chunk in chunks:
        chunk.after = first
    pools = {"publish": Pool("publish", 1, 48.0), "worker": Pool("worker", 2, 48.0)}

    replay([*chunks, first], pools, limits)

    assert all(chunk.ready_at == first.finished_at > 0 for chunk in chunks)
    assert all(chunk.finished_at > first.finished_at for chunk in chunks)
    assert limits.calls[DISCORD] == 30


def test_a_chunks_announcement_is_queued_when_its_chunk_ends() -> None:
    """The deployed publish: each `sync_groups` chunk queues its groups' `group_assigned`
    job when it ends (sync/jobs.py), so the copies wait for their own chunk."""
    from bench.scale import Recorded, deployed_pools, replay_tasks
    from bench.scale_fakes import Record

    def record(vendor: str, path: str, task: str) -> Record:
        return Record(vendor, "POST", path, 0.0, 200, "publish", task)

    publish = Recorded("publish", "publish", 0.0, [record(DISCORD, "/channels/1/messages", "p")])
    told = Recorded("publish", "group_assigned 1", 0.0, [record(SENDGRID, "/v3/mail/send", "g")])
    k = 4
    tasks = replay_tasks([publish, told], k, deployed=True, spacing=0.0, groups=250)
    # The publish job's own first category, then a chunk per copy (the first one's rest).
    lead, *chunks = [t for t in tasks if not t.name.startswith("publish|group_assigned")]
    announcements = [t for t in tasks if t.name.startswith("publish|group_assigned")]
    assert lead.pool == "publish" and len(chunks) == len(announcements) == k
    assert [a.after for a in announcements] == chunks

    replay(tasks, deployed_pools(45.0), VendorLimits(), shared_rate=45.0)

    assert all(a.ready_at >= c.finished_at for a, c in zip(announcements, chunks, strict=True))


def test_each_servers_first_chunk_leads_its_server_and_follows_the_publish_job() -> None:
    """sync/publish.py: the publish job reconciles the first server's first chunk; the
    other servers' first chunks wait for it, and each server's other chunks for its own."""
    from bench.scale import Recorded, copies_per_server, replay_tasks
    from bench.scale_fakes import Record

    listing = Record(DISCORD, "GET", "/guilds/1/channels", 0.0, 200, "publish", "publish")
    made = [
        Record(DISCORD, "PUT", f"/guilds/1/members/{10**17 + n}/roles/{10**17}", 0.0, 204,
               "publish", "publish")
        for n in range(249)
    ]  # fmt: skip
    publish = Recorded("publish", "publish", 0.0, [listing, *made])

    chunks = replay_tasks([publish], 6, deployed=True, spacing=0.0, groups=250, per_server=2)

    # The job's own part (its first category), then the rest of its chunk and the
    # second chunk on its server, the other servers' first chunks, and their seconds.
    assert [chunks.index(c.after) if c.after else None for c in chunks] == [
        None, 0, 0, 0, 3, 0, 5,
    ]  # fmt: skip
    lead, rest = chunks[0], chunks[1]
    assert (lead.pool, rest.pool) == ("publish", "announce")
    # A tenth of the work (25 of 250 groups) in the job; the listing read by both.
    assert (len(lead.calls), len(rest.calls)) == (1 + 25, 1 + 224)
    # A server holds about 245 role groups, 1,000 thread groups: copies of 200 groups.
    assert copies_per_server("channel_and_role", 200) == 1
    assert copies_per_server("thread", 200) == 5
