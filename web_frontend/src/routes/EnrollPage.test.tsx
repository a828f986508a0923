import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import { EnrollPage } from "./EnrollPage";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const me = {
  id: 7, display_name: "Ada", email: "ada@example.org", email_verified: false, discord_id: null,
  discord_username: null, avatar_url: null, timezone: "Europe/Berlin", email_notifications: true,
  dm_notifications: true, tos_accepted_at: "2025-01-01T00:00:00Z", availability_updated_at: null,
  is_admin: false, facilitator: null, enrollments: [],
};
const cohort = {
  id: 3, name: "Winter", course_slug: "running-discussion-groups", start_date: "2026-01-12",
  number_of_meetings: 8, meeting_minutes: 60, min_group_size: 4, max_group_size: 8, target_group_size: 6,
  anchor_timezone: "Europe/London", enrollment_deadline: null, enrollment_open: true, has_groups: false,
  my_role: null, status: "open",
};

/** An in-memory API that records the writes it receives. */
function fakeApi(enrollAnswer: () => Response, gate?: { mode: string; on_waiting_list: boolean }) {
  const writes: string[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const key = `${req.method} ${new URL(req.url).pathname}`;
    if (key === "GET /api/users/me") return json(me);
    if (key === "GET /api/users/me/availability") return json({ timezone: "Europe/Berlin", intervals: [], updated_at: null });
    if (key === "GET /api/cohorts") return json({ cohorts: [cohort] });
    if (key === "GET /api/growth/cohorts/3/gate" && gate) return json({ cohort_id: 3, ...gate });
    if (key === "PUT /api/users/me/availability" || key === "POST /api/cohorts/3/enroll") {
      writes.push(`${key} ${await req.text()}`);
      return key.startsWith("PUT") ? json(JSON.parse(writes.at(-1)!.split(" ").slice(2).join(" "))) : enrollAnswer();
    }
    return json({ error: { code: "not_found", message: "no route" } }, 404);
  }) as typeof fetch;
  return writes;
}

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

function renderPage() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>
        <EnrollPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

async function chooseMondayEvening() {
  const user = userEvent.setup();
  // A first render on a busy machine can take seconds (the zone list is long): wait for it.
  await user.click(await screen.findByRole("radio", { name: /Winter/ }, { timeout: 5000 }));
  await user.click(screen.getByRole("gridcell", { name: /^Monday 18:00–18:30/ }));
  await user.keyboard("{Shift>}{ArrowDown}{/Shift}");
  return user;
}

describe("EnrollPage", () => {
  it("saves the availability in the learner's zone, then enrolls as a learner", async () => {
    const writes = fakeApi(() => json({ cohort_id: 3, created: true, role: "learner", welcome_job_id: 1 }));
    renderPage();
    expect((await screen.findByRole("radio", { name: /Facilitator/ }, { timeout: 5000 })).hasAttribute("disabled")).toBe(true);
    const user = await chooseMondayEvening();
    await user.click(screen.getByRole("button", { name: "Save availability and enroll" }));
    await screen.findByRole("heading", { name: "You're enrolled in Winter" });
    expect(writes).toEqual([
      'PUT /api/users/me/availability {"timezone":"Europe/Berlin","intervals":[{"weekday":0,"start":"18:00","end":"19:00","kind":"available"}]}',
      'POST /api/cohorts/3/enroll {"role":"learner"}',
    ]);
  });

  it("shows the API's reason when enrolling is refused, keeping the choices", async () => {
    fakeApi(() => json({ error: { code: "conflict", message: "Enrollment for Winter closed on 5 January." } }, 409));
    renderPage();
    const user = await chooseMondayEvening();
    await user.click(screen.getByRole("button", { name: "Save availability and enroll" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Not saved. Enrollment for Winter closed on 5 January.");
    expect(screen.getByRole("gridcell", { name: /^Monday 18:30–19:00/ }).getAttribute("aria-selected")).toBe("true");
  });

  it("asks for at least one available time before saving", async () => {
    fakeApi(() => json({}));
    renderPage();
    await screen.findByRole("radio", { name: /Winter/ }, { timeout: 5000 });
    expect(screen.getByText("Mark at least one time as available.")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Save availability" }).hasAttribute("disabled")).toBe(true);
  });

  it("asks an invite-only cohort's code and sends it with the enrollment", async () => {
    const writes = fakeApi(
      () => json({ cohort_id: 3, created: true, role: "learner", welcome_job_id: 1, waitlisted: false }),
      { mode: "invite_only", on_waiting_list: false },
    );
    renderPage();
    const user = await chooseMondayEvening();
    await user.type(await screen.findByLabelText(/Invite code/), " K7M2-P9QA ");
    await user.click(screen.getByRole("button", { name: "Save availability and enroll" }));
    await screen.findByRole("heading", { name: "You're enrolled in Winter" });
    expect(writes.at(-1)).toBe('POST /api/cohorts/3/enroll {"role":"learner","invite_code":"K7M2-P9QA"}');
  });

  it("offers a closed cohort's waiting list and says when you are on it", async () => {
    fakeApi(
      () => json({ cohort_id: 3, created: false, role: "learner", welcome_job_id: null, waitlisted: true }),
      { mode: "closed", on_waiting_list: false },
    );
    renderPage();
    const user = await chooseMondayEvening();
    expect(await screen.findByText(/Signups for this cohort are closed/)).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Save availability and join the waiting list" }));
    await screen.findByRole("heading", { name: "You're on the waiting list for Winter" });
  });
});
