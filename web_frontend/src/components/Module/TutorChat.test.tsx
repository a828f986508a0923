import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TutorChat } from "./TutorChat";

const segment = { kind: "chat" as const, id: "seg-1", optional: false, title: "Put it in your words", learner_sees_previous: true };
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const sse = (events: unknown[]) =>
  new Response(events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join(""), {
    headers: { "Content-Type": "text/event-stream" },
  });

/** A small in-memory tutor API behind window.fetch. */
function fakeTutor(streamEvents: unknown[]) {
  const saved: { role: string; content: string }[] = [];
  const sent: unknown[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    if (path === "/api/tutor/status") {
      return json({ streaming: true, quota: { messages_used: 1, messages_limit: 100, tokens_used: 0, tokens_limit: 1, resets_at: "2030-01-01T00:00:00Z" } });
    }
    if (path === "/api/tutor/why-discuss/messages" && req.method === "GET") {
      return json({ module_slug: "why-discuss", messages: saved });
    }
    if (path === "/api/tutor/why-discuss/stream") {
      const body = await req.json();
      sent.push(body);
      saved.push({ role: "user", content: body.message });
      const reply = streamEvents.filter((e: any) => e.type === "text").map((e: any) => e.content).join("");
      if (reply) saved.push({ role: "assistant", content: reply });
      return sse(streamEvents);
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

describe("TutorChat", () => {
  it("sends the message with its section and segment and shows the streamed reply as markdown", async () => {
    const { sent } = fakeTutor([
      { type: "text", content: "A question is **open** " },
      { type: "text", content: "when many answers fit." },
      { type: "done", complete: true },
    ]);
    renderChat();
    await screen.findByText("99 of 100 messages left today.");
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Message to the tutor"), "What is an open question?{Enter}");
    await waitFor(() => expect(screen.getByText("open").tagName).toBe("STRONG"));
    expect(screen.getByText(/when many answers fit/)).toBeTruthy();
    expect(sent).toEqual([{ section_id: "sec-1", segment_id: "seg-1", message: "What is an open question?" }]);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows the tutor's error in words and keeps the learner's saved message", async () => {
    fakeTutor([{ type: "error", error: { code: "llm_timeout", message: "The tutor took too long to answer. Please try again." } }]);
    renderChat();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Message to the tutor"), "Hello?{Enter}");
    expect((await screen.findByRole("alert")).textContent).toBe("The tutor took too long to answer. Please try again.");
    await screen.findByText("Hello?");
  });
});
