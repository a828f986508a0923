import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ContentBuild } from "../../api/staff";
import { BuildCard, ContentActions } from "./ContentOps";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
  vi.restoreAllMocks();
});

/** Answers by path as the API would; records "METHOD path body". */
function fakeApi(answers: Record<string, Response>) {
  const calls: string[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    calls.push(`${req.method} ${path} ${req.method === "POST" ? await req.text() : ""}`.trim());
    return answers[path]?.clone() ?? json({ error: { code: "not_found", message: "no" } }, 404);
  }) as typeof fetch;
  return calls;
}

const wrap = (node: ReactNode) =>
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      {node}
    </QueryClientProvider>,
  );

const built: ContentBuild = {
  version: "abcdef0123456789",
  source: "github:acme/content@main",
  status: "built",
  errors: [],
  warnings: [],
  created_at: "2026-12-01T10:00:00Z",
  activated_at: null,
  requested_by: "push to main by octo",
  activated_by: null,
};

describe("BuildCard", () => {
  it("says who asked for a build and makes an earlier version live after confirming", async () => {
    vi.spyOn(window, "confirm").mockReturnValue(true);
    const calls = fakeApi({
      "/api/admin/content/versions/abcdef0123456789/activate": json({ version: built.version, previous: "0011" }),
    });
    wrap(<BuildCard build={built} zone="UTC" live={false} />);
    expect(screen.getByText(/asked by push to main by octo/)).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Make this version live" }));
    expect((await screen.findByRole("status")).textContent).toBe("Version abcdef012345 is live.");
    expect(calls).toEqual(["POST /api/admin/content/versions/abcdef0123456789/activate"]);
  });

  it("offers nothing to activate on the live version or a failed build", () => {
    wrap(
      <>
        <BuildCard build={{ ...built, status: "active", activated_by: "Ada (rollback)", activated_at: "2026-12-02T09:00:00Z" }} zone="UTC" live />
        <BuildCard build={{ ...built, version: null, status: "failed" }} zone="UTC" live={false} />
      </>,
    );
    expect(screen.queryByRole("button", { name: "Make this version live" })).toBeNull();
    expect(screen.getByText(/by Ada \(rollback\)/)).toBeTruthy();
  });

  it("asks nothing of the API when the admin cancels", async () => {
    vi.spyOn(window, "confirm").mockReturnValue(false);
    const calls = fakeApi({});
    wrap(<BuildCard build={built} zone="UTC" live={false} />);
    await userEvent.click(screen.getByRole("button", { name: "Make this version live" }));
    expect(calls).toEqual([]);
  });
});

describe("ContentActions", () => {
  it("checks the repository without publishing and follows the build job", async () => {
    const calls = fakeApi({
      "/api/admin/content/builds": json(
        { job_id: 42, status_url: "/api/jobs/42", repository: "acme/content", ref: "main", activate: false },
        202,
      ),
      "/api/jobs/42": json({ id: 42, kind: "build_content", status: "running", attempts: 1, max_attempts: 2 }),
    });
    wrap(<ContentActions local={false} onRevalidate={() => {}} />);
    await userEvent.click(screen.getByRole("button", { name: "Check without publishing" }));
    expect((await screen.findByRole("status")).textContent).toContain("Checking main");
    expect(calls[0]).toBe('POST /api/admin/content/builds {"activate":false}');
    expect((screen.getByRole("button", { name: "Rebuild from GitHub" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows the API's refusal where no repository is configured", async () => {
    const message = "There is no content repository to build from here.";
    fakeApi({ "/api/admin/content/builds": json({ error: { code: "unavailable", message } }, 503) });
    wrap(<ContentActions local={false} onRevalidate={() => {}} />);
    await userEvent.click(screen.getByRole("button", { name: "Rebuild from GitHub" }));
    expect(await screen.findByText(message)).toBeTruthy();
  });

  it("on the local stack validates the folder again instead of building", async () => {
    const revalidate = vi.fn();
    wrap(<ContentActions local onRevalidate={revalidate} />);
    expect(screen.queryByRole("button", { name: "Rebuild from GitHub" })).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: "Validate again" }));
    expect(revalidate).toHaveBeenCalledOnce();
  });
});
