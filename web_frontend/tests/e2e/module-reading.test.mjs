// The learner's page of issue 17 in a real browser against the local stack (the
// sample course in content/, the fake model): a recall chat (learner_sees_previous:
// false) takes the reading above it off the page while the learner answers from
// memory and gives it back once they have answered; an article excerpt opens what
// comes before and after it and the article's headings with its place marked; a
// video offers to resume where the learner stopped. YouTube cannot load offline, so
// the player is not driven here: the position is saved through the API (as the
// player does) and the page is checked to start the embed there; saving while
// playing is covered by VideoExcerpt.test.tsx.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { checkPage, expectOk, launch, newPerson } from "./support.mjs";

const COURSE = "/course/running-discussion-groups";
const READING = /count slowly to seven in your head/i; // the good-questions article's last words
const SILENCE_TEXT = "Even a well-made question is sometimes met with silence.";
let browser;
let person;

before(async () => {
  browser = await launch();
  person = await newPerson(browser);
  // Offline: YouTube's embed and script fail fast instead of waiting on the network.
  await person.context.route(/youtube(-nocookie)?\.com/, (route) => route.abort());
});

after(async () => {
  await browser?.close();
});

describe("the learner's page", () => {
  it("hides the reading while the learner answers a recall chat from memory", async () => {
    const { page, problems } = person;
    await page.goto(`${COURSE}/module/good-questions?section=2`);
    await page.getByText(SILENCE_TEXT).waitFor();
    assert.equal(await page.getByRole("textbox", { name: "Message to the tutor" }).count(), 0, "the chat waits");

    await page.getByRole("button", { name: "Start the exercise" }).click();

    await page.getByText("The reading above this exercise is hidden while you answer from memory.").waitFor();
    assert.equal(await page.getByText(SILENCE_TEXT).count(), 0, "the reading is off the page");
    const again = page.getByRole("button", { name: "Show the reading again" });
    assert.ok(await again.isDisabled(), "not before an answer");
    await checkPage(page, "module-recall-hidden");

    await page.getByRole("textbox", { name: "Message to the tutor" }).fill("I would wait, then offer a small answer of my own.");
    await page.getByRole("button", { name: "Send" }).click();
    await page.locator(".chat-message.assistant").first().waitFor();
    await again.click(); // enabled once the answer is saved (Playwright waits for it)
    await page.getByText(SILENCE_TEXT).waitFor();
    assert.deepEqual(problems, []);
  });

  it("opens an article excerpt's context and the article's contents", async () => {
    const { page } = person;
    await page.goto(`${COURSE}/module/good-questions?section=1`);
    await page.getByText(/sounds open, but it asks each person/).waitFor();
    assert.equal(await page.getByText("It is tempting to blame the group").count(), 0);

    await page.getByRole("button", { name: "Show what comes before" }).click();
    await page.getByRole("region", { name: "What comes before the excerpt" }).getByText(/It is tempting to blame the group/).waitFor();
    await page.getByRole("button", { name: "Show what comes after" }).click();
    await page.getByText(/Compare "What did you think of the chapter on deadlines\?"/).waitFor();
    assert.equal(await page.getByText(READING).count(), 0, "the context is bounded: not the whole article");

    await page.getByText("In this article").click();
    const here = page.locator(".article-toc li[aria-current='location']");
    assert.deepEqual(
      (await here.allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim()),
      ["What makes a question hard to answer this excerpt", "Questions with more than one good answer this excerpt"],
    );
    await checkPage(page, "module-article-context");
  });

  it("offers to resume a video where the learner stopped", async () => {
    const { page } = person;
    await expectOk(
      page.request.post("/api/progress/video-position", {
        data: { module_slug: "balancing-the-room", segment_id: "balancing-the-room.three-moves.video", position_s: 100.4 },
      }),
    );
    await page.goto(`${COURSE}/module/balancing-the-room`);
    await page.getByText("You stopped at 1:40.").waitFor();
    const frame = page.getByTitle(/^Video: When a few voices dominate/);
    assert.equal(new URL(await frame.getAttribute("src")).searchParams.get("start"), "100");

    await page.getByRole("button", { name: "Start from the beginning" }).click();
    assert.equal(new URL(await frame.getAttribute("src")).searchParams.get("start"), "60");
    await checkPage(page, "module-video-resume");
  });
});
