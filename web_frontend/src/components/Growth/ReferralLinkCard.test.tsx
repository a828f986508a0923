import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { ReferralLinkCard } from "./ReferralLinkCard";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

describe("ReferralLinkCard", () => {
  it("shows my link with its numbers and copies it", async () => {
    globalThis.fetch = (async (input: RequestInfo | URL) => {
      const url = new URL(new Request(input).url);
      if (url.pathname === "/api/growth/my-link") {
        return json({
          id: 1, code: "k7m2p9qa", path: "/r/k7m2p9qa", kind: "person", label: "Ada", archived: false,
          clicks: 3, signups: 1, conversion: 0.333, created_at: "2026-01-01T00:00:00Z",
        });
      }
      return json({ error: { code: "not_found", message: "no route" } }, 404);
    }) as typeof fetch;
    const user = userEvent.setup();
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <ReferralLinkCard />
      </QueryClientProvider>,
    );
    const url = `${window.location.origin}/r/k7m2p9qa`;
    expect((await screen.findByText(url)).tagName).toBe("CODE");
    expect(screen.getByText("3 visits · 1 signup")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Copy link" }));
    expect(await navigator.clipboard.readText()).toBe(url);
    expect(screen.getByRole("status").textContent).toBe("Copied.");
  });
});
