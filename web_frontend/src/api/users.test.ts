import { afterEach, describe, expect, it } from "vitest";
import { devLoginAvailable } from "./users";

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

/** Answer every request with one response, recording what was asked. */
function answer(status: number, body: unknown) {
  const calls: string[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    calls.push(`${req.method} ${new URL(req.url).pathname}`);
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  }) as typeof fetch;
  return calls;
}

describe("devLoginAvailable", () => {
  it("asks the API's own route and believes its answer", async () => {
    const calls = answer(200, { enabled: true });
    expect(await devLoginAvailable()).toBe(true);
    expect(calls).toEqual(["GET /auth/dev-login"]);
    answer(200, { enabled: false });
    expect(await devLoginAvailable()).toBe(false);
  });

  it("says no when the API cannot answer", async () => {
    answer(404, { error: { code: "not_found", message: "Not Found" } });
    expect(await devLoginAvailable()).toBe(false);
  });
});
