// Answers the tutor assesses, in the browser against the local stack and its
// fake model: a signed-in learner opens the module with an assessed question,
// cannot complete its section before answering, answers, reads the feedback
// (level badge, strengths, what is missing), revises, sees the earlier attempt
// folded away, and completes the section.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { checkPage, expectOk, launch, newPerson } from "./support.mjs";

const run = Date.now().toString(36).slice(-5);
const MODULE_PATH = "/course/running-discussion-groups/module/facilitator-checklist";
const SHORT = "I will ask the group a question.";
const LONG =
  "I will open with a round of names and one sentence each on why people joined. Then I will ask " +
  "which part of the reading two of them would disagree about, and if nobody answers I will count " +
  "to seven and offer a small answer of my own.";

let browser;
let person;

describe("assessed answers", () => {
  before(async () => {
    browser = await launch();
    person = await newPerson(browser, "Europe/London");
    await expectOk(
      person.context.request.post("/auth/dev-login", { data: { display_name: `Quinn ${run}`, as_admin: false } }),
    );
  });

  after(async () => {
    await browser?.close();
  });

  it("answers the question, reads the feedback, revises and completes the section", async () => {
    const { page } = person;
    await page.goto(MODULE_PATH);
    const question = page.locator(".assessed-question");
    await question.getByRole("heading", { name: "Plan your opening" }).waitFor();

    // The section's question is required: completing it first is refused, saying why.
    await page.getByRole("button", { name: "Mark section complete" }).click();
    await page.getByText(/answer the question 'Plan your opening'/).waitFor();

    await question.getByLabel("Your answer").fill(SHORT);
    await question.getByRole("button", { name: "Submit answer" }).click();
    await question.getByRole("heading", { name: "What is missing" }).waitFor();
    assert.equal(await question.locator(".badge").first().innerText(), "beginning");
    assert.match(await question.innerText(), /at least 20 words/);
    await checkPage(page, "module-assessed-question");

    await question.getByRole("button", { name: "Revise your answer" }).click();
    assert.equal(await question.getByLabel("Your answer").inputValue(), SHORT);
    await question.getByLabel("Your answer").fill(LONG);
    await question.getByRole("button", { name: "Submit revision" }).click();
    await question.getByRole("heading", { name: "Your answer (attempt 2)" }).waitFor();
    assert.equal(await question.locator(".badge").first().innerText(), "developing");
    await question.getByText("Earlier attempts (1)").click();
    await question.getByText(SHORT).waitFor();

    await page.getByRole("button", { name: "Mark section complete" }).click();
    await page.getByText("Section completed.").waitFor();
    assert.deepEqual(person.problems, []);
  });
});
