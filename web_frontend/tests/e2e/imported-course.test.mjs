// A course imported from a Lens Academy vault, taken in the browser: the test
// converts tests/fixtures/lens_vault (a vault written in the predecessor's
// format) with `roundtable content import lens`, starts a second local stack
// on the converted folder (its own embedded database and port, so the other
// browser tests' stack is untouched), and a learner reads the imported module:
// its outcomes and sections, a text, an article excerpt cut by its anchors, and
// a video excerpt's transcript lines from the vault's word timings.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { checkPage, launch } from "./support.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, "../../..");
const PYTHON = process.env.PYTHON ?? path.join(REPO, ".venv/bin/python");
const VAULT = path.join(REPO, "tests/fixtures/lens_vault");
const DIST = process.env.E2E_STATIC_DIR ?? path.resolve(here, "../../dist");

let scratch;
let stack;
let baseURL;
let browser;

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function waitForHealth(url, stackProcess, seconds = 180) {
  for (let i = 0; i < seconds; i += 1) {
    if (stackProcess.exitCode !== null) throw new Error(`the imported course's stack exited (${stackProcess.exitCode})`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error("the imported course's stack did not start");
}

describe("a course imported from a Lens Academy vault", () => {
  before(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), "rt-imported-"));
    const content = path.join(scratch, "content");
    const imported = spawnSync(
      PYTHON,
      ["-c", "from roundtable_edge.cli import main; raise SystemExit(main())", "content", "import", "lens", VAULT, content],
      { cwd: REPO, encoding: "utf8" },
    );
    assert.equal(imported.status, 0, `the import failed:\n${imported.stdout}\n${imported.stderr}`);
    const port = await freePort();
    baseURL = `http://127.0.0.1:${port}`;
    const env = { ...process.env, CONTENT_DIR: content };
    delete env.DATABASE_URL;
    delete env.ORIGIN_VERIFY_SECRET;
    stack = spawn(
      PYTHON,
      ["-m", "devserver", "--port", String(port), "--data-dir", path.join(scratch, "pg"), "--static-dir", DIST,
        "--env-file", "/dev/null", "--no-schedules"],
      { cwd: REPO, env, stdio: "ignore" },
    );
    await waitForHealth(baseURL, stack);
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    if (stack && stack.exitCode === null) {
      const exited = new Promise((resolve) => stack.once("exit", resolve));
      stack.kill("SIGTERM");
      await exited;
    }
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("lists the imported modules in the course, meetings numbered", async () => {
    const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto("/course/field-notes");
    await page.getByRole("heading", { name: "Field Notes" }).first().waitFor();
    await page.getByRole("link", { name: /Observing/ }).first().waitFor();
    await page.getByRole("link", { name: /Recording/ }).first().waitFor();
    await context.close();
  });

  it("reads the imported module: text, article excerpt and video transcript", async () => {
    const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto("/course/field-notes/module/observing");
    await page.getByText("Most of what we see we never notice.").waitFor();
    const body = async () => (await page.locator("main").innerText()).replace(/\s+/g, " ");
    for (const title of ["Why look closely", "Looking slowly", "The Walk", "Test yourself"]) {
      assert.ok((await body()).includes(title), `section "${title}" is listed`);
    }
    // The sections after the first are opened from the list; the article and the
    // video are in "Looking slowly" and "The Walk".
    await page.getByRole("link", { name: /Looking slowly/ }).first().click();
    await page.getByText("Slow looking is the habit of taking time over everyday things.").waitFor();
    await page.getByRole("link", { name: /The Walk/ }).first().click();
    await page.locator("summary", { hasText: /transcript/i }).first().click();
    await page.getByText(/We stop at the old oak and look at its bark\./).first().waitFor();
    assert.ok(!(await body()).includes("Here we go."), "the excerpt starts at 0:02, not before");
    await checkPage(page, "imported-module");
    await context.close();
  });
});
