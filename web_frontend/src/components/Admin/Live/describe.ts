// Words for the live cohort page: pure, so they are tested on their own.
import type { LiveGroupPublic, LiveMemberPublic, RsvpCountsPublic, SyncStatePublic } from "../../../client/schema";
import { formatDateTime } from "../../../lib/time";

export const PHASES: Record<string, { label: string; hint: string }> = {
  draft: { label: "Draft", hint: "Not visible to learners yet: open it to take signups." },
  open: { label: "Open (enrolling)", hint: "Taking signups; run scheduling when you are ready." },
  scheduled: { label: "Scheduled (preview)", hint: "Preview groups wait: review them, then publish." },
  running: { label: "Running", hint: "Groups are published and meeting: run them from the live section below." },
  completed: { label: "Completed", hint: "The last meeting is over; groups are archived and no longer change." },
  cancelled: { label: "Cancelled", hint: "Nothing more happens in this cohort." },
};

const RSVP: Record<string, string> = {
  attending: "coming",
  tentative: "maybe",
  not_attending: "not coming",
  pending: "no answer",
};

export function rsvpLabel(rsvp: string | null | undefined): string {
  return rsvp ? (RSVP[rsvp] ?? rsvp) : "—";
}

/** "missed 3 in a row (inactive)"; empty for someone keeping up. */
export function absenceLabel(member: Pick<LiveMemberPublic, "role" | "missed_in_a_row" | "inactive">): string {
  if (member.role !== "learner" || member.missed_in_a_row === 0) return "";
  const missed = `missed ${member.missed_in_a_row} in a row`;
  return member.inactive ? `${missed} (inactive)` : missed;
}

/** "2 coming, 1 maybe, 1 not coming, 3 no answer" (zero counts left out). */
export function rsvpSummary(counts: RsvpCountsPublic | null | undefined): string {
  if (!counts) return "";
  const parts = (["attending", "tentative", "not_attending", "pending"] as const)
    .filter((k) => counts[k] > 0)
    .map((k) => `${counts[k]} ${RSVP[k]}`);
  return parts.join(", ") || "nobody to ask";
}

/** "1: 3/4 · 2: 1/4" — learners who came, of those who were members then, per meeting. */
export function attendanceSummary(group: Pick<LiveGroupPublic, "attendance">): string {
  if (group.attendance.length === 0) return "No meeting held yet.";
  return group.attendance.map((m) => `#${m.number}: ${m.attended}/${m.expected}`).join(" · ");
}

/** The sync state in one line, and whether it needs the admin's attention. */
export function syncSummary(sync: SyncStatePublic, zone: string): { text: string; problem: boolean } {
  const last = sync.synced_at ? `Last synced ${formatDateTime(sync.synced_at, zone)}` : "Never synced";
  if (sync.problem) {
    const state = sync.last_job?.status === "failed" ? "the last sync failed" : "the sync is being retried";
    return { text: `${last}; ${state}: ${sync.problem}`, problem: true };
  }
  if (sync.last_job && ["queued", "running"].includes(sync.last_job.status)) {
    return { text: `${last}; a sync is ${sync.last_job.status}.`, problem: false };
  }
  if (sync.out_of_date) return { text: `${last}; members changed since: sync to catch up.`, problem: true };
  return { text: `${last}; Discord and calendar are up to date.`, problem: false };
}
