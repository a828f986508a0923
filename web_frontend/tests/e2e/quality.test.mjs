// Quality bars of issue 19 in real Chromium, on the built SPA against the local stack:
// every page of the journey — signed out, learner, facilitator, admin — is
// screenshotted at phone (390×844) and desktop width, must not scroll sideways,
// and has no serious or critical axe-core violation, in light and dark mode;
// Lighthouse runs on the landing, course and module pages (mobile, simulated
// throttling) and must score accessibility ≥ 95 and performance ≥ 90.
// The people come from the API as in the journey (support.mjs): an admin
// creates a cohort, learners and a facilitator sign up, the admin certifies
// the facilitator, schedules and publishes, so group pages have a group.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  BASE_URL,
  RESULTS,
  apiAs,
  axeViolations,
  checkPage,
  daysFromNow,
  edgeHeaders,
  expectOk,
  generatePerson,
  launch,
  newPerson,
} from "./support.mjs";
import { startCompressingProxy } from "./compressing-proxy.mjs";

const COURSE = "running-discussion-groups";
const MODULE = "why-discuss";
const run = Date.now().toString(36).slice(-5);
const THRESHOLDS = { accessibility: 95, performance: 90 };
const RUNS = 3;
const NAMES = { admin: `Quinn ${run}`, learner: `Lena ${run}`, facilitator: `Farah ${run}` };
const DEBUG_PORT = 9300 + Math.floor(Math.random() * 500);

let browser;
const people = {}; // who -> { context, page }
const world = {}; // ids the pages need

