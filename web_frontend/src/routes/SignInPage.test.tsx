import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import { safeNext, signInError, SignInPage } from "./SignInPage";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

function renderPage(methods: { discord: boolean; dev_login: boolean }, url = "/signin?next=/enroll") {
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = new URL(new Request(input, init).url).pathname;
    if (path === "/auth/sign-in-methods") return json(methods);
    if (path === "/api/users/me") return json({ error: { code: "unauthenticated", message: "sign in" } }, 401);
    return json({ error: { code: "not_found", message: "no route" } }, 404);
  }) as typeof fetch;
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[url]}>
        <Routes>
          <Route path="/signin" element={<SignInPage />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("SignInPage", () => {
  it("disables Discord with an explanation when it is not set up, pointing at the dev login", async () => {
    renderPage({ discord: false, dev_login: true });
    const button = await screen.findByRole("button", { name: "Sign in with Discord" });
    expect((button as HTMLButtonElement).disabled).toBe(true);
    expect(screen.queryByRole("link", { name: "Sign in with Discord" })).toBeNull();
    expect(screen.getByText("Discord sign-in is not set up on this site; use the dev login below.").id).toBe(
      button.getAttribute("aria-describedby"),
    );
    expect(screen.getByRole("heading", { name: "Dev login (local stack only)" })).toBeTruthy();
  });

  it("links to Discord, keeping where to go next, when it is configured", async () => {
    renderPage({ discord: true, dev_login: false });
    const link = await screen.findByRole("link", { name: "Sign in with Discord" });
    expect(link.getAttribute("href")).toBe("/auth/discord?next=%2Fenroll");
    expect(screen.queryByRole("heading", { name: /Dev login/ })).toBeNull();
  });

  it("explains a reason the API sent it back with", async () => {
    renderPage({ discord: false, dev_login: false }, "/signin?error=login_unavailable");
    expect((await screen.findByRole("alert")).textContent).toBe("Discord sign-in is not set up on this site.");
    expect(await screen.findByText(/not set up on this site; ask the people who run it\./)).toBeTruthy();
    expect(signInError("something_new")).toBe("Signing in with Discord didn't work (something new). Please try again.");
  });
});

describe("safeNext", () => {
  it("keeps paths on this site and refuses other origins", () => {
    expect(safeNext("/enroll?x=1")).toBe("/enroll?x=1");
    expect(safeNext("//evil.example/")).toBe("/group");
    expect(safeNext("https://evil.example/")).toBe("/group");
    expect(safeNext(null)).toBe("/group");
  });
});
