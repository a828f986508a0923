import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { useState } from "react";
import { LeaveCohort, type LeftCohort, LeftCohortMessage } from "./LeaveCohort";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

/** Answers POST /api/cohorts/3/leave with `answer`; records the requests and their bodies. */
function fakeApi(answer: () => Response) {
  const calls: string[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    if (req.method === "GET") return json(null, 401);
    calls.push(`${req.method} ${path} ${await req.text()}`);
    return answer();
  }) as typeof fetch;
  return calls;
}

function renderLeave() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <LeaveCohort cohortId={3} cohortName="Spring" />
    </QueryClientProvider>,
  );
}

describe("LeaveCohort", () => {
  it("asks to confirm, sends the reason and says what happened", async () => {
    const calls = fakeApi(() =>
      json({ cohort_id: 3, cohort_name: "Spring", group_id: 9, group_name: "Owls", reason: "New job" }),
    );
    renderLeave();
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Leave this cohort" }));
    const dialog = screen.getByRole("dialog", { name: "Leave Spring?" });
    const reason = screen.getByLabelText("Why are you leaving? (optional)");
    expect(document.activeElement).toBe(reason);
    expect(dialog).toBeTruthy();

    await user.type(reason, "New job");
    await user.click(screen.getByRole("button", { name: "Leave Spring" }));

    const said = await screen.findByRole("status");
    expect(said.textContent).toBe("You left Spring and Owls. Your facilitator has been told, with your reason.");
    expect(calls).toEqual(['POST /api/cohorts/3/leave {"reason":"New job"}']);
  });

  it("leaves nothing when the learner decides to stay", async () => {
    const calls = fakeApi(() => json({}));
    renderLeave();
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Leave this cohort" }));
    await user.click(screen.getByRole("button", { name: "Stay" }));

    expect(screen.queryByRole("dialog")).toBeNull();
    expect(screen.getByRole("button", { name: "Leave this cohort" })).toBeTruthy();
    expect(calls).toEqual([]);
  });

  it("sends no reason when none is given, and shows the API's refusal", async () => {
    const message = "You facilitate Owls: ask an admin to hand it over before you leave Spring.";
    const calls = fakeApi(() => json({ error: { code: "conflict", message } }, 409));
    renderLeave();
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Leave this cohort" }));
    await user.click(screen.getByRole("button", { name: "Leave Spring" }));

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain(message);
    expect(calls).toEqual(['POST /api/cohorts/3/leave {"reason":null}']);
    expect(screen.getByRole("dialog", { name: "Leave Spring?" })).toBeTruthy();
  });
});

describe("LeaveCohort in a list of my cohorts", () => {
  it("hands the result to the list, which outlives the cohort's own item", async () => {
    fakeApi(() => json({ cohort_id: 3, cohort_name: "Spring", group_id: 9, group_name: "Owls", reason: null }));
    function List() {
      const [left, setLeft] = useState<LeftCohort | null>(null);
      return (
        <>
          {left && <LeftCohortMessage left={left} />}
          {/* The list read again after leaving no longer has the cohort. */}
          {!left && <LeaveCohort cohortId={3} cohortName="Spring" onLeft={setLeft} />}
        </>
      );
    }
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <List />
      </QueryClientProvider>,
    );
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Leave this cohort" }));
    await user.click(screen.getByRole("button", { name: "Leave Spring" }));

    const said = await screen.findByRole("status");
    expect(said.textContent).toBe("You left Spring and Owls. Your facilitator has been told.");
    expect(screen.getAllByRole("status")).toHaveLength(1);
  });
});
