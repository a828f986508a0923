import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import type { MyGroupPublic } from "../client/schema";
import { MyGroupPage } from "./MyGroupPage";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

function group(overrides: Partial<MyGroupPublic>): MyGroupPublic {
  return {
    id: 3,
    name: "Group 3",
    status: "active",
    cohort_id: 1,
    cohort_name: "Spring",
    course_slug: "",
    my_role: "learner",
    meeting_minutes: 60,
    weekly_time: {
      anchor_label: "Wednesdays 18:00 (UTC)",
      changes: [],
      local: { label: "Wednesdays 18:00", time: "18:00", weekday: 2, weekday_name: "Wednesday", zone_abbreviation: "UTC" },
      note: null,
      shifts: false,
      timezone: "UTC",
    },
    members: [],
    next_meetings: [],
    discord_channel_id: "55",
    discord_channel_url: "https://discord.com/channels/1/55",
    calendar_url: null,
    meeting_venue: "discord",
    join_url: null,
    ...overrides,
  };
}

function serve(mine: MyGroupPublic) {
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    if (path === "/api/users/me") return json({ id: 7, display_name: "Ada", timezone: "UTC", enrollments: [] });
    if (path === "/api/groups/mine") return json({ groups: [mine] });
    if (path === "/api/cohorts") return json({ cohorts: [] });
    return json({ error: { code: "not_found", message: "no route" } }, 404);
  }) as typeof fetch;
}

function page() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>
        <MyGroupPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

describe("MyGroupPage venue", () => {
  it("offers the Zoom meeting's join link first when the group meets on Zoom", async () => {
    serve(group({ meeting_venue: "zoom", join_url: "https://zoom.us/j/81000000001?pwd=x" }));
    page();
    const join = await screen.findByRole("link", { name: "Join the meeting (Zoom)" });
    expect(join.getAttribute("href")).toBe("https://zoom.us/j/81000000001?pwd=x");
    expect(screen.getByRole("link", { name: "Open the Discord channel" }).className).toContain("secondary");
  });

  it("shows no join link for a group meeting on Discord", async () => {
    serve(group({ meeting_venue: "discord", join_url: null }));
    page();
    await screen.findByRole("link", { name: "Open the Discord channel" });
    expect(screen.queryByRole("link", { name: /Join the meeting/ })).toBeNull();
  });
});
