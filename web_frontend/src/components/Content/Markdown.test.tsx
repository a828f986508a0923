import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./Markdown";

describe("renderMarkdown", () => {
  it("renders the tutor's markdown", () => {
    expect(renderMarkdown("**Open** questions:\n\n- why\n- how")).toBe(
      "<p><strong>Open</strong> questions:</p>\n<ul>\n<li>why</li>\n<li>how</li>\n</ul>\n",
    );
  });

  it("removes scripts and event handlers from content and replies", () => {
    const html = renderMarkdown('<img src="x" onerror="alert(1)"><script>alert(2)</script>[a](javascript:alert(3))');
    expect(html).not.toMatch(/onerror|<script|javascript:/);
  });
});
