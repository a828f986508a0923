import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import { EXAMPLE_GROUP, EXAMPLE_MEETING, LandingPage } from "./LandingPage";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const course = {
  slug: "running-discussion-groups",
  title: "Running a good discussion group",
  description: "A three-week course for new facilitators.",
  version: "v",
  next_module: "why-discuss",
  units: [
    { meeting: 1, modules: [{ slug: "why-discuss", title: "Why discuss?", summary: "Reading is not understanding.", optional: false, status: "not_started", required_done: 0, required_total: 1, time_s: 0 }] },
    { meeting: 2, modules: [{ slug: "checklist", title: "A checklist", summary: null, optional: true, status: "not_started", required_done: 0, required_total: 1, time_s: 0 }] },
  ],
};

function fakeApi(courses: unknown[]) {
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const key = `${req.method} ${new URL(req.url).pathname}`;
    if (key === "GET /api/courses") return json({ courses });
    if (key === `GET /api/courses/${course.slug}`) return json(course);
    return json({ error: { code: "unauthorized", message: "not signed in" } }, 401);
  }) as typeof fetch;
}

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

function renderLanding() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>
        <LandingPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("LandingPage", () => {
  it("asks a visitor to sign up, and lets them try the course first", () => {
    fakeApi([]);
    renderLanding();
    expect(screen.getByRole("heading", { level: 1 }).textContent).toMatch(/Learn together/);
    expect(screen.getByRole("link", { name: "Sign up for a cohort" }).getAttribute("href")).toBe("/signin?next=/enroll");
    expect(screen.getByRole("link", { name: "Try the course" }).getAttribute("href")).toBe("/course");
  });

  it("says what a learner gets: cohort, small group across zones, tutor, reminders", () => {
    fakeApi([]);
    renderLanding();
    const gets = within(screen.getByRole("region", { name: /Everything a study group needs/ }));
    const titles = gets.getAllByRole("heading", { level: 3 }).map((h) => h.textContent);
    expect(titles).toEqual([
      "A cohort that starts together",
      "A small group at a time that suits you",
      "An AI tutor beside every module",
      "Reminders, so nothing slips",
    ]);
  });

  it("shows the site's only course from the content API: its description and modules week by week", async () => {
    fakeApi([{ slug: course.slug, title: course.title, description: course.description }]);
    renderLanding();
    const section = within(await screen.findByRole("region", { name: course.title }));
    expect(section.getByText("A three-week course for new facilitators.")).toBeTruthy();
    expect(section.getByRole("heading", { name: "Week 1" })).toBeTruthy();
    expect(section.getByRole("link", { name: "Why discuss?" }).getAttribute("href")).toBe(
      `/course/${course.slug}/module/why-discuss`,
    );
    expect(section.getByText("Optional")).toBeTruthy();
  });

  it("the example group's local times are what Intl says for its meeting", () => {
    for (const [, , zone, time] of EXAMPLE_GROUP) {
      const formatted = new Intl.DateTimeFormat("en-GB", {
        timeZone: zone,
        weekday: "short",
        hour: "2-digit",
        minute: "2-digit",
      }).format(new Date(EXAMPLE_MEETING));
      expect(`${zone} ${formatted}`).toBe(`${zone} ${time}`);
    }
  });
});
