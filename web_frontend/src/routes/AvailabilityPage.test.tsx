import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import { AvailabilityPage } from "./AvailabilityPage";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

/** An API holding one learner's availability (Tokyo, Monday 09:00–10:00); records writes. */
function fakeApi() {
  const writes: string[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const key = `${req.method} ${new URL(req.url).pathname}`;
    if (key === "GET /api/users/me") return json({ id: 7, display_name: "Ada", timezone: "Asia/Tokyo", enrollments: [] });
    if (key === "GET /api/users/me/availability")
      return json({
        timezone: "Asia/Tokyo",
        intervals: [{ weekday: 0, start: "09:00", end: "10:00", kind: "available" }],
        updated_at: null,
      });
    if (key === "PUT /api/users/me/availability") {
      const body = await req.text();
      writes.push(`${key} ${body}`);
      return json({ ...JSON.parse(body), updated_at: "2026-01-01T00:00:00Z" });
    }
    return json({ error: { code: "not_found", message: "no route" } }, 404);
  }) as typeof fetch;
  return writes;
}

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

describe("AvailabilityPage", () => {
  it("shows the saved week in the learner's zone and saves an added half hour", async () => {
    const writes = fakeApi();
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter>
          <AvailabilityPage />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    const user = userEvent.setup();
    await screen.findByRole("gridcell", { name: "Monday 09:00–09:30, available" });

    await user.click(screen.getByRole("gridcell", { name: /^Monday 10:00–10:30/ }));
    await user.click(screen.getByRole("button", { name: "Save availability" }));

    await screen.findByText("Your availability is saved.");
    expect(writes).toEqual([
      'PUT /api/users/me/availability {"timezone":"Asia/Tokyo","intervals":[{"weekday":0,"start":"09:00","end":"10:30","kind":"available"}]}',
    ]);
  });
});
