import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { GuestVisits } from "./GuestVisits";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

const visit = {
  id: 31,
  status: "booked",
  own_meeting_id: 7,
  own_group_name: "Tuesday Owls",
  own_starts_at: "2027-03-23T18:00:00Z",
  host_meeting_id: 12,
  host_group_id: 2,
  host_group_name: "Thursday Larks",
  host_meeting_number: 2,
  starts_at: "2027-03-25T18:00:00Z",
  ends_at: "2027-03-25T19:00:00Z",
  starts_label: "Thu 25 Mar 2027, 14:00 EDT",
  created_at: "2027-03-20T12:00:00Z",
  cancelled_at: null,
};

function options(booked: typeof visit | null) {
  return {
    own_meeting_id: 7,
    own_group_id: 1,
    own_group_name: "Tuesday Owls",
    own_meeting_number: 2,
    own_starts_at: "2027-03-23T18:00:00Z",
    own_starts_label: "Tue 23 Mar 2027, 14:00 EDT",
    booked,
    options: booked
      ? []
      : [
          {
            host_meeting_id: 12,
            group_id: 2,
            group_name: "Thursday Larks",
            meeting_number: 2,
            starts_at: "2027-03-25T18:00:00Z",
            ends_at: "2027-03-25T19:00:00Z",
            starts_label: "Thu 25 Mar 2027, 14:00 EDT",
            facilitator_names: ["Hal"],
            guests_booked: 0,
            places_left: 2,
          },
        ],
  };
}

/** A tiny API: options for meeting 7, booking and cancelling change what it answers next. */
function fakeApi(bookAnswer?: () => Response) {
  const calls: string[] = [];
  let booked: typeof visit | null = null;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    if (req.method === "GET" && path === "/api/meetings/7/guest-options") return json(options(booked));
    if (req.method === "GET") return json(null, 401);
    calls.push(`${req.method} ${path} ${await req.text()}`);
    if (req.method === "POST") {
      if (bookAnswer) return bookAnswer();
      booked = visit;
      return json(visit, 201);
    }
    booked = null;
    return json({ ...visit, status: "cancelled" });
  }) as typeof fetch;
  return calls;
}

function renderVisits() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <GuestVisits meetingId={7} />
    </QueryClientProvider>,
  );
}

describe("GuestVisits", () => {
  it("lists the options, books one, and cancels it", async () => {
    const calls = fakeApi();
    renderVisits();
    const user = userEvent.setup();
    expect(await screen.findByText("Can't make it? Join another group this week")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Book Thursday Larks, Thu 25 Mar 2027, 14:00 EDT" }));

    const booked = await screen.findByRole("status");
    expect(booked.textContent).toContain("You will join Thursday Larks as a guest, Thu 25 Mar 2027, 14:00 EDT.");
    await user.click(screen.getByRole("button", { name: "Cancel visit" }));

    expect(await screen.findByRole("button", { name: /^Book Thursday Larks/ })).toBeTruthy();
    expect(calls).toEqual([
      'POST /api/guest-visits {"own_meeting_id":7,"host_meeting_id":12}',
      "DELETE /api/guest-visits/31 ",
    ]);
  });

  it("shows the API's refusal when the meeting filled up meanwhile", async () => {
    const message = "Thursday Larks, meeting 2 is full: it already has 2 guests (at most 2 a meeting).";
    fakeApi(() => json({ error: { code: "conflict", message } }, 409));
    renderVisits();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: /^Book Thursday Larks/ }));

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain(message);
  });

  it("shows nothing when guest visits are not possible for this meeting", async () => {
    globalThis.fetch = (async () =>
      json({ error: { code: "conflict", message: "Spring is open: guest visits are for a running cohort." } }, 409)) as typeof fetch;
    renderVisits();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(screen.queryByText(/Can't make it/)).toBeNull();
  });
});
