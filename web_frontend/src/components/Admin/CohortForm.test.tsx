import { QueryClient, QueryClientProvider, useMutation } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { createCohort } from "../../api/staff";
import type { CohortCreate } from "../../client/schema";
import { CohortForm, emptyCohort } from "./CohortForm";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

const courses = [
  { slug: "running-discussion-groups", title: "Running discussion groups", description: "" },
  { slug: "ai-governance", title: "AI governance", description: "" },
];

function Create({ initial }: { initial: CohortCreate }) {
  const mutation = useMutation({ mutationFn: createCohort });
  return <CohortForm initial={initial} submitLabel="Create cohort" mutation={mutation} />;
}

function renderForm(initial: CohortCreate, refusal?: { message: string; field: string }) {
  const sent: unknown[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    if (path === "/api/courses") return json({ courses });
    if (path === "/api/admin/cohorts") {
      sent.push(await request.json());
      return refusal
        ? json({ error: { code: "invalid_request", ...refusal } }, 422)
        : json({ ...(sent[0] as object), id: 4, created_at: "2026-03-01T00:00:00Z" }, 201);
    }
    return json({ error: { code: "not_found", message: "no route" } }, 404);
  }) as typeof fetch;
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <Create initial={initial} />
    </QueryClientProvider>,
  );
  return sent;
}

describe("CohortForm", () => {
  it("offers the content's courses in a select, not a free-text slug", async () => {
    const sent = renderForm({ ...emptyCohort(), name: "Spring" });
    const select = (await screen.findByRole("combobox", { name: "Course" })) as HTMLSelectElement;
    await screen.findByRole("option", { name: "AI governance" });
    expect([...select.options].map((o) => o.textContent)).toEqual([
      "Choose a course…",
      "Running discussion groups",
      "AI governance",
    ]);
    expect(screen.queryByRole("textbox", { name: "Course" })).toBeNull();
    await userEvent.selectOptions(select, "ai-governance");
    await userEvent.click(screen.getByRole("button", { name: "Create cohort" }));
    await screen.findByText("Saved.");
    expect((sent[0] as CohortCreate).course_slug).toBe("ai-governance");
  });

  it("sends Discord reminders as DMs unless one group post is chosen", async () => {
    const sent = renderForm({ ...emptyCohort(), name: "Spring", course_slug: "ai-governance" });
    const choice = screen.getByRole("combobox", { name: "Discord reminders" }) as HTMLSelectElement;
    expect(choice.value).toBe("dm");
    await userEvent.selectOptions(choice, "group_post");
    await userEvent.click(screen.getByRole("button", { name: "Create cohort" }));
    await screen.findByText("Saved.");
    expect((sent[0] as CohortCreate).discord_reminders).toBe("group_post");
  });

  it("keeps a course the content lost, marked, and shows the API's refusal under the field", async () => {
    const message = "there is no course 'old' in the course content (courses: ai-governance, running-discussion-groups)";
    renderForm({ ...emptyCohort(), name: "Spring", course_slug: "old" }, { message, field: "course_slug" });
    const select = (await screen.findByRole("combobox", { name: "Course" })) as HTMLSelectElement;
    await screen.findByRole("option", { name: "old (not in the content any more)" });
    expect(select.value).toBe("old");
    await userEvent.click(screen.getByRole("button", { name: "Create cohort" }));
    expect(await screen.findByText(message)).toBeTruthy();
    expect(select.getAttribute("aria-invalid")).toBe("true");
  });
});
