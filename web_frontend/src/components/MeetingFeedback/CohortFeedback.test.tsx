import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { fakeApi, json, renderWithQueries } from "../Admin/Live/testing";
import { CohortFeedback } from "./CohortFeedback";

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

const group = (id: number, name: string, average: number) => ({
  group_id: id,
  group_name: name,
  responses: 4,
  average_rating: average,
  latest_rating: average,
});

const page = (groups: ReturnType<typeof group>[], next: string | null) => ({
  cohort_id: 7,
  cohort_name: "Spring",
  rating_question: "How was this meeting?",
  weeks: [{ meeting_number: 1, responses: 12, meetings_held: 3, average_rating: 4.2, distribution: [0, 0, 2, 6, 4] }],
  groups,
  group_count: 3,
  next_cursor: next,
});

describe("CohortFeedback", () => {
  it("shows the weeks of the whole cohort and loads the groups a page at a time", async () => {
    const calls = fakeApi({
      "GET /api/admin/cohorts/7/feedback": (_, url) =>
        url.searchParams.get("cursor") === "g2"
          ? json(page([group(3, "Crows", 3.5)], null))
          : json(page([group(1, "Ants", 4.5), group(2, "Bees", 4.0)], "g2")),
    });
    renderWithQueries(<CohortFeedback cohortId={7} />);

    expect(await screen.findByText("Ants")).toBeTruthy();
    expect(screen.getByRole("status").textContent).toBe("Showing 2 of 3 groups.");
    expect(screen.queryByText("Crows")).toBeNull();

    await userEvent.click(screen.getByRole("button", { name: "Load more groups" }));

    expect(await screen.findByText("Crows")).toBeTruthy();
    expect(screen.getAllByRole("row").filter((r) => r.textContent?.startsWith("1"))).toHaveLength(1); // weeks once
    expect(screen.queryByRole("button", { name: "Load more groups" })).toBeNull();
    expect(calls.map((c) => c.call)).toEqual(["GET /api/admin/cohorts/7/feedback", "GET /api/admin/cohorts/7/feedback"]);
  });
});
