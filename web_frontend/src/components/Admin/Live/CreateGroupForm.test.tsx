import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CreateGroupForm } from "./CreateGroupForm";
import { fakeApi, json, liveGroup, renderWithQueries, signup } from "./testing";

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
  vi.restoreAllMocks();
});

const facilitator = (id: number, name: string, certified: boolean, active = 0) => ({
  user_id: id,
  display_name: name,
  discord_username: null,
  email: null,
  timezone: "UTC",
  applied_at: "2026-01-01T00:00:00Z",
  application_note: null,
  certified_at: certified ? "2026-01-02T00:00:00Z" : null,
  is_certified: certified,
  max_active_groups: 2,
  active_groups: active,
});

describe("CreateGroupForm", () => {
  it("is refused with who cannot come, then created anyway, saying why", async () => {
    const refusal = "Bea cannot make 7 of 7 meetings (first: Thu 5 Mar 2026, 18:00 GMT)";
    const calls = fakeApi({
      "GET /api/admin/facilitators": () =>
        json({ facilitators: [facilitator(7, "Gil", true), facilitator(8, "Hal", false)] }),
      "GET /api/admin/cohorts/2/signups": () => json({ signups: [signup(11, "Ana", "Group 3"), signup(12, "Bea", null)] }),
      "POST /api/admin/cohorts/2/groups": [
        () => json({ error: { code: "availability_conflict", message: refusal, field: "member_ids" } }, 422),
        (body) =>
          json(
            {
              group_id: 9,
              cohort_id: 2,
              name: (body as { name: string }).name,
              anchor_label: "Thursday 18:00 (Europe/London)",
              weekly_time: liveGroup({}).weekly_time,
              facilitator_name: "Gil",
              members: [],
              first_meeting_number: 2,
              first_meeting_at: "2026-03-05T18:00:00Z",
              meetings_ahead: 7,
              forced_despite: ["Bea cannot make 7 of 7 meetings (first: Thu 5 Mar 2026, 18:00 GMT)"],
              sync_job_ids: [3],
            },
            201,
          ),
      ],
    });
    const onCreated = vi.fn();
    renderWithQueries(<CreateGroupForm cohortId={2} anchorZone="Europe/London" onCreated={onCreated} />);
    await userEvent.type(screen.getByLabelText("Group name"), "Thursday Herons");
    const facilitatorSelect = screen.getByLabelText("Facilitator");
    await screen.findByRole("option", { name: "Gil (0 of 2 groups)" });
    expect(screen.queryByRole("option", { name: /Hal/ })).toBeNull(); // not certified
    await userEvent.selectOptions(facilitatorSelect, "7");
    await userEvent.selectOptions(screen.getByLabelText("Day"), "Thursday");
    await userEvent.click(await screen.findByRole("checkbox", { name: /Ana/ }));
    await userEvent.click(screen.getByRole("checkbox", { name: /Bea/ }));
    await userEvent.click(screen.getByRole("button", { name: "Create the group" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Bea cannot make 7 of 7 meetings");
    await userEvent.click(screen.getByRole("button", { name: "Create anyway" }));
    const done = await screen.findByRole("status");
    expect(done.textContent).toContain("Created Thursday Herons: Tuesday 19:00 CET your time, meeting 2 next (7 ahead).");
    expect(done.textContent).toContain("Done despite: Bea cannot make 7 of 7 meetings");
    const posted = calls.filter((c) => c.call === "POST /api/admin/cohorts/2/groups").map((c) => c.body);
    expect(posted).toEqual([
      {
        name: "Thursday Herons",
        facilitator_id: 7,
        anchor_timezone: "Europe/London",
        weekday: 3,
        local_time: "18:00",
        member_ids: [11, 12],
        force: false,
      },
      {
        name: "Thursday Herons",
        facilitator_id: 7,
        anchor_timezone: "Europe/London",
        weekday: 3,
        local_time: "18:00",
        member_ids: [11, 12],
        force: true,
      },
    ]);
    expect(onCreated).toHaveBeenCalledTimes(1);
  });
});
