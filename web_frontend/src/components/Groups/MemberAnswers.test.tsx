import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { MemberAnswers } from "./MemberAnswers";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

const attempt = (n: number, answer: string, level: string, missing: string[]) => ({
  id: n,
  module_title: "A facilitator's checklist",
  question_title: "Plan your opening",
  question: "How will you open?",
  section_id: "s-1",
  segment_id: "q-1",
  attempt: n,
  answer,
  level,
  levels: ["beginning", "developing", "ready"],
  strengths: ["Names an opening."],
  missing,
  comment: null,
  structured: true,
  error: null,
  created_at: "2030-01-01T10:00:00Z",
  assessed_at: "2030-01-01T10:00:01Z",
});

function renderAnswers(answers: unknown[]) {
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = new URL(new Request(input, init).url).pathname;
    if (path === "/api/facilitator/groups/3/members/7/answers") return json({ user_id: 7, display_name: "Ana", answers });
    if (path === "/api/users/me") return json({ id: 1, display_name: "Fac", timezone: "UTC" });
    return json({ error: { code: "not_found", message: "no route" } }, 404);
  }) as typeof fetch;
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemberAnswers groupId={3} userId={7} />
    </QueryClientProvider>,
  );
}

describe("MemberAnswers", () => {
  it("shows each question's latest attempt with its feedback and folds earlier ones away", async () => {
    renderAnswers([
      attempt(1, "Names.", "beginning", ["A plan for silence."]),
      attempt(2, "Names, a question, then I wait.", "ready", []),
    ]);
    const card = await screen.findByRole("article", { name: "Plan your opening" });
    expect(within(card).getByText("A facilitator's checklist", { exact: false })).toBeTruthy();
    expect(within(card).getByText("Names, a question, then I wait.").closest("details")).toBeNull();
    expect(within(card).getByText("ready").className).toContain("badge-ok");
    expect(within(card).getByText("Attempt 2", { exact: false })).toBeTruthy();
    expect(within(card).getByText("Earlier attempts (1)")).toBeTruthy();
    expect(within(card).getByText("Names.").closest("details")?.open).toBe(false); // folded away
  });

  it("says when there is nothing yet", async () => {
    renderAnswers([]);
    expect(await screen.findByText("No answers to assessed questions yet.")).toBeTruthy();
  });
});
