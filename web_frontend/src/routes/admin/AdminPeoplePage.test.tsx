import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import { AdminPeoplePage } from "./AdminPeoplePage";
import { AdminPersonPage } from "./AdminPersonPage";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

const ana = { id: 7, display_name: "Ana Lovelace", discord_username: "ana_l", email: "ana@example.org", is_admin: false };

const dossier = {
  profile: {
    id: 7, display_name: "Ana Lovelace", email: "ana@example.org", email_verified: true, discord_id: "4242",
    discord_username: "ana_l", avatar_url: null, timezone: "Europe/Berlin", email_notifications: true,
    dm_notifications: false, tos_accepted_at: null, availability_updated_at: null, is_admin: false,
    facilitator: null, enrollments: [],
  },
  availability: { available_minutes: 180, if_needed_minutes: 0, days: ["Tuesday"], text: "Tuesday 18:00–21:00" },
  intervals: [{ weekday: 1, start: "18:00", end: "21:00", kind: "available" }],
  preferences: { email: "ana@example.org", email_verified: true, email_notifications: true, discord_linked: true, dm_notifications: false },
  enrollments: [
    { cohort_id: 2, cohort_name: "Autumn", cohort_status: "open", course_slug: "c", role: "learner",
      signed_up_at: "2026-03-01T10:00:00Z", withdrawn_at: "2026-03-03T10:00:00Z",
      withdrawal_reason: "New job on Tuesdays", unplaced_reason: null },
  ],
  groups: [
    { group_id: 5, group_name: "Owls", group_status: "active", cohort_id: 1, cohort_name: "Spring", role: "learner",
      membership_status: "active", joined_at: "2026-03-01T10:00:00Z", left_at: null, reason_for_leaving: null },
  ],
  attendance: [{ group_id: 5, group_name: "Owls", held: 4, attended: 1, missed_in_a_row: 3, inactive: true }],
  modules: [
    { module_id: "module-why", title: "Why talk it through?", status: "completed", started_at: "2026-03-01T10:00:00Z",
      completed_at: "2026-03-02T10:00:00Z", total_time_s: 600 },
  ],
  notifications: [
    { id: 1, kind: "meeting_reminder_24h", channel: "email", status: "failed", reference_type: "meeting",
      reference_id: 3, due_at: "2026-03-02T18:00:00Z", sent_at: null, created_at: "2026-03-02T18:00:00Z",
      last_error: "mailbox full" },
  ],
};

/** The admin API for search and the dossier; records the paths asked for. */
function fakeApi() {
  const asked: string[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    asked.push(`${url.pathname}${url.search}`);
    if (url.pathname === "/api/users/me") return json(null, 401);
    if (url.pathname === "/api/admin/users") return json({ users: url.searchParams.get("query") === "ana" ? [ana] : [] });
    if (url.pathname === "/api/admin/users/7/dossier") return json(dossier);
    return json({ error: { code: "not_found", message: "no route" } }, 404);
  }) as typeof fetch;
  return asked;
}

function renderAt(path: string) {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/admin/people" element={<AdminPeoplePage />} />
          <Route path="/admin/people/:userId" element={<AdminPersonPage />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("AdminPeoplePage", () => {
  it("searches and links each person found to their page", async () => {
    const asked = fakeApi();
    renderAt("/admin/people");
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Name, email or Discord username"), "ana");
    await user.click(screen.getByRole("button", { name: "Search" }));

    const row = await screen.findByRole("row", { name: /Ana Lovelace/ });
    expect(within(row).getByText("ana_l")).toBeTruthy();
    expect(within(row).getByRole("link", { name: "Ana Lovelace" }).getAttribute("href")).toBe("/admin/people/7");
    expect(asked).toContain("/api/admin/users?query=ana&limit=50");
  });

  it("says so when nobody matches", async () => {
    fakeApi();
    renderAt("/admin/people?q=zed");
    const said = await screen.findByText("Nobody matches “zed”.");
    expect(said.getAttribute("role")).toBe("status");
  });
});

describe("AdminPersonPage", () => {
  it("shows the dossier: a withdrawal with its reason, attendance, progress by title, what was sent", async () => {
    fakeApi();
    renderAt("/admin/people/7");

    await screen.findByRole("heading", { level: 1, name: "Ana Lovelace" });
    expect(screen.getByText("Europe/Berlin")).toBeTruthy();
    expect(screen.getByText("Tuesday 18:00–21:00")).toBeTruthy();
    const autumn = screen.getByRole("row", { name: /Autumn/ });
    expect(autumn.textContent).toContain("“New job on Tuesdays”");
    const owls = within(screen.getByRole("region", { name: "Groups and attendance" })).getByRole("row", { name: /Owls/ });
    expect(owls.textContent).toContain("1 / 4 · missed 3 in a row");
    expect(within(owls).getByText("inactive")).toBeTruthy();
    expect(screen.getByText(/Why talk it through\?/)).toBeTruthy();
    expect(screen.queryByText(/module-why/)).toBeNull();
    const sent = within(screen.getByRole("region", { name: "Notifications sent" })).getAllByRole("row");
    expect(sent[1]!.textContent).toContain("meeting reminder 24h");
    expect(sent[1]!.textContent).toContain("failed · mailbox full");
  });
});
