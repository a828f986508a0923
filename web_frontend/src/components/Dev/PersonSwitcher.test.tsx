import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import { PersonSwitcher } from "./PersonSwitcher";
import type { DemoPerson } from "./devPeople";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

const PEOPLE: DemoPerson[] = [
  { user_id: 1, display_name: "Morgan Ellis", role: "admin", timezone: "Europe/London", group: null },
  { user_id: 2, display_name: "Chiara García", role: "facilitator", timezone: "Europe/Berlin", group: "Group 6, Group 7" },
  { user_id: 9, display_name: "Isabela Nguyen", role: "learner", timezone: "America/Los_Angeles", group: "Group 7" },
];

/** A server that says whether the dev login is on and lists `people`; records every request. */
function fakeServer({ devLogin, people }: { devLogin: boolean; people: DemoPerson[] }) {
  const calls: string[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    calls.push(`${req.method} ${path} ${req.headers.get("content-type") ?? ""}`.trim());
    if (path === "/auth/dev-login") return json({ enabled: devLogin });
    if (path === "/api/dev/people") return devLogin ? json({ people }) : json({ error: { code: "dev_api", message: "off" } }, 404);
    const signIn = /^\/api\/dev\/people\/(\d+)\/sign-in$/.exec(path);
    if (signIn && req.method === "POST") return json(people.find((p) => p.user_id === Number(signIn[1])));
    return json(null, 401);
  }) as typeof fetch;
  return calls;
}

function renderSwitcher() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={["/course"]}>
        <Routes>
          <Route path="/course" element={<PersonSwitcher />} />
          <Route path="/group" element={<p>the group page</p>} />
          <Route path="/facilitator" element={<p>the facilitator page</p>} />
          <Route path="/admin" element={<p>the admin page</p>} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("PersonSwitcher", () => {
  it("lists the demo people by role and signs in as the chosen one, opening their page", async () => {
    const calls = fakeServer({ devLogin: true, people: PEOPLE });
    renderSwitcher();
    const user = userEvent.setup();
    await user.click(await screen.findByText("Demo people (local only): sign in as someone else"));
    const select = screen.getByLabelText("Person");
    const groups = [...select.querySelectorAll("optgroup")].map((g) => [
      g.label,
      [...g.querySelectorAll("option")].map((o) => o.textContent),
    ]);
    expect(groups).toEqual([
      ["Admin", ["Morgan Ellis (Europe/London)"]],
      ["Facilitators", ["Chiara García (Group 6, Group 7, Europe/Berlin)"]],
      ["Learners", ["Isabela Nguyen (Group 7, America/Los_Angeles)"]],
    ]);

    await user.selectOptions(select, "9");
    await user.click(screen.getByRole("button", { name: "Sign in as them" }));

    expect(await screen.findByText("the group page")).toBeTruthy();
    expect(calls).toContain("POST /api/dev/people/9/sign-in application/json");
  });

  it("opens the admin's page after signing in as the admin", async () => {
    fakeServer({ devLogin: true, people: PEOPLE });
    renderSwitcher();
    const user = userEvent.setup();
    await user.click(await screen.findByText("Demo people (local only): sign in as someone else"));
    await user.click(screen.getByRole("button", { name: "Sign in as them" }));
    expect(await screen.findByText("the admin page")).toBeTruthy();
  });

  it("shows nothing, and never asks for the people, where the dev login is off", async () => {
    const calls = fakeServer({ devLogin: false, people: PEOPLE });
    renderSwitcher();
    await waitFor(() => expect(calls).toContain("GET /auth/dev-login"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.some((c) => c.includes("/api/dev/people"))).toBe(false);
    expect(screen.queryByRole("complementary")).toBeNull();
  });

  it("shows nothing when no demo world is loaded", async () => {
    const calls = fakeServer({ devLogin: true, people: [] });
    renderSwitcher();
    await waitFor(() => expect(calls).toContain("GET /api/dev/people"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(screen.queryByRole("complementary")).toBeNull();
  });
});
