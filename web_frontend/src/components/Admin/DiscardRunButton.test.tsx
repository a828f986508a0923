import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DiscardRunButton } from "./DiscardRunButton";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
  vi.restoreAllMocks();
});

/** Answers the discard route as the API does; records what was asked. */
function fakeApi(answer: Response) {
  const calls: string[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    calls.push(`${req.method} ${new URL(req.url).pathname}`);
    return answer;
  }) as typeof fetch;
  return calls;
}

function renderButton() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <DiscardRunButton cohortId={3} cohortName="Spring" runId={7} />
    </QueryClientProvider>,
  );
}

describe("DiscardRunButton", () => {
  it("discards the run after confirming and says what was removed", async () => {
    vi.spyOn(window, "confirm").mockReturnValue(true);
    const calls = fakeApi(
      json({ cohort_id: 3, cohort_name: "Spring", run_id: 7, groups_removed: 2, joins_voided: 1 }),
    );
    renderButton();
    await userEvent.click(screen.getByRole("button", { name: "Discard preview" }));
    const said = await screen.findByRole("status");
    expect(said.textContent).toBe("Discarded run 7: 2 preview groups removed, 1 proposed join voided.");
    expect(calls).toEqual(["POST /api/admin/cohorts/3/runs/7/discard"]);
  });

  it("asks nothing of the API when the admin cancels", async () => {
    vi.spyOn(window, "confirm").mockReturnValue(false);
    const calls = fakeApi(json({}));
    renderButton();
    await userEvent.click(screen.getByRole("button", { name: "Discard preview" }));
    expect(calls).toEqual([]);
  });

  it("shows the API's refusal of an out-of-date run", async () => {
    vi.spyOn(window, "confirm").mockReturnValue(true);
    const message = "Scheduling run 7 is out of date: Spring was scheduled again (run 8).";
    fakeApi(json({ error: { code: "conflict", message } }, 409));
    renderButton();
    await userEvent.click(screen.getByRole("button", { name: "Discard preview" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain(message);
  });
});
