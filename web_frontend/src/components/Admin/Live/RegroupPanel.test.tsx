import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RegroupPanel } from "./RegroupPanel";
import { fakeApi, json, renderWithQueries } from "./testing";

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
  vi.restoreAllMocks();
});

const plan = {
  as_of: "2026-03-20T12:00:00Z",
  min_size: 3,
  max_size: 6,
  moves: [
    {
      user_id: 11,
      name: "Ana",
      timezone: "Europe/Lisbon",
      from_group_id: 3,
      from_group: "Group 3",
      to_group_id: 5,
      to_group: "Group 5",
      weekday: "Tuesday",
      local_time: "18:00",
      time_note: null,
      summary: "Ana: Group 3 → Group 5, Tuesdays 18:00 your time (Europe/Lisbon)",
    },
  ],
  groups: [
    { group_id: 3, name: "Group 3", facilitators: 1, learners_before: 1, learners_after: 0, size_before: 2, size_after: 1, below_min_before: true, below_min_after: false, dissolved: true },
    { group_id: 5, name: "Group 5", facilitators: 1, learners_before: 3, learners_after: 4, size_before: 4, size_after: 5, below_min_before: false, below_min_after: false, dissolved: false },
  ],
  moves_count: 1,
  below_min_before: 1,
  below_min_after: 0,
  dissolved: 1,
  proven_optimal: true,
  optimality: "proven optimal: 0 below the minimum, 1 moved, 1 dissolved (highs)",
  phases: [],
  solve_seconds: 0.1,
  applied_at: null,
};

describe("RegroupPanel", () => {
  it("asks for a proposal, waits for it, shows the diff and applies it", async () => {
    vi.spyOn(window, "confirm").mockReturnValue(true);
    const calls = fakeApi({
      "POST /api/admin/cohorts/2/regroup": () =>
        json({ job_id: 77, cohort_id: 2, cohort_name: "Spring", proposal_url: "/api/admin/cohorts/2/regroup/77" }, 202),
      "GET /api/admin/cohorts/2/regroup/77": [
        () => json({ job_id: 77, cohort_id: 2, status: "running", error: null, proposal: null }),
        () => json({ job_id: 77, cohort_id: 2, status: "succeeded", error: null, proposal: plan }),
      ],
      "POST /api/admin/cohorts/2/regroup/77/apply": () =>
        json({ job_id: 77, cohort_id: 2, moved: 1, dissolved_group_ids: [3], sync_job_ids: [8, 9] }),
    });
    const onApplied = vi.fn();
    renderWithQueries(<RegroupPanel cohortId={2} onApplied={onApplied} />);
    await userEvent.click(screen.getByRole("button", { name: "Propose a regroup" }));
    expect((await screen.findByRole("status")).textContent).toContain("Computing the proposal");
    const moves = await screen.findByRole("list", { name: "Proposed moves" }, { timeout: 3000 });
    expect(moves.textContent).toBe("Ana: Group 3 → Group 5, Tuesdays 18:00 your time (Europe/Lisbon)");
    expect(screen.getByText(/proven optimal/).textContent).toContain("1 moved");
    const before = screen.getByRole("row", { name: /Group 3/ });
    expect(before.textContent).toContain("1 (below minimum)");
    expect(before.textContent).toContain("dissolved");
    await userEvent.click(screen.getByRole("button", { name: "Apply" }));
    expect((await screen.findByRole("status")).textContent).toBe("Regroup applied: the people moved are told.");
    expect(onApplied).toHaveBeenCalledTimes(1);
    expect(calls.at(-1)?.call).toBe("POST /api/admin/cohorts/2/regroup/77/apply");
  });

  it("dismisses a proposal without changing anything", async () => {
    const calls = fakeApi({
      "POST /api/admin/cohorts/2/regroup": () =>
        json({ job_id: 78, cohort_id: 2, cohort_name: "Spring", proposal_url: "" }, 202),
      "GET /api/admin/cohorts/2/regroup/78": () =>
        json({ job_id: 78, cohort_id: 2, status: "succeeded", error: null, proposal: plan }),
    });
    renderWithQueries(<RegroupPanel cohortId={2} onApplied={vi.fn()} />);
    await userEvent.click(screen.getByRole("button", { name: "Propose a regroup" }));
    await userEvent.click(await screen.findByRole("button", { name: "Dismiss" }));
    expect(screen.getByRole("status").textContent).toBe("Proposal dismissed; nothing changed.");
    expect(calls.some((c) => c.call.endsWith("/apply"))).toBe(false);
  });

  it("shows the refusal for a cohort that is not running", async () => {
    const message = "Spring is completed: regrouping is for a running cohort (published groups with meetings ahead).";
    fakeApi({ "POST /api/admin/cohorts/2/regroup": () => json({ error: { code: "conflict", message } }, 409) });
    renderWithQueries(<RegroupPanel cohortId={2} onApplied={vi.fn()} />);
    await userEvent.click(screen.getByRole("button", { name: "Propose a regroup" }));
    expect((await screen.findByRole("alert")).textContent).toContain(message);
  });
});
