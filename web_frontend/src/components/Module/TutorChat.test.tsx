import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TutorChat } from "./TutorChat";

const segment = { kind: "chat" as const, id: "seg-1", optional: false, title: "Put it in your words", learner_sees_previous: true };
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const encoder = new TextEncoder();

/** An SSE body of these events; `drop` ends it as a lost connection does instead of closing. */
function sse(events: unknown[], { drop = false } = {}) {
  const queue = events.map((e) => `data: ${JSON.stringify(e)}\n\n`);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = queue.shift();
      if (next !== undefined) controller.enqueue(encoder.encode(next));
      else if (drop) controller.error(new TypeError("network error"));
      else controller.close();
    },
  });
  return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
}

type Answer = { events: unknown[]; drop?: boolean } | { status: number; error: { code: string; message: string } };

/**
 * A small in-memory tutor API behind window.fetch: each POST …/stream takes
 * the next answer; the quota counts the messages it accepted, as the API does.
 */
function fakeTutor(answers: Answer[], { used = 1, limit = 100 } = {}) {
  const saved: { role: string; content: string }[] = [];
  const sent: unknown[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    if (path === "/api/tutor/status") {
      return json({
        streaming: true,
        quota: { messages_used: used, messages_limit: limit, tokens_used: 0, tokens_limit: 1, resets_at: "2030-01-01T00:00:00Z" },
      });
    }
    if (path === "/api/tutor/why-discuss/messages" && req.method === "GET") {
      return json({ module_slug: "why-discuss", messages: saved });
    }
    if (path === "/api/tutor/why-discuss/stream") {
      const body = await req.json();
      sent.push(body);
      const answer = answers.shift()!;
      if ("status" in answer) return json({ error: answer.error }, answer.status);
      used += 1;
      saved.push({ role: "user", content: body.message });
      const reply = answer.events.filter((e: any) => e.type === "text").map((e: any) => e.content).join("");
      if (reply && !answer.drop) saved.push({ role: "assistant", content: reply });
      return sse(answer.events, { drop: answer.drop });
    }
    return json({ error: { code: "not_found", message: "no route" } }, 404);
  }) as typeof fetch;
  return { sent };
}

const realFetch = globalThis.fetch;
beforeEach(() => window.history.replaceState({}, "", "/course/c/module/why-discuss"));
afterEach(() => {
  globalThis.fetch = realFetch;
});

function renderChat() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <TutorChat moduleSlug="why-discuss" sectionId="sec-1" segment={segment} />
    </QueryClientProvider>,
  );
}

const reply = (...pieces: string[]) => ({
  events: [...pieces.map((content) => ({ type: "text", content })), { type: "done", complete: true }],
});

describe("TutorChat", () => {
  it("sends the message with its section and segment and shows the streamed reply as markdown", async () => {
    const { sent } = fakeTutor([reply("A question is **open** ", "when many answers fit.")]);
    renderChat();
    await screen.findByText("99 of 100 messages left today.");
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Message to the tutor"), "What is an open question?{Enter}");
    await waitFor(() => expect(screen.getByText("open").tagName).toBe("STRONG"));
    expect(screen.getByText(/when many answers fit/)).toBeTruthy();
    expect(sent).toEqual([{ section_id: "sec-1", segment_id: "seg-1", message: "What is an open question?" }]);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("counts down the messages left after each message, without a reload", async () => {
    fakeTutor([reply("One."), reply("Two.")], { used: 97 });
    renderChat();
    await screen.findByText("3 of 100 messages left today.");
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Message to the tutor"), "First{Enter}");
    await screen.findByText("2 of 100 messages left today.");
    await screen.findByText("One.");
    await user.type(screen.getByLabelText("Message to the tutor"), "Second{Enter}");
    await screen.findByText("1 of 100 messages left today.");
  });

  it("says when more messages come once the day's are used up", async () => {
    fakeTutor([reply("Last one.")], { used: 99 });
    renderChat();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Message to the tutor"), "Last{Enter}");
    expect((await screen.findByText(/You have used today's 100 messages/)).textContent).toMatch(/More from \d\d:\d\d/);
  });

  it("shows the tutor's error in words and keeps the learner's saved message", async () => {
    fakeTutor([{ events: [{ type: "error", error: { code: "tutor_timeout", message: "The tutor took too long to answer. Please try again." } }] }]);
    renderChat();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Message to the tutor"), "Hello?{Enter}");
    expect((await screen.findByRole("alert")).textContent).toContain("The tutor took too long to answer. Please try again.");
    await screen.findByText("Hello?");
  });

  it("keeps what arrived when the connection drops and sends the message again on Try again", async () => {
    const { sent } = fakeTutor([
      { events: [{ type: "text", content: "Half of an " }, { type: "text", content: "answer" }], drop: true },
      reply("The whole answer."),
    ]);
    renderChat();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Message to the tutor"), "Why?{Enter}");
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The connection dropped before the tutor finished");
    expect(screen.getByText("Half of an answer")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Try again" }));
    await screen.findByText("The whole answer.");
    expect(sent).toEqual([
      { section_id: "sec-1", segment_id: "seg-1", message: "Why?" },
      { section_id: "sec-1", segment_id: "seg-1", message: "Why?" },
    ]);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("gives a refused message back to edit, without a retry, when it was not accepted", async () => {
    fakeTutor([{ status: 422, error: { code: "invalid_request", message: "A message can be at most 4,000 characters." } }]);
    renderChat();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Message to the tutor"), "Too long{Enter}");
    expect((await screen.findByRole("alert")).textContent).toBe("A message can be at most 4,000 characters.");
    expect((screen.getByLabelText("Message to the tutor") as HTMLTextAreaElement).value).toBe("Too long");
    expect(screen.queryByRole("button", { name: "Try again" })).toBeNull();
    expect(screen.getByText("99 of 100 messages left today.")).toBeTruthy();
  });
});
