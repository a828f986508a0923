import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ArticleSegment } from "../../api/types";
import { ArticleExcerpt } from "./ArticleExcerpt";

const excerpt = (overrides: Partial<ArticleSegment> = {}): ArticleSegment => ({
  kind: "article",
  id: "gq.excerpt",
  optional: false,
  markdown: "The excerpt itself.",
  article: { slug: "q", title: "The question", author: "Jo", source_url: "https://example.org/q" },
  context_before: "The paragraph before.",
  context_after: "The paragraph after.",
  toc: [
    { level: 2, text: "Opening moves", contains_excerpt: false },
    { level: 2, text: "Good questions", contains_excerpt: true },
    { level: 3, text: "A detail", contains_excerpt: false },
  ],
  ...overrides,
});

describe("ArticleExcerpt", () => {
  it("shows the paragraphs around the excerpt only when asked, and hides them again", async () => {
    render(<ArticleExcerpt segment={excerpt()} />);
    expect(screen.getByText("The excerpt itself.")).toBeTruthy();
    expect(screen.queryByText("The paragraph before.")).toBeNull();
    expect(screen.queryByText("The paragraph after.")).toBeNull();

    const before = screen.getByRole("button", { name: "Show what comes before" });
    await userEvent.click(before);
    expect(within(screen.getByRole("region", { name: "What comes before the excerpt" })).getByText("The paragraph before.")).toBeTruthy();
    expect(before.getAttribute("aria-expanded")).toBe("true");
    expect(screen.queryByText("The paragraph after.")).toBeNull();

    await userEvent.click(screen.getByRole("button", { name: "Show what comes after" }));
    expect(screen.getByText("The paragraph after.")).toBeTruthy();

    await userEvent.click(screen.getByRole("button", { name: "Hide what comes before" }));
    expect(screen.queryByText("The paragraph before.")).toBeNull();
  });

  it("lists the article's headings and marks where the excerpt sits", () => {
    render(<ArticleExcerpt segment={excerpt()} />);
    const contents = screen.getByText("In this article").closest("details")!;
    const items = within(contents).getAllByRole("listitem");

    expect(items.map((li) => li.textContent)).toEqual(["Opening moves", "Good questions this excerpt", "A detail"]);
    expect(items.map((li) => li.getAttribute("aria-current"))).toEqual([null, "location", null]);
    expect(items[2]!.style.paddingInlineStart).toBe("1rem"); // a level-3 heading under a level 2
  });

  it("says when the excerpt comes before the article's first heading", () => {
    render(<ArticleExcerpt segment={excerpt({ toc: [{ level: 1, text: "Later", contains_excerpt: false }] })} />);
    expect(screen.getByText("This excerpt is from the article's opening, before its first heading.")).toBeTruthy();
  });

  it("offers nothing it does not have: no toggles at the article's ends, no contents without headings", () => {
    render(<ArticleExcerpt segment={excerpt({ context_before: "", context_after: "", toc: [] })} />);
    expect(screen.queryByRole("button")).toBeNull();
    expect(screen.queryByText("In this article")).toBeNull();
  });
});
