import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { PreviewSummaryPublic } from "../../client/schema";
import { describePhase, RunStats } from "./RunStats";

/** The whole preview's summary, as GET /preview answers it on every page. */
const summary = (sizes: [number, number][], facilitatorsUsed = 0): PreviewSummaryPublic => ({
  groups: sizes.reduce((n, [, groups]) => n + groups, 0),
  learners: sizes.reduce((n, [learners, groups]) => n + learners * groups, 0),
  facilitators: facilitatorsUsed,
  unplaced: 0,
  facilitators_used: facilitatorsUsed,
  sizes: sizes.map(([learners, groups]) => ({ learners, groups })),
});

// As roundtable.scheduling.saving stores them.
const stats = {
  learners: 48,
  placed: 42,
  upper_bound: 44,
  gap: 0.045455,
  seconds: 3.214,
  method: "exact",
  heuristic_placed: 39,
  placement_seconds: 0.412,
  groups: 4,
  proposed_joins: [],
  phases: [
    "heuristic",
    "placed (0.41 s): 42, bound 44, gap 4.5% (time limit reached)",
    "sizes (0.02 s): 3 = lower bound, optimal",
    "spread (0.10 s): 14, bound 13, gap 7.1% (accepted)",
  ],
};

describe("RunStats", () => {
  it("shows labelled figures with units instead of a key/value dump", () => {
    // Counted by the server over every page of groups, not the groups loaded.
    render(<RunStats stats={stats} summary={summary([[4, 1], [5, 2], [6, 1]], 2)} />);
    const figure = (label: string) => screen.getByText(label).nextElementSibling?.textContent;
    expect(figure("Learners placed")).toBe("42 of 48 (87.5%)");
    expect(figure("Learners unplaced")).toBe("6");
    expect(figure("Most that could be placed")).toBe("44 learners");
    expect(figure("Groups")).toBe("4 groups");
    expect(figure("Facilitators used")).toBe("2");
    expect(figure("Solve time")).toBe("3.21 s (placement proven in 0.41 s)");
    expect(screen.queryByText(/upper_bound|heuristic_placed|placement_seconds/)).toBeNull();
  });

  it("draws a bar per group size, scaled to the most common size", () => {
    render(<RunStats stats={stats} summary={summary([[5, 2], [6, 1]], 3)} />);
    const rows = within(screen.getByRole("list", { name: "Groups by size" })).getAllByRole("listitem");
    expect(rows.map((r) => r.textContent)).toEqual(["5 learners2 groups", "6 learners1 group"]);
    const widths = rows.map((r) => (r.querySelector(".run-stats-bar > span") as HTMLElement).style.width);
    expect(widths).toEqual(["100%", "50%"]);
  });

  it("says how each solver phase ended in words", () => {
    render(<RunStats stats={stats} summary={summary([])} />);
    const phases = screen.getAllByRole("listitem").map((li) => li.textContent);
    expect(phases).toEqual([
      "Quick first placement (heuristic) · done",
      "Place as many learners as possible · 0.41 s · within 4.5% of the best possible (stopped: time limit reached)",
      "Keep groups near the target size · 0.02 s · proven optimal",
      "Spread groups across facilitators and start times · 0.10 s · within 7.1% of the best possible (close enough, accepted)",
    ]);
  });

  it("keeps a phase line it cannot read as it is", () => {
    expect(describePhase("exact: nothing to decide")).toEqual({ name: "Exact solve", time: null, outcome: "nothing to decide" });
    expect(describePhase("something new").name).toBe("something new");
  });
});
