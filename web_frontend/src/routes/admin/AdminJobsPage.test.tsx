import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import { AdminJobsPage } from "./AdminJobsPage";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

const job = (id: number, kind: string) => ({
  id,
  kind,
  status: "succeeded",
  attempts: 1,
  created_at: "2026-03-02T10:00:00Z",
  error: null,
  payload: {},
  result: null,
  progress: null,
});

describe("AdminJobsPage", () => {
  it("shows the newest jobs and loads older ones through each page's cursor", async () => {
    const asked: string[] = [];
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(new Request(input, init).url);
      if (url.pathname !== "/api/admin/jobs") return json({ error: { code: "not_found", message: "no" } }, 404);
      asked.push(url.search);
      return url.searchParams.get("cursor") === "older"
        ? json({ jobs: [job(3, "publish_cohort")], next_cursor: null })
        : json({ jobs: [job(5, "sync_group"), job(4, "schedule_cohort")], next_cursor: "older" });
    }) as typeof fetch;
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <MemoryRouter>
          <AdminJobsPage />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    expect(await screen.findByText("sync_group")).toBeTruthy();
    expect(screen.queryByText("publish_cohort")).toBeNull();
    expect(screen.getByRole("status").textContent).toBe("Showing 2 jobs.");
    await userEvent.click(screen.getByRole("button", { name: "Load more jobs" }));
    expect(await screen.findByText("publish_cohort")).toBeTruthy();
    expect(screen.getByText("schedule_cohort")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Load more jobs" })).toBeNull();
    expect(asked).toContain("?limit=100&cursor=older");
  });
});
