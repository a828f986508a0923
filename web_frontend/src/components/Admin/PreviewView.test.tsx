import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { fakeApi, json, renderWithQueries } from "./Live/testing";
import { type LoadedPreview, PreviewView } from "./PreviewView";

const weekly = (label: string, note: string | null = null) => ({
  anchor_label: "Tuesday 18:00 (America/New_York)",
  changes: [],
  local: { label, time: "23:00", weekday: 1, weekday_name: "Tuesday", zone_abbreviation: "GMT" },
  note,
  shifts: note !== null,
  timezone: "Europe/London",
});

const preview = {
  cohort_id: 3,
  summary: { groups: 1, learners: 2, facilitators: 0, unplaced: 1, facilitators_used: 0, sizes: [{ learners: 2, groups: 1 }] },
  run: {
    id: 9,
    job_id: 4,
    created_at: "2025-10-01T09:00:00Z",
    params: {},
    notes: ["2 learners have no availability"],
    stats: { gap: 0.0125, groups: 1 },
  },
  groups: [
    {
      id: 11,
      name: "Group 1",
      status: "preview",
      first_meeting_at: "2025-10-14T22:00:00Z",
      anchor_label: "Tuesday 18:00 (America/New_York)",
      learner_count: 2,
      facilitator_count: 0,
      members: [
        { user_id: 1, display_name: "Ada", role: "learner", avatar_url: null },
        { user_id: 2, display_name: "Bo", role: "learner", avatar_url: null },
      ],
      problems: ["smaller than the minimum of 4"],
      weekly_time: weekly("Tuesday 23:00 BST", "From 28 Oct this is Tuesday 22:00 your time"),
    },
  ],
  unplaced: [
    {
      user_id: 5,
      display_name: "Cy",
      role: "learner",
      reason: "daylight_saving",
      detail: {
        reason: "daylight_saving",
        detail: "available for at most 5 of 8 meetings at any time",
        suggestions: [
          { time: "Tue 17:00", your_local_time: "Tue 18:00", meetings_you_can_attend: 5 },
          { group: "Group 1", your_local_time: "Tue 23:00", minutes_away: 30 },
        ],
        run_id: 9,
      },
    },
  ],
} as unknown as LoadedPreview;

/** A group as GET /api/admin/cohorts/{id}/groups lists it (a move form's choice). */
const choice = (id: number, name: string) => ({
  id,
  name,
  status: "preview",
  anchor_label: "Tuesday 18:00 (Europe/London)",
  learner_count: 4,
});

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

