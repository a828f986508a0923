import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../App";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const newcomer = { id: 7, display_name: "Ada", email: null, timezone: "UTC", tos_accepted_at: null, enrollments: [] };

/** An API with the organisation's pages and, when given, a signed-in person; records what is asked. */
function fakeApi(me: unknown = null) {
  const asked: string[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const key = `${req.method} ${new URL(req.url).pathname}`;
    asked.push(key);
    if (key === "GET /api/users/me") return me ? json(me) : json({ error: { code: "unauthorized", message: "no" } }, 401);
    if (key === "POST /auth/refresh") return json({ error: { code: "unauthorized", message: "no" } }, 401);
    if (key === "GET /api/site/privacy")
      return json({ slug: "privacy", title: "How we use your data", markdown: "We keep **little**.", is_default: false });
    if (key === "GET /api/site/terms")
      return json({ slug: "terms", title: "Terms of use", markdown: "Be kind.", is_default: true });
    return json({ error: { code: "not_found", message: "no route" } }, 404);
  }) as typeof fetch;
  return asked;
}

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
  document.title = "Roundtable";
});

function renderApp(path: string) {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/*" element={<App />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("the organisation's privacy and terms pages", () => {
  it("/privacy shows the organisation's own text as Markdown, titled", async () => {
    const asked = fakeApi();
    renderApp("/privacy");
    expect(await screen.findByRole("heading", { level: 1, name: "How we use your data" })).toBeTruthy();
    expect(screen.getByText("little").tagName).toBe("STRONG");
    expect(asked).toContain("GET /api/site/privacy");
    expect(document.title).toBe("How we use your data · Roundtable");
  });

  it("/terms shows the terms", async () => {
    fakeApi();
    renderApp("/terms");
    expect(await screen.findByRole("heading", { level: 1, name: "Terms of use" })).toBeTruthy();
    expect(screen.getByText("Be kind.")).toBeTruthy();
  });

  it("every page's footer links to both", async () => {
    fakeApi();
    renderApp("/terms");
    const footer = within(screen.getByRole("navigation", { name: "Site" }));
    expect(footer.getByRole("link", { name: "Privacy policy" }).getAttribute("href")).toBe("/privacy");
    expect(footer.getByRole("link", { name: "Terms of use" }).getAttribute("href")).toBe("/terms");
  });

  it("the consent checkbox on the first-run profile links to the terms and the privacy policy", async () => {
    fakeApi(newcomer);
    renderApp("/profile");
    const consent = await screen.findByLabelText(/I accept the terms of use and the privacy policy/);
    const label = consent.closest("label")!;
    expect(within(label).getByRole("link", { name: "terms of use" }).getAttribute("href")).toBe("/terms");
    expect(within(label).getByRole("link", { name: "privacy policy" }).getAttribute("href")).toBe("/privacy");
  });
});
