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

describe("renderMarkdown with headingsFrom", () => {
  it("starts the headings at the given level and closes the gaps between them", () => {
    const html = renderMarkdown("#### Three things\n\ntext\n\n###### A detail\n\n#### Another", 3);
    expect(html).toBe("<h3>Three things</h3>\n<p>text</p>\n<h4>A detail</h4>\n<h3>Another</h3>\n");
  });

  it("never goes past h6, and leaves the levels as written without it", () => {
    expect(renderMarkdown("# One\n\n## Two", 6)).toBe("<h6>One</h6>\n<h6>Two</h6>\n");
    expect(renderMarkdown("#### As written")).toBe("<h4>As written</h4>\n");
  });

  it("renumbers headings inside quotes and lists too", () => {
    expect(renderMarkdown("> ## Quoted", 4)).toBe("<blockquote>\n<h4>Quoted</h4>\n</blockquote>\n");
  });
});
