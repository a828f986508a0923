import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import { FacilitatorMemberPage } from "./FacilitatorMemberPage";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

const at = "2026-03-02T10:00:00Z";
const progress = {
  user_id: 7,
  display_name: "Ana Lovelace",
  items: [
    { content_id: "module-why-discuss", content_type: "module", started_at: at, completed_at: null,
      total_time_s: 600, title: "Why discuss?", module_title: null },
    { content_id: "why-discuss.reading-vs-understanding", content_type: "section", started_at: at,
      completed_at: at, total_time_s: 300, title: "Reading vs understanding", module_title: "Why discuss?" },
  ],
};
const chats = {
  user_id: 7,
  display_name: "Ana Lovelace",
  chats: [
    { id: 1, module_id: "module-why-discuss", module_title: "Why discuss?", started_at: at, last_active_at: at,
      archived: false, messages: [{ role: "user", content: "Hello?", created_at: at }] },
  ],
};

function renderPage() {
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = new URL(new Request(input, init).url).pathname;
    if (path.endsWith("/members/7/progress")) return json(progress);
    if (path.endsWith("/members/7/chats")) return json(chats);
    if (path === "/api/users/me") return json({ id: 1, display_name: "Fac", timezone: "UTC" });
    return json({ error: { code: "not_found", message: "no route" } }, 404);
  }) as typeof fetch;
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={["/facilitator/groups/3/members/7"]}>
        <Routes>
          <Route path="/facilitator/groups/:groupId/members/:userId" element={<FacilitatorMemberPage />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("FacilitatorMemberPage", () => {
  it("names progress and chats by their titles, module → section, never by content id", async () => {
    const { container } = renderPage();
    expect(await screen.findByRole("rowheader", { name: "Why discuss? → Reading vs understanding" })).toBeTruthy();
    expect(screen.getByRole("rowheader", { name: "Why discuss?" })).toBeTruthy();
    expect(await screen.findByText(/Why discuss\? · 1 message · last active/)).toBeTruthy();
    expect(container.textContent).not.toMatch(/module-why-discuss|why-discuss\.reading/);
  });
});
