import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import { moduleQuery } from "./api/content";
import { App, openingPage } from "./App";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const MODULE = {
  id: "module-why",
  slug: "why-discuss",
  title: "Why talk it through?",
  description: "",
  summary: null,
  status: "not_started",
  required_done: 0,
  required_total: 1,
  time_s: 600,
  version: "v1",
  outcomes: [
    {
      id: "o1",
      title: "Outcome",
      sections: [
        {
          id: "s1",
          title: "Reading is not the same as understanding",
          optional: false,
          completed: false,
          time_s: 300,
          segments: [{ id: "s1-text", kind: "text", markdown: "Most of us have finished a chapter.", optional: false }],
        },
      ],
    },
  ],
};

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

describe("a module opened directly (main.tsx waits for openingPage and the content)", () => {
  it("is the only page whose code is worth waiting for", () => {
    expect(openingPage("/course/c/module/why-discuss")).toBeInstanceOf(Promise);
    expect(openingPage("/course/c")).toBeNull();
    expect(openingPage("/")).toBeNull();
  });

  it("renders at once, with no 'Loading…', and does not ask for the content again", async () => {
    const asked: string[] = [];
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      asked.push(new URL(new Request(input, init).url).pathname);
      return json(null, 204);
    }) as typeof fetch;
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    client.setQueryData(moduleQuery("why-discuss").queryKey, MODULE as never); // what the preload brought
    await openingPage("/course/c/module/why-discuss");

    render(
      <QueryClientProvider client={client}>
        <MemoryRouter initialEntries={["/course/c/module/why-discuss"]}>
          <App />
        </MemoryRouter>
      </QueryClientProvider>,
    );

    // Synchronously: neither React.lazy's fallback nor the query's "Loading the module…".
    expect(screen.getByRole("heading", { level: 1, name: "Why talk it through?" })).toBeTruthy();
    expect(screen.getByText("Most of us have finished a chapter.")).toBeTruthy();
    expect(screen.queryByText(/Loading/)).toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    expect(asked).not.toContain("/api/modules/why-discuss");
  });
});