/** Follow a job until it finishes; fail with its error if it fails for good. */
async function finished(api, jobId) {
  for (let i = 0; i < 240; i++) {
    const job = await expectOk(api.get(`/api/jobs/${jobId}`));
    if (job.status === "succeeded") return job;
    if (job.status === "failed" && job.attempts >= job.max_attempts) throw new Error(`job ${jobId} failed: ${job.error}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`job ${jobId} did not finish in 2 minutes`);
}

/** A cohort scheduled and published through the API, and the people in it. */
async function buildWorld() {
  const admin = await apiAs(NAMES.admin, { admin: true });
  await expectOk(admin.patch("/api/users/me", { data: { tos_accepted: true, timezone: "Europe/London" } }));
  const cohort = await expectOk(
    admin.post("/api/admin/cohorts", {
      data: {
        name: `Quality ${run}`,
        course_slug: COURSE,
        start_date: daysFromNow(21),
        anchor_timezone: "Europe/London",
        min_group_size: 3,
        target_group_size: 4,
        max_group_size: 6,
      },
    }),
  );
  world.cohortId = cohort.id;
  const monday = (start, end) => [{ weekday: 0, start, end, kind: "available" }];
  const learners = [
    ["Europe/Berlin", "16:00", "22:00"],
    ["America/New_York", "10:00", "16:00"],
    ["Asia/Kolkata", "20:30", "24:00"],
    ["Europe/London", "15:00", "21:00"],
  ];
  const apis = [];
  for (const [i, [timezone, start, end]] of learners.entries()) {
    apis.push(
      await generatePerson({ name: i ? `Lena ${i + 1} ${run}` : NAMES.learner, timezone, intervals: monday(start, end), cohortId: cohort.id }),
    );
  }
  const facilitator = await generatePerson({
    name: NAMES.facilitator,
    timezone: "Europe/London",
    intervals: monday("15:00", "21:00"),
    cohortId: cohort.id,
    role: "facilitator",
  });
  const facilitatorMe = await expectOk(facilitator.get("/api/users/me"));
  await expectOk(admin.post(`/api/admin/facilitators/${facilitatorMe.id}/certification`));
  const scheduling = await expectOk(admin.post(`/api/admin/cohorts/${cohort.id}/schedule`, { data: {} }));
  await finished(admin, scheduling.job_id);
  const publishing = await expectOk(admin.post(`/api/admin/cohorts/${cohort.id}/publish`));
  await finished(admin, publishing.job_id);

  const learnerMe = await expectOk(apis[0].get("/api/users/me"));
  world.learnerId = learnerMe.id;
  const { groups } = await expectOk(facilitator.get("/api/facilitator/groups"));
  assert.ok(groups.length > 0, "the facilitator has a published group");
  world.groupId = groups[0].id;
  const { members } = await expectOk(facilitator.get(`/api/facilitator/groups/${world.groupId}/members`));
  world.memberId = members.map((m) => m.user_id).find((id) => id !== facilitatorMe.id) ?? learnerMe.id;
  // Some progress, so the course and facilitator pages show it.
  const module = await expectOk(apis[0].get(`/api/modules/${MODULE}`));
  const firstSection = module.outcomes[0].sections[0].id;
  await expectOk(apis[0].post("/api/progress/complete", { data: { module_slug: MODULE, section_id: firstSection } }));

  return { admin, learner: apis[0], facilitator, others: apis.slice(1) };
}

/** A browser context signed in (dev login, which finds people by name) as a person of the world. */
async function browserAs(name, timezone, admin = false) {
  const person = await newPerson(browser, timezone);
  await expectOk(person.context.request.post("/auth/dev-login", { data: { display_name: name, as_admin: admin } }));
  return person;
}

/** Open a page and wait until it has its heading and nothing is loading. */
async function open(page, url) {
  await page.goto(url);
  await page.locator("main h1").first().waitFor();
  await page.locator(".loading").first().waitFor({ state: "detached" }).catch(() => {});
  await page.waitForLoadState("networkidle").catch(() => {});
}

// Pages whose first screen goes into the README (docs/screenshots/), at phone and desktop size.
const README_SHOTS = { landing: true, "my-group": true, module: true, "admin-cohort": true };

/** The first screen only (no full page), small enough for the README. */
async function readmeShots(page, name) {
  for (const [width, height] of [[390, 844], [1280, 800]]) {
    await page.setViewportSize({ width, height });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(RESULTS, `readme-${name}-${width}.png`) });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** checkPage (screenshots at 390×844 and 1280 px, sideways scroll, axe), then axe in dark mode too. */
async function checkBothSchemes(page, name) {
  await checkPage(page, `quality-${name}`);
  await page.emulateMedia({ colorScheme: "dark" });
  try {
    const dark = await axeViolations(page);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(RESULTS, "screenshots", `quality-${name}-390-dark.png`), fullPage: true });
    assert.deepEqual(
      dark.map((v) => `${v.impact} ${v.id} on ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`),
      [],
      `${name} in dark mode`,
    );
  } finally {
    await page.emulateMedia({ colorScheme: "light" });
    await page.setViewportSize({ width: 1280, height: 800 });
  }
}

const PAGES = {
  visitor: [
    ["landing", "/"],
    ["course-visitor", `/course/${COURSE}`],
    ["module-visitor", `/course/${COURSE}/module/${MODULE}`],
    ["signin", "/signin"],
    ["privacy", "/privacy"],
    ["terms", "/terms"],
    ["not-found", "/no-such-page"],
  ],
  learner: [
    ["profile", "/profile"],
    ["enroll", "/enroll"],
    ["availability", "/availability"],
    ["my-group", "/group"],
    ["settings", "/settings"],
    ["course", `/course/${COURSE}`],
    ["module", `/course/${COURSE}/module/${MODULE}`],
  ],
  facilitator: [
    ["facilitator-groups", "/facilitator"],
    ["facilitator-group", () => `/facilitator/groups/${world.groupId}`],
    ["facilitator-member", () => `/facilitator/groups/${world.groupId}/members/${world.memberId}`],
  ],
  admin: [
    ["admin-cohorts", "/admin"],
    ["admin-cohort", () => `/admin/cohorts/${world.cohortId}`],
    ["admin-facilitators", "/admin/facilitators"],
    ["admin-jobs", "/admin/jobs"],
    ["admin-content", "/admin/content"],
    ["admin-outbox", "/admin/outbox"],
    ["admin-people", "/admin/people"],
    ["admin-person", () => `/admin/people/${world.learnerId}`],
  ],
};

before(async () => {
  browser = await launch();
});

after(async () => {
  for (const { context } of Object.values(people)) await context.close().catch(() => {});
  await browser?.close();
});

describe("quality bars: every page passes axe, fits a phone, in light and dark", () => {
  before(async () => {
    const apis = await buildWorld();
    people.visitor = await newPerson(browser, "Europe/Berlin");
    people.learner = await browserAs(NAMES.learner, "Europe/Berlin");
    people.facilitator = await browserAs(NAMES.facilitator, "Europe/London");
    people.admin = await browserAs(NAMES.admin, "Europe/London", true);
    for (const api of [apis.admin, apis.learner, apis.facilitator, ...apis.others]) await api.dispose();
  });

  for (const [who, pages] of Object.entries(PAGES)) {
    for (const [name, url] of pages) {
      it(`${who}: ${name}`, async () => {
        const { page, problems } = people[who];
        await open(page, typeof url === "function" ? url() : url);
        if (who !== "visitor") assert.doesNotMatch(page.url(), /\/signin/, `${who} was sent to sign in from ${name}`);
        await checkBothSchemes(page, name);
        if (README_SHOTS[name]) await readmeShots(page, name);
        assert.deepEqual(problems, [], `page errors on ${name}`);
      });
    }
  }
});

describe("Lighthouse on the landing, course and module pages", () => {
  let lighthouse;
  let lhBrowser;
  let proxy;

  before(async () => {
    ({ default: lighthouse } = await import("lighthouse"));
    // Lighthouse drives its own Chromium (the same Debian build) through the debugging port.
    const { chromium } = await import("playwright-core");
    lhBrowser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", `--remote-debugging-port=${DEBUG_PORT}`, "--no-first-run"],
    });
    // CloudFront compresses what it serves; the local stack does not, so a proxy does it here.
    proxy = await startCompressingProxy(BASE_URL);
  });

  after(async () => {
    await lhBrowser?.close();
    await proxy?.close();
  });

  const scores = {};
  for (const [name, url] of [
    ["landing", "/"],
    ["course", `/course/${COURSE}`],
    ["module", `/course/${COURSE}/module/${MODULE}`],
  ]) {
    it(`${name}: accessibility ≥ ${THRESHOLDS.accessibility}, performance ≥ ${THRESHOLDS.performance}`, async () => {
      // Scores vary from run to run (more so on a busy machine): Lighthouse's own advice
      // is the median of several runs, so each page runs RUNS times and the median run counts.
      const runs = [];
      for (let i = 0; i < RUNS; i++) {
        runs.push(
          await lighthouse(`${proxy.url}${url}`, {
            port: DEBUG_PORT,
            output: "html",
            logLevel: "error",
            onlyCategories: ["accessibility", "performance"],
            extraHeaders: edgeHeaders(),
          }),
        );
      }
      runs.sort((a, b) => a.lhr.categories.performance.score - b.lhr.categories.performance.score);
      const result = runs[Math.floor(RUNS / 2)];
      const { categories, audits } = result.lhr;
      const score = (c) => Math.round(categories[c].score * 100);
      scores[name] = {
        accessibility: score("accessibility"),
        performance: score("performance"),
        performance_runs: runs.map((r) => Math.round(r.lhr.categories.performance.score * 100)),
      };
      const metrics = ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift"]
        .map((m) => `${m} ${audits[m].displayValue}`)
        .join(", ");
      console.log(
        `lighthouse ${name}: accessibility ${scores[name].accessibility}, performance ${scores[name].performance} ` +
          `(median of ${scores[name].performance_runs.join(", ")}; ${metrics})`,
      );
      mkdirSync(RESULTS, { recursive: true });
      writeFileSync(path.join(RESULTS, `lighthouse-${name}.html`), result.report);
      const failing = Object.values(audits)
        .filter((a) => a.score !== null && a.score < 1 && a.details?.type !== "opportunity" && categories.accessibility.auditRefs.some((r) => r.id === a.id))
        .map((a) => a.id);
      assert.ok(scores[name].accessibility >= THRESHOLDS.accessibility, `${name} accessibility ${scores[name].accessibility}: ${failing.join(", ")}`);
      assert.ok(scores[name].performance >= THRESHOLDS.performance, `${name} performance ${scores[name].performance}: ${metrics}`);
    });
  }

  after(() => {
    writeFileSync(path.join(RESULTS, "lighthouse-scores.json"), JSON.stringify(scores, null, 2));
  });
});
