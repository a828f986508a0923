import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it } from "vitest";
import type { FeedbackFormPublic, GroupFeedbackPublic } from "../../client/schema";
import { RatingChart } from "./CohortFeedback";
import { FeedbackForm } from "./FeedbackForm";
import { GroupFeedback } from "./GroupFeedback";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

function wrap(children: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}

const form: FeedbackFormPublic = {
  meeting_id: 7,
  group_id: 1,
  group_name: "Night Owls",
  meeting_number: 2,
  starts_at: "2027-03-23T18:00:00Z",
  ends_at: "2027-03-23T19:00:00Z",
  opens_at: "2027-03-23T18:50:00Z",
  closes_at: "2027-04-06T19:00:00Z",
  state: "open",
  anonymous: false,
  questions: [
    { id: "useful", kind: "rating", text: "How useful was it?", required: true },
    { id: "change", kind: "text", text: "What should change?", required: false },
  ],
  answers: [],
  answered_at: null,
};

describe("FeedbackForm", () => {
  it("sends the chosen rating and text to the meeting's feedback and says it is saved", async () => {
    const sent: { url: string; method: string; body: unknown }[] = [];
    globalThis.fetch = (async (input: Request) => {
      sent.push({ url: input.url, method: input.method, body: await input.clone().json() });
      return json({ feedback: { ...form, answered_at: "2027-03-23T19:05:00Z" }, replaced: false });
    }) as typeof fetch;
    render(wrap(<FeedbackForm form={form} zone="UTC" />));

    await userEvent.click(screen.getByRole("radio", { name: /4 · Very good/ }));
    await userEvent.type(screen.getByRole("textbox", { name: /What should change/ }), "More silence");
    await userEvent.click(screen.getByRole("button", { name: "Send feedback" }));

    expect((await screen.findByRole("status")).textContent).toContain("Thank you: saved.");
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request?.method).toBe("PUT");
    expect(new URL(request?.url ?? "").pathname).toBe("/api/meetings/7/feedback");
    expect(request?.body).toEqual({ answers: { useful: 4, change: "More silence" } });
    expect(screen.getByText(/with your name/)).toBeTruthy();
  });

  it("shows the server's refusal in words", async () => {
    globalThis.fetch = (async () =>
      json({ error: { code: "validation_error", message: "Please answer “How useful was it?”.", field: "useful" } }, 422)) as typeof fetch;
    render(wrap(<FeedbackForm form={form} zone="UTC" />));

    await userEvent.click(screen.getByRole("button", { name: "Send feedback" }));

    expect((await screen.findByRole("alert")).textContent).toContain("Please answer “How useful was it?”.");
  });

  it("fills in my earlier answers and offers to change them", () => {
    const answered = {
      ...form,
      answers: [{ question_id: "useful", kind: "rating" as const, text: "How useful was it?", value: 2 }],
      answered_at: "2027-03-23T19:05:00Z",
    };
    render(wrap(<FeedbackForm form={answered} zone="UTC" />));

    expect((screen.getByRole("radio", { name: /2 · Fair/ }) as HTMLInputElement).checked).toBe(true);
    expect(screen.getByRole("button", { name: "Save my changes" })).toBeTruthy();
  });

  it("says when the form opens and when it has closed instead of showing it", () => {
    const { rerender } = render(wrap(<FeedbackForm form={{ ...form, state: "not_open" }} zone="UTC" />));
    expect(screen.getByText(/opens near the end of the meeting/)).toBeTruthy();
    expect(screen.queryByRole("button")).toBeNull();

    rerender(wrap(<FeedbackForm form={{ ...form, state: "closed" }} zone="UTC" />));
    expect(screen.getByText(/closed/)).toBeTruthy();
  });
});

const groupFeedback = (anonymous: boolean): GroupFeedbackPublic => ({
  group_id: 1,
  group_name: "Night Owls",
  anonymous,
  rating_question: "How useful was it?",
  meetings: [
    {
      meeting_id: 7,
      meeting_number: 1,
      starts_at: "2027-03-16T18:00:00Z",
      members: 5,
      average_rating: 4.5,
      responses: [
        {
          author_id: anonymous ? null : 3,
          author_name: anonymous ? null : "Ana",
          answered_at: null,
          rating: 5,
          answers: [
            { question_id: "useful", kind: "rating", text: "How useful was it?", value: 5 },
            { question_id: "change", kind: "text", text: "What should change?", value: "Nothing" },
          ],
        },
      ],
    },
  ],
});

describe("GroupFeedback", () => {
  it("shows each answer under its question with the learner's name and the meeting's average", () => {
    render(<GroupFeedback feedback={groupFeedback(false)} zone="UTC" />);

    expect(screen.getByText(/1 of 5 answered/).textContent).toContain("4.5 / 5");
    const answer = screen.getByText("Ana").closest("li") as HTMLElement;
    expect(within(answer).getByText("What should change?").nextSibling?.textContent).toContain("Nothing");
    expect(within(answer).getByText("5 / 5")).toBeTruthy();
  });

  it("shows no names when the course's feedback is anonymous", () => {
    render(<GroupFeedback feedback={groupFeedback(true)} zone="UTC" />);

    expect(screen.queryByText("Ana")).toBeNull();
    expect(screen.getByText("Answer 1")).toBeTruthy();
    expect(screen.getByText(/anonymous/)).toBeTruthy();
  });
});

describe("RatingChart", () => {
  it("draws one bar per meeting with ratings and says the averages to screen readers", () => {
    const weeks = [
      { meeting_number: 1, responses: 4, meetings_held: 2, average_rating: 4.25, distribution: [0, 0, 1, 1, 2] },
      { meeting_number: 2, responses: 0, meetings_held: 2, average_rating: null, distribution: [0, 0, 0, 0, 0] },
      { meeting_number: 3, responses: 2, meetings_held: 1, average_rating: 2, distribution: [0, 2, 0, 0, 0] },
    ];
    const { container } = render(<RatingChart weeks={weeks} question="How useful was it?" />);

    expect(screen.getByRole("img").getAttribute("aria-label")).toBe(
      "Average “How useful was it?” by meeting: meeting 1: 4.3; meeting 2: no ratings; meeting 3: 2.0",
    );
    const bars = container.querySelectorAll("rect.chart-bar");
    expect(bars).toHaveLength(2);
    const [first, third] = [...bars].map((bar) => Number(bar.getAttribute("height")));
    expect(first).toBeGreaterThan(third ?? Infinity);
  });
});
