"""Typed outcomes of the sync jobs, for their listeners (light: no clients, no SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PublishResult:
    """What publishing a cohort did, for the job's listeners; `record` is the full report."""

    cohort_id: int
    activated: int  # preview groups made live by this publish
    live_groups: int  # the cohort's live groups after it
    channels_created: int  # Discord channels, roles and categories created
    roles_granted: int
    not_in_guild: int  # members who get their role once they join the server
    left_in_preview: int  # preview groups without members
    record: dict[str, Any]
    queued_groups: int = 0  # groups whose reconcile was queued for parallel workers
    queued_chunks: int = 0  # the `sync_groups` jobs that do it

    @classmethod
    def from_report(cls, report: dict[str, Any]) -> PublishResult:
        discord = report["discord"]
        return cls(
            cohort_id=report["cohort_id"],
            activated=len(report["activated"]),
            live_groups=report.get("live_groups", len(report["groups"])),
            channels_created=sum(discord["created"].values()),
            roles_granted=discord["granted"],
            not_in_guild=len(discord["not_in_guild"]),
            left_in_preview=len(report["left_in_preview"]),
            queued_groups=report.get("queued_groups", 0),
            queued_chunks=len(report.get("queued_chunks", [])),
            record=report,
        )

    def as_record(self) -> dict[str, Any]:
        return self.record
