import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { AssessedQuestion } from "./AssessedQuestion";

const segment = {
  kind: "question" as const,
  id: "q-1",
  optional: false,
  title: "Plan your opening",
  question: "How will you **open** the meeting?",
  levels: ["beginning", "developing", "ready"],
};
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

type Reply = { level: string; missing: string[] } | { status: number; message: string };

/** The answers API in memory: each POST takes the next reply and keeps the attempt, as the API does. */
function fakeAnswers(replies: Reply[]) {
  const saved: Record<string, unknown>[] = [];
  const sent: unknown[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    if (path === "/api/tutor/checklist/answers" && req.method === "GET") {
      return json({ module_slug: "checklist", answers: saved });
    }
    if (path === "/api/tutor/checklist/answers") {
      const body = await req.json();
      sent.push(body);
      const reply = replies.shift()!;
      const attempt = {
        id: saved.length + 1,
        section_id: body.section_id,
        segment_id: body.segment_id,
        attempt: saved.length + 1,
        answer: body.answer,
        level: "level" in reply ? reply.level : null,
        strengths: "level" in reply ? ["You named an opening."] : [],
        missing: "level" in reply ? reply.missing : [],
        comment: "level" in reply ? "Keep going." : null,
        structured: "level" in reply,
        error: "status" in reply ? reply.message : null,
        created_at: "2030-01-01T10:00:00Z",
        assessed_at: "level" in reply ? "2030-01-01T10:00:01Z" : null,
      };
      saved.push(attempt);
      if ("status" in reply) return json({ error: { code: "tutor_unavailable", message: reply.message } }, reply.status);
      return json(attempt);
    }
    if (path === "/api/tutor/status") return json({ streaming: true, quota: {} });
    return json({ error: { code: "not_found", message: "no route" } }, 404);
  }) as typeof fetch;
  return { sent };
}

function renderQuestion() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <AssessedQuestion moduleSlug="checklist" sectionId="s-1" segment={segment} />
    </QueryClientProvider>,
  );
}

describe("AssessedQuestion", () => {
  it("sends the answer, shows strengths, what is missing and the level, then a revision", async () => {
    const { sent } = fakeAnswers([
      { level: "beginning", missing: ["What you do if nobody answers."] },
      { level: "ready", missing: [] },
    ]);
    renderQuestion();
    expect(screen.getByRole("heading", { name: "Plan your opening" })).toBeTruthy();
    expect(screen.getByText("open").tagName).toBe("STRONG"); // the question is Markdown

    await userEvent.type(await screen.findByLabelText("Your answer"), "A round of names.");
    await userEvent.click(screen.getByRole("button", { name: "Submit answer" }));

    expect(await screen.findByText("What you do if nobody answers.")).toBeTruthy();
    expect(screen.getByText("You named an opening.")).toBeTruthy();
    expect(screen.getByText("beginning").className).toContain("badge-warn");
    expect(sent).toEqual([{ section_id: "s-1", segment_id: "q-1", answer: "A round of names." }]);

    await userEvent.click(screen.getByRole("button", { name: "Revise your answer" }));
    const box = screen.getByLabelText("Your answer") as HTMLTextAreaElement;
    expect(box.value).toBe("A round of names."); // revise from what was sent
    await userEvent.type(box, " Then I wait.");
    await userEvent.click(screen.getByRole("button", { name: "Submit revision" }));

    expect(await screen.findByText("ready")).toBeTruthy();
    expect(screen.getByText("ready").className).toContain("badge-ok");
    expect(screen.getByRole("heading", { name: "Your answer (attempt 2)" })).toBeTruthy();
    expect(screen.getByText("Earlier attempts (1)")).toBeTruthy();
    expect(screen.getByText("What you do if nobody answers.").closest("details")?.open).toBe(false);
  });

  it("keeps the draft and says why when the tutor cannot assess it", async () => {
    fakeAnswers([{ status: 502, message: "the tutor could not answer; please try again" }]);
    renderQuestion();
    await userEvent.type(await screen.findByLabelText("Your answer"), "My plan.");
    await userEvent.click(screen.getByRole("button", { name: "Submit answer" }));

    expect(await screen.findByRole("alert")).toHaveProperty("textContent", "the tutor could not answer; please try again");
    await waitFor(() => expect((screen.getByLabelText("Your answer") as HTMLTextAreaElement).value).toBe("My plan."));
    expect(screen.getByRole("button", { name: "Submit revision" })).toBeTruthy();
  });
});
