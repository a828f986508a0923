import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import type { Section } from "../../api/types";
import { SectionSegments } from "./SectionSegments";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const ANSWER = "Count slowly to seven before you say anything else.";

const section = (learnerSeesPrevious: boolean): Section => ({
  id: "gq.silence",
  title: "When the room goes quiet",
  optional: false,
  completed: false,
  time_s: 0,
  segments: [
    { kind: "text", id: "gq.silence.intro", optional: false, markdown: ANSWER },
    { kind: "chat", id: "gq.silence.chat", optional: false, title: "From memory", learner_sees_previous: learnerSeesPrevious },
    { kind: "text", id: "gq.silence.after", optional: false, markdown: "Text after the exercise." },
  ],
});

/** The tutor's API behind fetch: the saved conversation is `saved` (read on every request). */
function fakeTutor(saved: { role: string; content: string; section_id: string | null }[]) {
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = new URL(new Request(input, init).url).pathname;
    if (path === "/api/tutor/status") {
      return json({
        streaming: true,
        quota: { messages_used: 0, messages_limit: 100, tokens_used: 0, tokens_limit: 1, resets_at: "2030-01-01T00:00:00Z" },
      });
    }
    if (path === "/api/tutor/good-questions/messages") return json({ module_slug: "good-questions", messages: saved });
    return json({ error: { code: "not_found", message: "no route" } }, 404);
  }) as typeof fetch;
}

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

function renderSection(s: Section) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <SectionSegments section={s} moduleSlug="good-questions" />
    </QueryClientProvider>,
  );
}

describe("SectionSegments: a chat that hides earlier content (recall)", () => {
  it("takes the reading above off the page once the exercise starts, and keeps what follows", async () => {
    fakeTutor([]);
    renderSection(section(false));
    expect(screen.getByText(ANSWER)).toBeTruthy(); // read first
    expect(screen.queryByRole("textbox", { name: "Message to the tutor" })).toBeNull(); // chat waits

    await userEvent.click(screen.getByRole("button", { name: "Start the exercise" }));

    expect(screen.queryByText(ANSWER)).toBeNull(); // not in the DOM at all
    expect(document.body.textContent).not.toContain("Count slowly");
    expect(screen.getByText("The reading above this exercise is hidden while you answer from memory.")).toBeTruthy();
    expect(screen.getByRole("textbox", { name: "Message to the tutor" })).toBeTruthy();
    expect(screen.getByText("Text after the exercise.")).toBeTruthy();
    const again = screen.getByRole("button", { name: "Show the reading again" }) as HTMLButtonElement;
    expect(again.disabled).toBe(true); // not before an answer
  });

  it("offers the reading again once the learner has answered in this section", async () => {
    fakeTutor([
      { role: "user", content: "Another section's chat", section_id: "gq.other" },
      { role: "user", content: "I would wait.", section_id: "gq.silence" },
    ]);
    renderSection(section(false));
    await userEvent.click(screen.getByRole("button", { name: "Start the exercise" }));
    const again = screen.getByRole("button", { name: "Show the reading again" }) as HTMLButtonElement;
    await waitFor(() => expect(again.disabled).toBe(false));

    await userEvent.click(again);

    expect(screen.getByText(ANSWER)).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Hide the reading" }));
    expect(screen.queryByText(ANSWER)).toBeNull();
  });

  it("does not offer the reading for an answer given in another section only", async () => {
    fakeTutor([{ role: "user", content: "elsewhere", section_id: "gq.other" }]);
    renderSection(section(false));
    await userEvent.click(screen.getByRole("button", { name: "Start the exercise" }));
    await screen.findByRole("textbox", { name: "Message to the tutor" });
    await waitFor(() => expect(screen.queryByText("Loading the conversation…")).toBeNull());

    expect((screen.getByRole("button", { name: "Show the reading again" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows an ordinary chat with the reading, without a start button", () => {
    fakeTutor([]);
    renderSection(section(true));
    expect(screen.getByText(ANSWER)).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Start the exercise" })).toBeNull();
    expect(screen.getByRole("textbox", { name: "Message to the tutor" })).toBeTruthy();
  });
});

describe("SectionSegments: heading levels", () => {
  it("puts the content's headings right under the section's h2, and the chat's title beside them", () => {
    fakeTutor([]);
    const s = section(true);
    s.segments[0] = { kind: "text", id: "gq.silence.intro", optional: false, markdown: `#### Three things\n\n${ANSWER}` };
    renderSection(s);
    expect(screen.getByRole("heading", { name: "Three things" }).tagName).toBe("H3");
    expect(screen.getByRole("heading", { name: "From memory" }).tagName).toBe("H3");
  });
});
