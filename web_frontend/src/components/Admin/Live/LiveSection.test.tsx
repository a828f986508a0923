import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { LiveSection } from "./LiveSection";
import { fakeApi, json, liveGroup, renderWithQueries } from "./testing";

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

const counts = {
  groups: 3,
  learners: 14,
  facilitators: 3,
  inactive_learners: 2,
  groups_below_min: 0,
  groups_with_sync_problems: 0,
  meetings_ahead: 15,
};

const page = (groups: ReturnType<typeof liveGroup>[], next: string | null, withCounts: boolean) => ({
  cohort_id: 7,
  name: "Spring",
  status: "running",
  phase: "running",
  viewer_zone: "Europe/Berlin",
  min_group_size: 3,
  max_group_size: 8,
  number_of_meetings: 8,
  groups,
  counts: withCounts ? counts : null,
  next_cursor: next,
});

describe("LiveSection", () => {
  it("counts the whole cohort from the first page and loads the next pages of groups on demand", async () => {
    const calls = fakeApi({
      "GET /api/admin/cohorts/7/live": (_, url) => {
        const cursor = url.searchParams.get("cursor");
        expect(url.searchParams.get("zone")).toBe("Europe/Berlin");
        if (cursor === null) return json(page([liveGroup({ id: 1, name: "Ants" }), liveGroup({ id: 2, name: "Bees" })], "c2", true));
        expect(cursor).toBe("c2");
        return json(page([liveGroup({ id: 3, name: "Crows" })], null, false));
      },
      "GET /api/admin/cohorts/7/regroup": () => json({ error: { code: "not_found", message: "none" } }, 404),
    });
    renderWithQueries(<LiveSection cohortId={7} zone="Europe/Berlin" anchorZone="Europe/London" />);

    const live = await screen.findByRole("region", { name: "Live groups" });
    // The counts are the cohort's, not the two groups loaded so far.
    expect(live.textContent).toContain("3 live groups, 14 learners, 3 facilitators");
    expect(within(live).getByRole("status").textContent).toBe("Showing 2 of 3 groups.");
    expect(screen.queryByText("Crows")).toBeNull();

    await userEvent.click(screen.getByRole("button", { name: "Load more groups" }));

    expect(await screen.findByText("Crows")).toBeTruthy();
    expect(screen.getByText("Ants")).toBeTruthy();
    expect(live.textContent).toContain("3 live groups, 14 learners"); // still the first page's counts
    expect(screen.queryByRole("button", { name: "Load more groups" })).toBeNull(); // the last page
    expect(calls.filter((c) => c.call === "GET /api/admin/cohorts/7/live")).toHaveLength(2);
  });
});
