import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { DiscordServers } from "./DiscordServers";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

const server = (name: string, usage: Partial<Record<string, unknown>>) => ({
  guild_id: name === "Main" ? "1" : "2",
  name,
  role_limit: 250,
  channel_limit: 500,
  roles_used: 0,
  channels_used: 0,
  accepts_groups: true,
  adds_roles: 0,
  adds_channels: 0,
  new_groups: 0,
  thread_limit: 1000,
  threads_used: 0,
  adds_threads: 0,
  ...usage,
});

const capacity = (space: string, fits: boolean) => ({
  cohort_id: 3,
  space,
  fits,
  new_groups: 4,
  unplaced_groups: fits ? 0 : 2,
  needs_roles: 2,
  needs_channels: 5,
  needs_threads: 0,
  servers: [
    server("Main", { roles_used: 248, channels_used: 120, adds_roles: 2, adds_channels: 5, new_groups: 2 }),
    server("Overflow", { roles_used: 250, accepts_groups: false }),
  ],
});

/** Answers the two routes as the API does; records what was asked. */
function fakeApi(answers: Response[]) {
  const calls: string[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const body = req.method === "PUT" ? ` ${await req.text()}` : "";
    calls.push(`${req.method} ${new URL(req.url).pathname}${body}`);
    return answers.shift() ?? json({});
  }) as typeof fetch;
  return calls;
}

function renderPanel(hasPublished = false) {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <DiscordServers cohortId={3} hasPublished={hasPublished} />
    </QueryClientProvider>,
  );
}

describe("DiscordServers", () => {
  it("shows each server's usage against its limits and what publishing adds", async () => {
    fakeApi([json(capacity("channel_and_role", false))]);
    renderPanel();
    const table = await screen.findByRole("table");
    const [, main, overflow] = within(table).getAllByRole("row");
    expect(main?.textContent).toBe("Main 248 of 250 (+2)120 of 500 (+5)0 of 10002");
    expect(overflow?.textContent).toContain("closed to new groups");
    expect(screen.getByText(/Does not fit/)).toBeTruthy();
    expect(screen.getByText(/2 would have no server with room, so publishing is refused/)).toBeTruthy();
  });

  it("shows a thread space's active threads against Discord's 1,000", async () => {
    const threads = {
      ...capacity("thread", true),
      servers: [server("Main", { threads_used: 998, adds_threads: 2, new_groups: 2 })],
    };
    fakeApi([json(threads)]);
    renderPanel();
    const table = await screen.findByRole("table");
    const [header, main] = within(table).getAllByRole("row");
    expect(header?.textContent).toContain("Active threads");
    expect(main?.textContent).toContain("998 of 1000 (+2)");
  });

  it("changes the cohort's group space and reads the servers again", async () => {
    const calls = fakeApi([
      json(capacity("channel_and_role", true)),
      json({ cohort_id: 3, space: "thread" }),
      json(capacity("thread", true)),
    ]);
    renderPanel();
    await userEvent.selectOptions(await screen.findByLabelText(/Group space/), "thread");
    await screen.findByDisplayValue("A private thread per group, one voice room for the cohort");
    expect(calls).toEqual([
      "GET /api/admin/cohorts/3/discord",
      'PUT /api/admin/cohorts/3/discord/space {"space":"thread"}',
      "GET /api/admin/cohorts/3/discord",
    ]);
  });

  it("keeps the space fixed once groups are published", async () => {
    fakeApi([json(capacity("channel", true))]);
    renderPanel(true);
    const select = (await screen.findByLabelText(/Group space/)) as HTMLSelectElement;
    expect(select.disabled).toBe(true);
    expect(screen.getByText("Published groups keep their space.")).toBeTruthy();
  });
});
