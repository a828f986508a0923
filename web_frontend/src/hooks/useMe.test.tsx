import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { makeFetchWithRefresh, mayBeSignedIn } from "../api/http";
import { useMe } from "./useMe";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

const signOut = () => {
  document.cookie = "signed_in=; max-age=0; path=/";
};

function Who() {
  const { me, isPending } = useMe();
  return <p>{isPending ? "…" : me ? `Signed in as ${me.display_name}` : "Signed out"}</p>;
}

function renderWho() {
  const asked: string[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    asked.push(`${request.method} ${new URL(request.url).pathname}`);
    if (asked.at(-1) === "GET /api/users/me") return json({ id: 1, display_name: "Ada", timezone: "UTC" });
    return json({ error: { code: "unauthenticated", message: "sign in" } }, 401);
  }) as typeof fetch;
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <Who />
    </QueryClientProvider>,
  );
  return asked;
}

describe("useMe", () => {
  it("asks nothing when the browser has no session hint, so a signed-out page logs no 401", async () => {
    signOut();
    const asked = renderWho();
    expect(await screen.findByText("Signed out")).toBeTruthy();
    expect(asked).toEqual([]);
  });

  it("asks the API when the hint is there: the API, not the hint, says who is signed in", async () => {
    const asked = renderWho();
    expect(await screen.findByText("Signed in as Ada")).toBeTruthy();
    expect(asked).toEqual(["GET /api/users/me"]);
  });
});

describe("the session hint", () => {
  it("is read from the cookie string", () => {
    expect(mayBeSignedIn("theme=dark; signed_in=1")).toBe(true);
    expect(mayBeSignedIn("theme=dark; not_signed_in=1")).toBe(false);
    expect(mayBeSignedIn("")).toBe(false);
  });

  it("without it, a 401 is final: no refresh is tried", async () => {
    signOut();
    const asked: string[] = [];
    const fetchFn = (async (input: RequestInfo | URL) => {
      asked.push(new URL(String(input instanceof Request ? input.url : input)).pathname);
      return json({}, 401);
    }) as typeof fetch;
    const response = await makeFetchWithRefresh(fetchFn)("http://app.test/api/cohorts/3/enroll");
    expect(response.status).toBe(401);
    expect(asked).toEqual(["/api/cohorts/3/enroll"]);
  });
});
