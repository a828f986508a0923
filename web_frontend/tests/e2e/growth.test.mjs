// Growth in a real browser against the local stack (docs/growth.md): an admin makes a
// campaign; a visitor opens its /r/ link with a utm_source and lands on the front page,
// the click counted once; the visitor signs in and enrolls in an invite-only cohort
// with its code, and the admin's "Where signups came from" shows the signup against
// the campaign and the UTM source. The admin and settings pages are screenshotted at
// 390 and 1280 px and axe-scanned.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { checkPage, daysFromNow, expectOk, launch, newPerson } from "./support.mjs";

const run = Date.now().toString(36).slice(-5);
const slug = `e2e-${run}`;
let browser;
let admin;
let visitor;
const state = {};
const DESKTOP_CHROME =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/** Dev login in the browser context (its cookies), with the terms accepted. */
async function signIn(person, name, asAdmin) {
  await expectOk(person.context.request.post("/auth/dev-login", { data: { display_name: name, as_admin: asAdmin } }));
  await expectOk(person.context.request.patch("/api/users/me", { data: { tos_accepted: true } }));
}

describe("growth: referral links, gates and where signups came from", () => {
  before(async () => {
    browser = await launch();
    admin = await newPerson(browser);
    // Headless Chromium says "HeadlessChrome", which the bot rule leaves out: the visitor
    // is a person's desktop browser.
    visitor = await newPerson(browser, "Europe/Berlin", { userAgent: DESKTOP_CHROME });
    await signIn(admin, `Gwen ${run}`, true);
    await expectOk(admin.context.request.post("/api/admin/growth/campaigns", { data: { name: `Talk ${run}`, slug } }));
    const cohort = await expectOk(
      admin.context.request.post("/api/admin/cohorts", {
        data: { name: `Growth ${run}`, course_slug: "running-discussion-groups", start_date: daysFromNow(21) },
      }),
    );
    state.cohortId = cohort.id;
    const gate = await expectOk(
      admin.context.request.put(`/api/admin/growth/cohorts/${cohort.id}/gate`, { data: { mode: "invite_only" } }),
    );
    state.code = gate.invite_code;
  });
  after(async () => {
    await browser?.close();
  });

  it("counts a click on a campaign link once and lands the visitor on the front page", async () => {
    const { page } = visitor;
    const arrived = page.waitForResponse((r) => r.url().endsWith("/api/growth/arrivals"));
    await page.goto(`/r/${slug}?utm_source=e2e`);
    assert.deepEqual(await (await arrived).json(), { counted: true, reason: "counted", remembered: true });
    await page.waitForURL((url) => url.pathname === "/");
    const again = page.waitForResponse((r) => r.url().endsWith("/api/growth/arrivals"));
    await page.goto(`/?ref=${slug}`);
    assert.equal((await (await again).json()).reason, "repeat");
  });

  it("enrolls the visitor with the invite code, and the signup is the campaign's", async () => {
    const { page } = visitor;
    await signIn(visitor, `Vera ${run}`, false);
    await page.goto("/enroll");
    await page.getByRole("radio", { name: new RegExp(`Growth ${run}`) }).check();
    await page.getByLabel(/Invite code/).fill(state.code.toLowerCase());
    await page.getByRole("gridcell", { name: /^Monday 18:00–18:30/ }).click();
    await page.getByRole("button", { name: "Save availability and enroll" }).click();
    await page.getByRole("heading", { name: `You're enrolled in Growth ${run}` }).waitFor();
    await page.goto("/settings");
    await page.getByRole("heading", { name: "Invite a friend" }).waitFor();
    await page.getByText(/\/r\/[a-z0-9]{8}$/).waitFor();
    await checkPage(page, "settings-invite-a-friend");
  });

  it("shows the admin where the cohort's signups came from", async () => {
    const { page } = admin;
    await page.goto(`/admin/growth?cohort=${state.cohortId}`);
    const byLink = page.getByRole("region", { name: "Signups by link" });
    const row = byLink.getByRole("row", { name: new RegExp(`Talk ${run}`) });
    await row.waitFor();
    assert.match(await row.innerText(), /Campaign\s+1\s+1\s+1\s+100%/);
    const utm = page.getByRole("region", { name: "Signups by UTM source" });
    assert.match(await utm.getByRole("row").nth(1).innerText(), /^e2e/);
    await page.getByText(state.code).waitFor();
    await checkPage(page, "admin-growth");
  });
});
