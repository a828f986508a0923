import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { MemoryRouter, Route, Routes, useParams } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import { CourseRedirect } from "./CourseOverviewPage";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const enrollment = (cohort_id: number, course_slug: string) => ({
  cohort_id, cohort_name: `Cohort ${cohort_id}`, course_slug, role: "learner", group_id: null, group_name: null,
});

/** An API with one signed-in learner and two courses; records what is asked. */
function fakeApi(enrollments: unknown[]) {
  const asked: string[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const key = `${req.method} ${new URL(req.url).pathname}`;
    asked.push(key);
    if (key === "GET /api/users/me") return json({ id: 7, display_name: "Ada", timezone: "UTC", enrollments });
    if (key === "GET /api/courses")
      return json({ courses: [{ slug: "intro", title: "Intro" }, { slug: "ai-governance", title: "AI governance" }] });
    return json({ error: { code: "not_found", message: "no route" } }, 404);
  }) as typeof fetch;
  return asked;
}

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

function Landed() {
  return <p>course page: {useParams().courseSlug}</p>;
}

function renderAt(path: string) {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="course" element={<CourseRedirect />} />
          <Route path="course/:courseSlug" element={<Landed />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("CourseRedirect", () => {
  it("goes to the course of the newest enrollment, named by the profile itself", async () => {
    const asked = fakeApi([enrollment(9, "ai-governance"), enrollment(3, "intro")]);
    renderAt("/course");
    await screen.findByText("course page: ai-governance");
    expect(asked).not.toContain("GET /api/cohorts");
  });

  it("lists the courses when there is no enrollment and more than one course", async () => {
    fakeApi([]);
    renderAt("/course");
    expect(await screen.findByRole("link", { name: "AI governance" })).toBeTruthy();
  });
});
