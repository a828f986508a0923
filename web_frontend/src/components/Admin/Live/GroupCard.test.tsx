import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { GroupCard } from "./GroupCard";
import { fakeApi, json, liveGroup, member, renderWithQueries } from "./testing";

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
  vi.restoreAllMocks();
});

const ana = member({ user_id: 11, display_name: "Ana", next_rsvp: "attending" });
const ben = member({ user_id: 12, display_name: "Ben", missed_in_a_row: 3, inactive: true });
const fay = member({ user_id: 13, display_name: "Fay", role: "facilitator", next_rsvp: "tentative" });
const group3 = liveGroup({
  members: [fay, ana, ben],
  facilitator_names: ["Fay"],
  learner_count: 2,
  inactive_count: 1,
  sync: {
    synced_at: "2026-03-17T20:00:00Z",
    out_of_date: true,
    last_job: { job_id: 9, status: "failed", error: "Discord answered 403", attempts: 5, created_at: "", finished_at: null },
    problem: "Discord answered 403",
  },
});
/** Group 5 as the cohort's group search lists it (the move's choice). */
const group5 = { id: 5, name: "Group 5", status: "active", anchor_label: "Tuesday 18:00 (Europe/London)", learner_count: 3 };

function renderCard(onChanged = vi.fn()) {
  renderWithQueries(<GroupCard group={group3} cohortId={1} zone="UTC" onChanged={onChanged} />);
  return onChanged;
}

describe("GroupCard", () => {
  it("shows who stopped coming, RSVPs, attendance and a failed sync", () => {
    renderCard();
    const card = screen.getByRole("article", { name: /Group 3/ });
    const row = (name: string) => within(card).getByRole("row", { name: new RegExp(`^${name}`) }).textContent;
    expect(row("Ana")).toContain("keeping up");
    expect(row("Ana")).toContain("coming");
    expect(row("Ben")).toContain("missed 3 in a row (inactive)");
    expect(row("Fay")).toContain("maybe");
    expect(card.textContent).toContain("Tuesday 19:00 CET your time · Tuesday 18:00 GMT in Europe/London");
    expect(card.textContent).toContain("Next: meeting 4, Tue 24 Mar, 18:00 — 1 coming, 1 no answer");
    expect(card.textContent).toContain("Attendance so far: #3: 1/2");
    expect(card.textContent).toContain("the last sync failed: Discord answered 403");
  });

  it("says where a finished group's Discord messages went once its channels were deleted", () => {
    const done = liveGroup({ status: "completed", discord_export_key: "discord-exports/cohort-1/group-3.json" });
    renderWithQueries(<GroupCard group={done} cohortId={1} zone="UTC" onChanged={vi.fn()} />);
    expect(screen.getByRole("article").textContent).toContain(
      "messages exported to discord-exports/cohort-1/group-3.json in the content bucket",
    );
  });

  it("refuses a move that does not fit, then moves anyway and says why", async () => {
    const refusal = "Ben cannot make 5 of 5 meetings (first: Thu 26 Mar 2026, 18:00 GMT)";
    const calls = fakeApi({
      // The card's own group comes back too: the move form leaves it out.
      "GET /api/admin/cohorts/1/groups": () => json({ groups: [{ ...group5, id: 3, name: "Group 3" }, group5], next_cursor: null }),
      "POST /api/admin/groups/5/members": [
        () => json({ error: { code: "availability_conflict", message: refusal, field: "user_id" } }, 422),
        () =>
          json({
            group_id: 5,
            previous_group_id: 3,
            changed: true,
            sync_job_ids: [1, 2],
            forced_despite: ["Ben cannot make 5 of 5 meetings (first: Thu 26 Mar 2026, 18:00 GMT)"],
          }),
      ],
    });
    const onChanged = renderCard();
    const move = screen.getByRole("form", { name: "Move Ben" });
    await within(move).findByRole("option", { name: /^Group 5 / });
    expect(within(move).queryByRole("option", { name: /^Group 3 / })).toBeNull();
    await userEvent.selectOptions(within(move).getByLabelText("Move Ben to"), "5");
    await userEvent.click(within(move).getByRole("button", { name: "Move" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Ben cannot make 5 of 5 meetings");
    await userEvent.click(screen.getByRole("button", { name: "Move anyway" }));
    const done = await screen.findByRole("status");
    // Said by the card, not the row: Ben's row goes when the page is read again.
    expect(done.textContent).toContain("Moved Ben to Group 5.");
    expect(done.textContent).toContain("Done despite: Ben cannot make 5 of 5 meetings");
    expect(calls.filter((c) => c.call.startsWith("POST")).map((c) => c.body)).toEqual([
      { user_id: 12, role: "learner", force: false },
      { user_id: 12, role: "learner", force: true },
    ]);
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it("removes a member after confirming", async () => {
    vi.spyOn(window, "confirm").mockReturnValue(true);
    const calls = fakeApi({
      "DELETE /api/admin/groups/3/members/11": () =>
        json({ group_id: null, previous_group_id: 3, changed: true, sync_job_ids: [4], forced_despite: [] }),
    });
    const onChanged = renderCard();
    await userEvent.click(screen.getByRole("button", { name: "Remove Ana" }));
    await vi.waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(calls.filter((c) => !c.call.startsWith("GET")).map((c) => c.call)).toEqual(["DELETE /api/admin/groups/3/members/11"]);
    expect((await screen.findByRole("status")).textContent).toBe("Removed Ana from Group 3; they are told.");
  });

  it("finds a person and adds them", async () => {
    const calls = fakeApi({
      "GET /api/admin/users": () =>
        json({ users: [{ id: 21, display_name: "Cy", discord_username: "cy", email: null, is_admin: false }] }),
      "POST /api/admin/groups/3/members": () =>
        json({ group_id: 3, previous_group_id: null, changed: true, sync_job_ids: [7], forced_despite: [] }),
    });
    renderCard();
    await userEvent.type(screen.getByLabelText("Add a learner to Group 3"), "cy");
    await userEvent.click(screen.getByRole("button", { name: "Search" }));
    await userEvent.click(await screen.findByRole("button", { name: "Add Cy" }));
    expect((await screen.findByRole("status")).textContent).toContain("Added Cy");
    const moveChoices = "GET /api/admin/cohorts/1/groups"; // the move forms' group search
    expect(calls.map((c) => c.call).filter((c) => c !== moveChoices)).toEqual([
      "GET /api/admin/users",
      "POST /api/admin/groups/3/members",
    ]);
  });
});
