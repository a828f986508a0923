import { describe, expect, it } from "vitest";
import { absenceLabel, attendanceSummary, rsvpSummary, syncSummary } from "./describe";

const sync = {
  synced_at: "2026-03-03T18:00:00Z",
  out_of_date: false,
  last_job: null,
  problem: null,
};

describe("live page words", () => {
  it("flags learners who stopped coming, never facilitators", () => {
    expect(absenceLabel({ role: "learner", missed_in_a_row: 3, inactive: true })).toBe("missed 3 in a row (inactive)");
    expect(absenceLabel({ role: "learner", missed_in_a_row: 1, inactive: false })).toBe("missed 1 in a row");
    expect(absenceLabel({ role: "learner", missed_in_a_row: 0, inactive: false })).toBe("");
    expect(absenceLabel({ role: "facilitator", missed_in_a_row: 4, inactive: false })).toBe("");
  });

  it("counts RSVPs and attendance in words", () => {
    expect(rsvpSummary({ attending: 2, tentative: 0, not_attending: 1, pending: 3 })).toBe(
      "2 coming, 1 not coming, 3 no answer",
    );
    expect(attendanceSummary({ attendance: [] })).toBe("No meeting held yet.");
    expect(
      attendanceSummary({
        attendance: [
          { id: 1, number: 1, starts_at: "", attended: 3, expected: 4 },
          { id: 2, number: 2, starts_at: "", attended: 1, expected: 4 },
        ],
      }),
    ).toBe("#1: 3/4 · #2: 1/4");
  });

  it("says when a sync failed, with the error, and when one is due", () => {
    const failed = syncSummary(
      {
        ...sync,
        problem: "Discord answered 403",
        last_job: { job_id: 9, status: "failed", error: "Discord answered 403", attempts: 5, created_at: "", finished_at: null },
      },
      "UTC",
    );
    expect(failed).toEqual({ text: "Last synced Tue 3 Mar, 18:00; the last sync failed: Discord answered 403", problem: true });
    expect(syncSummary({ ...sync, out_of_date: true }, "UTC").problem).toBe(true);
    expect(syncSummary(sync, "UTC")).toEqual({
      text: "Last synced Tue 3 Mar, 18:00; Discord and calendar are up to date.",
      problem: false,
    });
    expect(syncSummary({ ...sync, synced_at: null }, "UTC").text).toMatch(/^Never synced/);
  });
});
