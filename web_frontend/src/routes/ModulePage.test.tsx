import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import { ModulePage, progressLine } from "./ModulePage";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

const section = (id: string, title: string, optional: boolean) => ({
  id,
  title,
  optional,
  completed: false,
  time_s: 300,
  segments: [{ id: `${id}-text`, kind: "text", markdown: `About ${title}.`, optional: false }],
});

const module = {
  id: "module-why",
  slug: "why-discuss",
  title: "Why discuss?",
  description: "",
  summary: null,
  status: "not_started",
  required_done: 0,
  required_total: 1,
  time_s: 600,
  version: "v1",
  outcomes: [
    { id: "o1", title: "Outcome", sections: [section("s1", "Reading vs understanding", false), section("s2", "Further reading", true)] },
  ],
};

describe("ModulePage", () => {
  it("marks the optional section and counts only the required ones, saying so", async () => {
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const path = new URL(new Request(input, init).url).pathname;
      if (path === "/api/modules/why-discuss") return json(module);
      return json(null, 204);
    }) as typeof fetch;
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter initialEntries={["/course/c/module/why-discuss"]}>
          <Routes>
            <Route path="/course/:courseSlug/module/:moduleSlug" element={<ModulePage />} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>,
    );
    const nav = await screen.findByRole("navigation", { name: "Sections of this module" });
    const links = within(nav).getAllByRole("link");
    expect(links.map((l) => l.textContent)).toEqual(["Reading vs understanding", "Further readingoptional"]);
    expect(within(links[1]!).getByText("optional").className).toContain("badge");
    expect(within(nav).getByText("0 of 1 required section done · 1 optional section (not counted)")).toBeTruthy();
  });

  it("words the count for every case", () => {
    expect(progressLine(2, 3, 0)).toBe("2 of 3 required sections done");
    expect(progressLine(0, 0, 2)).toBe("No required sections · 2 optional sections (not counted)");
  });
});
