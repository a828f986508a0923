// Test helpers for the live components: a fake API answering by "METHOD /path", and a query client.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import type { LiveGroupPublic, LiveMemberPublic } from "../../../client/schema";

export const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

export type Route = (body: unknown, url: URL) => Response;

/** Routes "METHOD /path" to answers (a list: one per call, the last repeats); records calls. */
export function fakeApi(routes: Record<string, Route | Route[]>) {
  const calls: { call: string; body: unknown }[] = [];
  const counts: Record<string, number> = {};
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    const call = `${req.method} ${url.pathname}`;
    const text = await req.text();
    const body = text ? JSON.parse(text) : undefined;
    calls.push({ call, body });
    const answer = routes[call];
    if (!answer) return json({ error: { code: "not_found", message: `no fake for ${call}` } }, 404);
    const list = Array.isArray(answer) ? answer : [answer];
    const n = counts[call] ?? 0;
    counts[call] = n + 1;
    const route = list[Math.min(n, list.length - 1)] as Route;
    return route(body, url);
  }) as typeof fetch;
  return calls;
}

/** A signup as GET /api/admin/cohorts/{id}/signups lists it. */
export const signup = (id: number, name: string, group: string | null = null) => ({
  user_id: id,
  display_name: name,
  role: "learner",
  timezone: "UTC",
  signed_up_at: "2026-01-01T00:00:00Z",
  availability: { text: "", hours: 0 },
  intervals: [],
  facilitator_certified: null,
  unplaced_reason: null,
  unplaced_detail: null,
  group_id: null,
  group_name: group,
});

export function renderWithQueries(ui: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>);
}

const weekly = (label: string, zone: string, time: string, weekday = 1) => ({
  timezone: zone,
  anchor_label: "Tuesday 18:00 (Europe/London)",
  local: { weekday, weekday_name: label.split(" ")[0] ?? "", time, zone_abbreviation: "", label },
  shifts: false,
  changes: [],
  note: null,
});

export function member(overrides: Partial<LiveMemberPublic>): LiveMemberPublic {
  return {
    user_id: 1,
    display_name: "Ana",
    role: "learner",
    timezone: "Europe/Lisbon",
    joined_at: "2026-02-20T00:00:00Z",
    missed_in_a_row: 0,
    inactive: false,
    next_rsvp: "pending",
    ...overrides,
  };
}

export function liveGroup(overrides: Partial<LiveGroupPublic>): LiveGroupPublic {
  return {
    id: 3,
    name: "Group 3",
    status: "active",
    anchor_label: "Tuesday 18:00 (Europe/London)",
    weekly_time: weekly("Tuesday 19:00 CET", "Europe/Berlin", "19:00"),
    anchor_time: weekly("Tuesday 18:00 GMT", "Europe/London", "18:00"),
    members: [],
    facilitator_names: [],
    learner_count: 0,
    inactive_count: 0,
    below_min: false,
    meetings_total: 8,
    meetings_held: 3,
    next_meeting: { id: 40, number: 4, starts_at: "2026-03-24T18:00:00Z", ends_at: "2026-03-24T19:00:00Z" },
    rsvps: { attending: 1, tentative: 0, not_attending: 0, pending: 1 },
    attendance: [{ id: 39, number: 3, starts_at: "2026-03-17T18:00:00Z", attended: 1, expected: 2 }],
    discord_channel_id: null,
    sync: { synced_at: "2026-03-17T20:00:00Z", out_of_date: false, last_job: null, problem: null },
    ...overrides,
  };
}
