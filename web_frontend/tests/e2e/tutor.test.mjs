// The tutor chat in a real browser against the local stack (the fake model):
// a signed-in learner opens a module, sends a message and watches the reply
// stream in (it grows on screen before it is done), the "messages left today"
// counter goes down without a reload, and a message is dictated: Chromium's
// fake microphone plays a synthetic tone from a WAV file, the recording goes
// to POST /api/tutor/transcriptions (the fake's speech to text) and the words
// land in the message box, unsent.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { checkPage, expectOk, launch, newPerson } from "./support.mjs";

const MODULE_PAGE = "/course/running-discussion-groups/module/why-discuss";
// What devserver/fake_llm.py's speech to text answers for any audio (FAKE_TRANSCRIPT).
const FAKE_TRANSCRIPT = "What is the strongest objection to this argument?";

/** A mono 16-bit PCM WAV of a sine tone. */
function sineWav({ seconds = 3, hz = 440, rate = 16_000 } = {}) {
  const samples = Math.round(seconds * rate);
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write("RIFF", 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write("WAVEfmt ", 8);
  wav.writeUInt32LE(16, 16); // fmt chunk size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28); // bytes per second
  wav.writeUInt16LE(2, 32); // bytes per frame
  wav.writeUInt16LE(16, 34); // bits per sample
  wav.write("data", 36);
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) {
    wav.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * 0.5 * 32767), 44 + i * 2);
  }
  return wav;
}

const scratch = mkdtempSync(path.join(tmpdir(), "roundtable-tutor-e2e-"));
const wavPath = path.join(scratch, "tone.wav");
let browser;
let person;

before(async () => {
  writeFileSync(wavPath, sineWav());
  browser = await launch({
    args: [
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${wavPath}`,
    ],
  });
  person = await newPerson(browser, "Europe/Berlin", { permissions: ["microphone"] });
  const api = person.context.request; // shares the page's cookies
  const name = `Tess ${Date.now().toString(36).slice(-5)}`;
  await expectOk(api.post("/auth/dev-login", { data: { display_name: name, as_admin: false } }));
  await expectOk(
    api.patch("/api/users/me", {
      data: { timezone: "Europe/Berlin", tos_accepted: true, email: `${name.toLowerCase().replace(/\W+/g, ".")}@example.org` },
    }),
  );
});

after(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** The number in "N of M messages left today". */
async function messagesLeft(chat) {
  const text = await chat.getByText(/messages left today/).innerText();
  return Number(/(\d+) of \d+ messages left today/.exec(text)[1]);
}

describe("the tutor chat", () => {
  it("streams a reply as it is written and counts the message", async (t) => {
    const { page, problems } = person;
    await page.goto(MODULE_PAGE);
    const chat = page.locator(".chat").first();
    await chat.getByLabel("Message to the tutor").waitFor();
    const before = await messagesLeft(chat);
    // Record, in the page, the reply's length at every change until the stream ends.
    await page.evaluate(() => {
      const log = document.querySelector(".chat-log");
      window.__replyLengths = [];
      new MutationObserver(() => {
        const replies = log.querySelectorAll(".chat-message.assistant");
        const last = replies[replies.length - 1];
        const text = last?.textContent ?? "";
        if (log.getAttribute("aria-busy") === "true" && !/thinking/.test(text)) window.__replyLengths.push(text.length);
      }).observe(log, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await chat.getByLabel("Message to the tutor").fill("What makes a question open rather than closed?");
    await chat.getByRole("button", { name: "Send" }).click();
    await page.waitForFunction(() => document.querySelector(".chat-log")?.getAttribute("aria-busy") === "true");
    await page.waitForFunction(() => document.querySelector(".chat-log")?.getAttribute("aria-busy") === "false");
    const reply = (await chat.locator(".chat-message.assistant").last().innerText()).trim();
    assert.match(reply, /You said: "What makes a question open rather than closed\?"/);
    assert.equal(await chat.getByRole("alert").count(), 0, await chat.innerText());
    // The text grew on screen while streaming: at least two partial lengths, rising, below the whole.
    const [lengths, whole] = await page.evaluate(() => {
      const replies = document.querySelectorAll(".chat-log .chat-message.assistant");
      return [window.__replyLengths, replies[replies.length - 1].textContent.length];
    });
    const partial = [...new Set(lengths)].filter((n) => n > "Tutor said:".length && n < whole);
    t.diagnostic(`reply lengths seen while streaming: ${partial.length} distinct, whole ${whole}`);
    assert.ok(partial.length >= 2, `the reply grew while streaming: ${JSON.stringify(lengths)}`);
    assert.ok(partial.every((n, i) => i === 0 || n > partial[i - 1]), `it only grew: ${JSON.stringify(partial)}`);
    // The counter went down, without a reload.
    await page.waitForFunction(
      (expected) => document.querySelector(".chat-quota")?.textContent?.startsWith(`${expected} of`),
      before - 1,
    );
    assert.equal(await messagesLeft(chat), before - 1);
    assert.deepEqual(problems, []);
  });

  it("puts dictated words into the message box to edit, without sending them", async () => {
    const { page, problems } = person;
    const chat = page.locator(".chat").first();
    const box = chat.getByLabel("Message to the tutor");
    const sent = [];
    page.on("request", (r) => {
      if (r.method() === "POST" && /\/api\/tutor\/[^/]+\/(stream|messages)$/.test(r.url())) sent.push(r.url());
    });
    const dictate = chat.getByRole("button", { name: "Dictate" });
    await dictate.click();
    await chat.getByRole("button", { name: "Dictate", pressed: true }).waitFor();
    await chat.getByText(/0:0\d \/ 2:00/).waitFor();
    await page.waitForTimeout(2_000); // two seconds of the fake microphone's tone
    const upload = page.waitForRequest((r) => r.url().endsWith("/api/tutor/transcriptions"));
    await dictate.click();
    const request = await upload;
    assert.match(request.headers()["content-type"], /^audio\//);
    assert.match(request.headers()["x-amz-content-sha256"], /^[0-9a-f]{64}$/);
    // The words, or the reason there are none.
    await page.waitForFunction(
      () => document.querySelector(".chat textarea")?.value || document.querySelector(".chat [role=alert]"),
    );
    assert.equal(await chat.getByRole("alert").count(), 0, await chat.innerText());
    assert.equal(await box.inputValue(), FAKE_TRANSCRIPT);
    assert.equal(await chat.getByRole("button", { name: "Dictate", pressed: false }).count(), 1);
    assert.deepEqual(sent, [], "dictation never sends the message by itself");
    await checkPage(page, "module-tutor-dictation");
    assert.deepEqual(problems, []);
  });
});
