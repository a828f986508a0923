// Shared helpers for the browser tests: Debian's Chromium through
// playwright-core (no downloaded browsers), screenshots at phone and desktop
// widths, and an axe-core scan that fails on serious or critical violations.
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, request } from "playwright-core";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
export const RESULTS = path.resolve(here, "../../test-results");
export const BASE_URL = process.env.E2E_BASE_URL ?? "http://127.0.0.1:8000";
const ORIGIN_SECRET = process.env.E2E_ORIGIN_SECRET ?? "";
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export const WIDTHS = [
  { name: "390", width: 390, height: 844 },
  { name: "1280", width: 1280, height: 800 },
];

/** Chromium for a test; `args` adds launch flags (e.g. a fake microphone). */
export async function launch({ args = [] } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
      ...args,
    ],
  });
}

let nextAddress = 10;

/**
 * The headers CloudFront adds in front of the API: its origin secret (when the
 * stack has one, as scripts/e2e.sh's does) and the viewer's address. Each person
 * gets their own address, standing for their own device, so per-address limits
 * (10 logins a minute) count them apart; without the secret the API ignores it.
 */
export function edgeHeaders() {
  return {
    ...(ORIGIN_SECRET ? { "x-origin-verify": ORIGIN_SECRET } : {}),
    "cloudfront-viewer-address": `198.51.100.${nextAddress++}:443`,
  };
}

/** A signed-out browser context for one person, in their own time zone. */
export async function newPerson(browser, timezoneId = "Europe/Berlin", options = {}) {
  const context = await browser.newContext({
    baseURL: BASE_URL,
    extraHTTPHeaders: edgeHeaders(),
    timezoneId,
    locale: "en-GB",
    viewport: { width: 1280, height: 800 },
    ...options,
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  return { context, page, problems };
}

/** An API client with its own cookie jar, signed in by the dev login. */
export async function apiAs(displayName, { admin = false } = {}) {
  const api = await request.newContext({ baseURL: BASE_URL, extraHTTPHeaders: edgeHeaders() });
  await expectOk(api.post("/auth/dev-login", { data: { display_name: displayName, as_admin: admin } }));
  return api;
}

export async function expectOk(responsePromise) {
  const response = await responsePromise;
  if (!response.ok()) {
    throw new Error(`${response.url()} answered ${response.status()}: ${await response.text()}`);
  }
  return response.status() === 204 ? null : response.json().catch(() => null);
}

/** Axe scan of the current page; returns serious and critical violations. */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => "axe" in window))) {
    await page.addScriptTag({ content: AXE_SOURCE });
  }
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    return await axe.run(document, { resultTypes: ["violations"] });
  });
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/**
 * Check one page as a person sees it: full-page screenshots at 390 and 1280
 * px, and an axe scan at each width. Throws on serious/critical violations.
 */
export async function checkPage(page, name) {
  mkdirSync(path.join(RESULTS, "screenshots"), { recursive: true });
  const failures = [];
  const original = page.viewportSize();
  for (const w of WIDTHS) {
    await page.setViewportSize({ width: w.width, height: w.height });
    await page.waitForTimeout(100); // let layout settle after the resize
    await page.screenshot({ path: path.join(RESULTS, "screenshots", `${name}-${w.name}.png`), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) failures.push(`${name} at ${w.name}px scrolls sideways by ${overflow}px`);
    for (const v of await axeViolations(page)) {
      failures.push(
        `${name} at ${w.name}px: ${v.impact} ${v.id} (${v.help}) on ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(" "))
          .join(", ")}`,
      );
    }
  }
  if (original) await page.setViewportSize(original);
  writeFileSync(path.join(RESULTS, `axe-${name}.txt`), failures.join("\n") || "no serious or critical violations\n");
  if (failures.length) throw new Error(`Page check failed:\n${failures.join("\n")}`);
}

/**
 * A generated person, set up through the real API with their own cookie jar
 * (and their own viewer address, see edgeHeaders): dev login, profile,
 * availability (local "HH:MM" intervals in their zone), enrollment.
 */
export async function generatePerson({ name, timezone, intervals, cohortId, role = "learner", api: given }) {
  const api =
    given ??
    (await request.newContext({ baseURL: BASE_URL, extraHTTPHeaders: edgeHeaders() }));
  await expectOk(api.post("/auth/dev-login", { data: { display_name: name, as_admin: false } }));
  await expectOk(
    api.patch("/api/users/me", {
      data: { timezone, tos_accepted: true, email: `${name.toLowerCase().replace(/\W+/g, ".")}@example.org` },
    }),
  );
  await expectOk(api.put("/api/users/me/availability", { data: { timezone, intervals } }));
  if (role === "facilitator") {
    await expectOk(api.post("/api/users/me/facilitator-application", { data: { note: "generated" } }));
  }
  await expectOk(api.post(`/api/cohorts/${cohortId}/enroll`, { data: { role } }));
  return api;
}

/** The ISO date `days` from today (UTC). */
export function daysFromNow(days) {
  return new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
}

/** Drag a finger from one point to another through Chromium's touch input (CDP). */
export async function touchDrag(page, from, to, steps = 8) {
  const cdp = await page.context().newCDPSession(page);
  const point = (x, y) => [{ x: Math.round(x), y: Math.round(y), id: 1 }];
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: point(from.x, from.y) });
  for (let i = 1; i <= steps; i++) {
    const x = from.x + ((to.x - from.x) * i) / steps;
    const y = from.y + ((to.y - from.y) * i) / steps;
    await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: point(x, y) });
  }
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await cdp.detach();
}

/** The centre of an element, in page coordinates. */
export async function centre(locator) {
  await locator.scrollIntoViewIfNeeded();
  const box = await locator.boundingBox();
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}
