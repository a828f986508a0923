import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { CalendarBudget } from "./CalendarBudget";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

const user = (name: string, usage: Partial<Record<string, unknown>>) => ({
  user: name,
  organisers: [name],
  limit: 10000,
  sent_last_day: 0,
  adds: 0,
  new_groups: 0,
  blocked_until: null,
  left: 10000,
  fits: true,
  ...usage,
});

function answer(body: unknown) {
  const calls: string[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    calls.push(`${req.method} ${new URL(req.url).pathname}`);
    return json(body);
  }) as typeof fetch;
  return calls;
}

function renderPanel() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <CalendarBudget cohortId={3} />
    </QueryClientProvider>,
  );
}

describe("CalendarBudget", () => {
  it("shows each organiser user's invitations against Google's limit and the refusal", async () => {
    const calls = answer({
      cohort_id: 3,
      invitations: "google",
      fits: false,
      new_groups: 2000,
      new_invitations: 12000,
      users: [user("one@org.test", { sent_last_day: 500, adds: 12000, new_groups: 2000, left: 9500, fits: false })],
    });
    renderPanel();
    const table = await screen.findByRole("table");
    const [, row] = within(table).getAllByRole("row");
    expect(row?.textContent).toBe("one@org.test over500 of 1000012000 (2000 groups)9500");
    expect(screen.getByText(/Over Google's limit/)).toBeTruthy();
    expect(screen.getByText(/publishing is refused/)).toBeTruthy();
    expect(calls).toEqual(["GET /api/admin/cohorts/3/calendar-budget"]);
  });

  it("says there is nothing to count for .ics invitations", async () => {
    answer({ cohort_id: 3, invitations: "ics", fits: true, new_groups: 0, new_invitations: 0, users: [] });
    renderPanel();
    expect(await screen.findByText(/no organiser calendar, no Google limit/)).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
  });
});
