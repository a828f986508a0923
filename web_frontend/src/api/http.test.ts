import { describe, expect, it } from "vitest";
import { ApiError, errorMessage, makeFetchWithRefresh, toApiError } from "./http";

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });

/** A tiny in-memory API: answers by path, records what it was asked. */
function fakeServer(routes: Record<string, (req: Request) => Response>) {
  const calls: string[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    calls.push(`${req.method} ${path}${req.method === "POST" && path !== "/auth/refresh" ? ` ${await req.clone().text()}` : ""}`);
    const route = routes[`${req.method} ${path}`];
    if (!route) return json(404, { error: { code: "not_found", message: "no route" } });
    return route(req);
  }) as typeof fetch;
  return { calls, fetchFn };
}

describe("toApiError", () => {
  it("uses the API's own code, message and field", async () => {
    const err = await toApiError(
      json(422, { error: { code: "invalid_timezone", message: "“Mars/Base” is not a time zone", field: "timezone" } }),
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 422, code: "invalid_timezone", field: "timezone" });
    expect(err.message).toBe("“Mars/Base” is not a time zone");
  });

  it("says when to retry after a 429", async () => {
    const err = await toApiError(
      json(429, { error: { code: "rate_limited", message: "Too many messages today." } }, { "Retry-After": "30" }),
    );
    expect(err.retryAfter).toBe(30);
    expect(err.message).toBe("Too many messages today. (You can try again in 30 s.)");
  });

  it("falls back to a plain sentence when the body is not the API's JSON", async () => {
    const err = await toApiError(new Response("<html>Bad gateway</html>", { status: 502 }));
    expect(err.code).toBe("http_502");
    expect(err.message).toBe("A service we depend on didn't answer. Please try again in a moment.");
    expect((await toApiError(new Response("", { status: 599 }))).message).toMatch(/on our side/);
  });
});

describe("fetchWithRefresh", () => {
  it("refreshes the session once on a 401 and retries the request with its body", async () => {
    let session = "expired";
    const { calls, fetchFn } = fakeServer({
      "PATCH /api/users/me": (req) =>
        session === "fresh" ? json(200, { ok: true, seen: req.headers.get("content-type") }) : json(401, {}),
      "POST /auth/refresh": () => {
        session = "fresh";
        return json(200, { status: "refreshed" });
      },
    });
    const f = makeFetchWithRefresh(fetchFn);
    const res = await f("http://app.test/api/users/me", {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ display_name: "Ada" }),
    });
    expect(res.status).toBe(200);
    expect(calls).toEqual(["PATCH /api/users/me", "POST /auth/refresh", "PATCH /api/users/me"]);
  });

  it("returns the 401 when the refresh itself fails, without looping", async () => {
    const { calls, fetchFn } = fakeServer({
      "GET /api/users/me": () => json(401, { error: { code: "unauthenticated", message: "Please sign in." } }),
      "POST /auth/refresh": () => json(401, {}),
    });
    const res = await makeFetchWithRefresh(fetchFn)("http://app.test/api/users/me");
    expect(res.status).toBe(401);
    expect(calls).toEqual(["GET /api/users/me", "POST /auth/refresh"]);
    expect((await toApiError(res)).message).toBe("Please sign in.");
  });

  it("shares one refresh between requests that fail together", async () => {
    let fresh = false;
    let refreshes = 0;
    const { fetchFn } = fakeServer({
      "GET /api/a": () => (fresh ? json(200, {}) : json(401, {})),
      "GET /api/b": () => (fresh ? json(200, {}) : json(401, {})),
      "POST /auth/refresh": () => {
        refreshes += 1;
        fresh = true;
        return json(200, {});
      },
    });
    const f = makeFetchWithRefresh(fetchFn);
    const [a, b] = await Promise.all([f("http://app.test/api/a"), f("http://app.test/api/b")]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(refreshes).toBe(1);
  });

  it("does not try to refresh for the auth routes themselves", async () => {
    const { calls, fetchFn } = fakeServer({ "POST /auth/dev-login": () => json(401, {}) });
    await makeFetchWithRefresh(fetchFn)("http://app.test/auth/dev-login", { method: "POST", body: "{}" });
    expect(calls).toEqual(["POST /auth/dev-login {}"]);
  });

  it("turns a network failure into a message about the connection", async () => {
    const f = makeFetchWithRefresh((async () => {
      throw new TypeError("Failed to fetch");
    }) as typeof fetch);
    const error = await f("http://app.test/api/x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(errorMessage(error)).toBe(
      "Can't reach Roundtable. Check your internet connection and try again.",
    );
  });
});
