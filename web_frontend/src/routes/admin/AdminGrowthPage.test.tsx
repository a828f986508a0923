import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import { AdminGrowthPage } from "./AdminGrowthPage";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

const link = (id: number, code: string, kind: string, label: string, clicks: number, signups: number) => ({
  id, code, path: `/r/${code}`, kind, label, archived: false, clicks, signups,
  conversion: clicks ? signups / clicks : null, created_at: "2026-01-01T00:00:00Z",
});
const news = link(1, "news", "campaign", "Newsletter", 40, 10);
const fresh = link(2, "fresh", "campaign", "Fresh", 0, 0);
const ana = link(3, "k7m2p9qa", "person", "Ana Lovelace", 5, 2);

/** The admin growth API for one closed cohort; records the writes it receives. */
function fakeApi() {
  const writes: string[] = [];
  let gate = { cohort_id: 4, mode: "closed", invite_code: null as string | null, code_set_at: null };
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const key = `${req.method} ${new URL(req.url).pathname}`;
    if (req.method !== "GET" && key.includes(" /api/")) writes.push(`${key} ${await req.text()}`);
    switch (key) {
      case "GET /api/users/me":
        return json(null, 401);
      case "GET /api/admin/cohorts":
        return json({ cohorts: [{ id: 4, name: "Spring", status: "open" }] });
      case "GET /api/admin/growth/campaigns":
        return json({ campaigns: [news, fresh] });
      case "GET /api/admin/growth/cohorts/4/sources":
        return json({
          cohort_id: 4, cohort_name: "Spring", signups: 12, referred: 5, with_utm: 3,
          links: [{ link: news, signups_here: 3 }, { link: ana, signups_here: 2 }, { link: fresh, signups_here: 0 }],
          utm: [{ source: "mail", medium: "email", campaign: null, signups: 3 }],
        });
      case "GET /api/admin/growth/cohorts/4/gate":
        return json(gate);
      case "PUT /api/admin/growth/cohorts/4/gate":
        gate = { ...gate, mode: "invite_only", invite_code: "K7M2P9QARS" };
        return json(gate);
      case "GET /api/admin/growth/cohorts/4/waiting-list":
        return json({
          people: [
            { user_id: 8, display_name: "Ben", role: "learner", joined_at: "2026-01-02T10:00:00Z", admitted_at: null },
            { user_id: 9, display_name: "Cy", role: "learner", joined_at: "2026-01-03T10:00:00Z", admitted_at: null },
          ],
        });
      case "POST /api/admin/growth/cohorts/4/waiting-list/admit":
        return json({ cohort_id: 4, admitted: [9], not_waiting: [] });
      case "POST /api/admin/growth/campaigns":
        return json(link(5, "talk", "campaign", "Talk", 0, 0), 201);
      case "DELETE /api/admin/growth/campaigns/2":
        return json({ status: "deleted" });
    }
    return json({ error: { code: "not_found", message: "no route" } }, 404);
  }) as typeof fetch;
  return writes;
}

function renderPage() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={["/admin/growth"]}>
        <AdminGrowthPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("AdminGrowthPage", () => {
  it("shows where the cohort's signups came from, by link and by UTM source", async () => {
    fakeApi();
    renderPage();
    const byLink = await screen.findByRole("region", { name: "Signups by link" }, { timeout: 5000 });
    const rows = within(byLink).getAllByRole("row").slice(1).map((r) => r.textContent);
    expect(rows).toEqual([
      "Newsletter /r/newsCampaign3401025%",
      "Ana Lovelace /r/k7m2p9qaPerson25240%",
      "Fresh /r/freshCampaign000—",
    ]);
    expect(screen.getByText("12 signups: 5 through a referral link, 3 with UTM parameters.")).toBeTruthy();
    const byUtm = screen.getByRole("region", { name: "Signups by UTM source" });
    expect(within(byUtm).getAllByRole("row")[1]!.textContent).toBe("mailemail—3");
  });

  it("makes the cohort invite-only and shows the code to share", async () => {
    const writes = fakeApi();
    renderPage();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("radio", { name: /Invite-only/ }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("K7M2P9QARS")).toBeTruthy();
    expect(writes).toContain('PUT /api/admin/growth/cohorts/4/gate {"mode":"invite_only","rotate":false}');
  });

  it("admits the people chosen from the waiting list", async () => {
    const writes = fakeApi();
    renderPage();
    const user = userEvent.setup();
    const admitButton = await screen.findByRole("button", { name: /Admit/ });
    expect(admitButton.hasAttribute("disabled")).toBe(true);
    await user.click(screen.getByRole("checkbox", { name: "Cy" }));
    await user.click(screen.getByRole("button", { name: "Admit 1 selected" }));
    expect(await screen.findByText("Admitted 1; each gets the welcome message.")).toBeTruthy();
    expect(writes).toContain('POST /api/admin/growth/cohorts/4/waiting-list/admit {"user_ids":[9]}');
  });

  it("creates a campaign and deletes an unused one (a used one can only be archived)", async () => {
    const writes = fakeApi();
    renderPage();
    const user = userEvent.setup();
    const campaigns = await screen.findByRole("region", { name: "Campaigns" });
    const newsRow = within(campaigns).getByRole("row", { name: /Newsletter/ });
    expect(within(newsRow).queryByRole("button", { name: "Delete" })).toBeNull();
    const freshRow = within(campaigns).getByRole("row", { name: /Fresh/ });
    await user.click(within(freshRow).getByRole("button", { name: "Delete" }));
    await user.type(screen.getByLabelText("Campaign name"), "Talk");
    await user.type(screen.getByLabelText("Link /r/"), "Talk");
    await user.click(screen.getByRole("button", { name: "Create campaign" }));
    await screen.findByRole("region", { name: "Campaigns" });
    expect(writes).toEqual([
      "DELETE /api/admin/growth/campaigns/2 ",
      'POST /api/admin/growth/campaigns {"name":"Talk","slug":"talk"}',
    ]);
  });
});
