"""Admin models for regrouping a running cohort: the request, the proposal (a diff), applying it."""

from __future__ import annotations

from datetime import datetime

from api.schemas.common import Model


class RegroupRequestedPublic(Model):
    """A proposal is being computed; read it at `proposal_url` (202 until it is ready)."""

    job_id: int
    cohort_id: int
    cohort_name: str
    proposal_url: str


class RegroupMovePublic(Model):
    """One person moved; the target group's weekly time is shown in their own zone."""

    user_id: int
    name: str
    timezone: str
    from_group_id: int
    from_group: str
    to_group_id: int
    to_group: str
    weekday: str
    local_time: str
    time_note: str | None
    summary: str


class RegroupGroupPublic(Model):
    """A group before and after; sizes count what the cohort's minimum and maximum count."""

    group_id: int
    name: str
    facilitators: int
    learners_before: int
    learners_after: int
    size_before: int
    size_after: int
    below_min_before: bool
    below_min_after: bool
    dissolved: bool


class RegroupPhasePublic(Model):
    """One objective, minimised in order: its value and the proven lower bound."""

    name: str
    value: int
    bound: int
    proven: bool


class RegroupPlanPublic(Model):
    as_of: datetime
    min_size: int
    max_size: int
    moves: list[RegroupMovePublic]
    groups: list[RegroupGroupPublic]
    moves_count: int
    below_min_before: int
    below_min_after: int
    dissolved: int
    proven_optimal: bool
    optimality: str
    phases: list[RegroupPhasePublic]
    solve_seconds: float
    applied_at: datetime | None


class RegroupProposalPublic(Model):
    """The proposal once its job succeeded (`proposal`), else the job's status (and error)."""

    job_id: int
    cohort_id: int
    status: str
    error: str | None
    proposal: RegroupPlanPublic | None


class RegroupAppliedPublic(Model):
    job_id: int
    cohort_id: int
    moved: int
    dissolved_group_ids: list[int]
    sync_job_ids: list[int]