describe("PreviewView", () => {
  it("shows each group's time in the viewer's zone and in UTC, its size, problems and the DST note", () => {
    render(
      <QueryClientProvider client={new QueryClient()}>
        <PreviewView preview={preview} zone="Europe/London" onChanged={() => {}} />
      </QueryClientProvider>,
    );
    const row = screen.getByRole("row", { name: /Group 1/ });
    expect(row.textContent).toContain("Tuesday 23:00 BST");
    expect(row.textContent).toContain("Tuesday 22:00 UTC");
    expect(row.textContent).toContain("fixed Tuesday 18:00 (America/New_York)");
    expect(row.textContent).toContain("Daylight saving: From 28 Oct this is Tuesday 22:00 your time");
    expect(row.textContent).toContain("smaller than the minimum of 4");
    expect(within(row).getByText("none")).toBeTruthy();
    expect(screen.getByText(/Optimality gap:/).textContent).toContain("1.3%");
    expect(screen.getByText("2 learners have no availability")).toBeTruthy();
  });

  it("explains why someone is unplaced and what would place them", () => {
    render(
      <QueryClientProvider client={new QueryClient()}>
        <PreviewView preview={preview} zone="Europe/London" onChanged={() => {}} />
      </QueryClientProvider>,
    );
    const item = screen.getByText("Cy").closest("li")!;
    expect(item.textContent).toContain("A daylight-saving change breaks every fitting time. available for at most 5 of 8 meetings");
    expect(item.textContent).toContain("Suggestion: a group at Tue 17:00 (Tue 18:00 their time) (they could attend 5 meetings)");
    expect(item.textContent).toContain("Suggestion: Group 1, which meets Tue 23:00 their time, 30 min from a time they gave");
    // Unplaced people can be placed by hand from the move form.
    expect(screen.getByRole("option", { name: "Cy (unplaced)" })).toBeTruthy();
  });

  it("refuses a move in the page's own words, then moves anyway once the box is ticked", async () => {
    const refusal = "Cy cannot make 4 of 8 meetings (first: Tue 14 Oct 2025, 23:00 BST)";
    const calls = fakeApi({
      "GET /api/admin/cohorts/3/groups": () => json({ groups: [choice(11, "Group 1")], next_cursor: null }),
      "POST /api/admin/groups/11/members": [
        () => json({ error: { code: "availability_conflict", message: refusal, field: "user_id" } }, 422),
        () => json({ group_id: 11, previous_group_id: null, changed: true, sync_job_ids: [], forced_despite: [refusal] }),
      ],
    });
    renderWithQueries(<PreviewView preview={preview} zone="Europe/London" onChanged={() => {}} />);
    await userEvent.selectOptions(screen.getByLabelText("Person"), "5");
    await screen.findByRole("option", { name: /^Group 1 / });
    await userEvent.selectOptions(screen.getByLabelText("To group"), "11");
    await userEvent.click(screen.getByRole("button", { name: "Move" }));

    expect((await screen.findByRole("alert")).textContent).toBe(`Not moved: ${refusal}`);
    expect(screen.getByText("Tick “Move anyway” to move them all the same.")).toBeTruthy();
    expect(document.body.textContent).not.toMatch(/force/);

    await userEvent.click(screen.getByRole("checkbox", { name: "Move anyway" }));
    expect(screen.queryByText(/Tick “Move anyway”/)).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: "Move" }));
    expect(await screen.findByText("Moved.")).toBeTruthy();
    expect(calls.filter((c) => c.call.startsWith("POST")).map((c) => c.body)).toEqual([
      { user_id: 5, role: "learner", force: false },
      { user_id: 5, role: "learner", force: true },
    ]);
  });

  it("moves someone to a group of a page not loaded, found by part of its name", async () => {
    const asked: string[] = [];
    const calls = fakeApi({
      "GET /api/admin/cohorts/3/groups": (_body, url) => {
        asked.push(`${url.searchParams.get("status")}:${url.searchParams.get("name")}`);
        return url.searchParams.get("name") === "97"
          ? json({ groups: [choice(970, "Group 970")], next_cursor: null })
          : json({ groups: [choice(11, "Group 1")], next_cursor: "more" });
      },
      "POST /api/admin/groups/970/members": () =>
        json({ group_id: 970, previous_group_id: 11, changed: true, sync_job_ids: [], forced_despite: [] }),
    });
    renderWithQueries(<PreviewView preview={preview} zone="Europe/London" onChanged={() => {}} />);
    expect(await screen.findByRole("button", { name: "More groups" })).toBeTruthy();
    await userEvent.type(screen.getByRole("searchbox", { name: "Find a group by name (To group)" }), "97");
    const found = await screen.findByRole("option", { name: "Group 970 (Tuesday 18:00 (Europe/London), 4 learners)" });
    await userEvent.selectOptions(screen.getByLabelText("Person"), "1");
    await userEvent.selectOptions(screen.getByLabelText("To group"), found);
    await userEvent.click(screen.getByRole("button", { name: "Move" }));

    expect(await screen.findByText("Moved.")).toBeTruthy();
    expect(asked).toEqual(["preview:", "preview:97"]);
    expect(calls.at(-1)).toEqual({ call: "POST /api/admin/groups/970/members", body: { user_id: 1, role: "learner", force: false } });
  });
});

describe("PreviewView paged", () => {
  it("counts the whole preview from the summary and offers the next page of groups and of the unplaced", async () => {
    const asked: string[] = [];
    const more = (list: string) => ({ hasMore: true, loading: false, onMore: () => asked.push(list) });
    const large = { ...preview, summary: { ...preview.summary, groups: 1200, learners: 5400, facilitators: 1200, unplaced: 640 } };
    render(
      <QueryClientProvider client={new QueryClient()}>
        <PreviewView
          preview={large}
          zone="Europe/London"
          onChanged={() => {}}
          more={{ groups: more("groups"), unplaced: more("unplaced") }}
        />
      </QueryClientProvider>,
    );
    expect(document.body.textContent).toContain("1,200 groups, 6,600 people placed, 640 unplaced.");
    expect(screen.getByRole("heading", { name: "Unplaced (640)" })).toBeTruthy();
    expect(screen.getByText("Showing 1 of 1,200 groups.")).toBeTruthy();
    expect(screen.getByText("Showing 1 of 640 unplaced.")).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Load more groups" }));
    await userEvent.click(screen.getByRole("button", { name: "Load more unplaced" }));
    expect(asked).toEqual(["groups", "unplaced"]);
  });
});
