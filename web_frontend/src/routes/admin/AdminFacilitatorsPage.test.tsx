import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactNode } from "react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import type { SignupPublic } from "../../client/schema";
import { UncertifiedFacilitators } from "../../components/Admin/UncertifiedFacilitators";
import { AdminFacilitatorsPage } from "./AdminFacilitatorsPage";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const facilitator = (id: number, name: string, certified: boolean) => ({
  user_id: id, display_name: name, discord_username: null, email: null, timezone: "Europe/Berlin",
  applied_at: "2026-01-05T09:00:00Z", application_note: null,
  certified_at: certified ? "2026-01-06T09:00:00Z" : null, is_certified: certified,
  max_active_groups: 2, active_groups: 0,
});

/** An in-memory admin API over two facilitators that records the writes it receives. */
function fakeApi() {
  const people = [facilitator(4, "Abe Applicant", false), facilitator(5, "Cora Certified", true)];
  const writes: string[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    const key = `${req.method} ${path}`;
    if (key === "GET /api/users/me") return json(null, 401);
    if (key === "GET /api/admin/facilitators") return json({ facilitators: people });
    const match = /^\/api\/admin\/facilitators\/(\d+)/.exec(path);
    const person = people.find((p) => p.user_id === Number(match?.[1]));
    if (!person) return json({ error: { code: "not_found", message: "no route" } }, 404);
    const body = req.method === "PATCH" ? await req.text() : "";
    writes.push(`${key} ${body}`.trim());
    if (req.method === "PATCH") {
      person.max_active_groups = JSON.parse(body).max_active_groups as number;
    } else {
      person.is_certified = req.method === "POST";
      person.certified_at = person.is_certified ? "2026-02-01T09:00:00Z" : null;
    }
    return json(person);
  }) as typeof fetch;
  return writes;
}

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

function renderWithClient(children: ReactNode) {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>{children}</MemoryRouter>
    </QueryClientProvider>,
  );
}

const row = (name: string) => screen.getByRole("row", { name: new RegExp(name) });

describe("AdminFacilitatorsPage", () => {
  it("certifies an applicant and shows the certification", async () => {
    const writes = fakeApi();
    renderWithClient(<AdminFacilitatorsPage />);
    await screen.findByRole("row", { name: /Abe Applicant/ });
    expect(within(row("Abe Applicant")).getByText("Not certified")).toBeTruthy();

    await userEvent.setup().click(screen.getByRole("button", { name: "Certify Abe Applicant" }));

    await within(row("Abe Applicant")).findByRole("button", { name: "Withdraw certification of Abe Applicant" });
    expect(within(row("Abe Applicant")).queryByText("Not certified")).toBeNull();
    expect(writes).toEqual(["POST /api/admin/facilitators/4/certification"]);
  });

  it("saves the most groups a facilitator may lead", async () => {
    const writes = fakeApi();
    renderWithClient(<AdminFacilitatorsPage />);
    const user = userEvent.setup();
    const input = await screen.findByRole("spinbutton", { name: "Most active groups Cora Certified may lead" });

    await user.clear(input);
    await user.type(input, "4");
    await user.click(within(row("Cora Certified")).getByRole("button", { name: "Save" }));

    await screen.findByDisplayValue("4");
    expect(writes).toEqual(['PATCH /api/admin/facilitators/5 {"max_active_groups":4}']);
  });
});

describe("UncertifiedFacilitators", () => {
  const signup = (id: number, name: string, role: string, certified: boolean | null) =>
    ({ user_id: id, display_name: name, role, facilitator_certified: certified }) as SignupPublic;

  it("offers Certify only for facilitator signups that are not certified", async () => {
    const writes = fakeApi();
    renderWithClient(
      <UncertifiedFacilitators
        signups={[
          signup(4, "Abe Applicant", "facilitator", false),
          signup(5, "Cora Certified", "facilitator", true),
          signup(6, "Lena Learner", "learner", null),
        ]}
      />,
    );
    const region = screen.getByRole("region", { name: "Facilitators to certify" });
    expect(within(region).getAllByRole("button").map((b) => b.getAttribute("aria-label"))).toEqual([
      "Certify Abe Applicant",
    ]);

    await userEvent.setup().click(within(region).getByRole("button", { name: "Certify Abe Applicant" }));

    await expect.poll(() => writes).toEqual(["POST /api/admin/facilitators/4/certification"]);
  });

  it("shows nothing when every facilitator is certified", () => {
    renderWithClient(<UncertifiedFacilitators signups={[signup(5, "Cora Certified", "facilitator", true)]} />);
    expect(screen.queryByRole("region", { name: "Facilitators to certify" })).toBeNull();
  });
});
