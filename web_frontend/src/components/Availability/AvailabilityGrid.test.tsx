import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { emptyWeek, weekToBlocks, type CellState } from "../../lib/availability";
import { AvailabilityGrid } from "./AvailabilityGrid";
import { AvailabilitySummary } from "./AvailabilitySummary";
import { TypedAvailability } from "./TypedAvailability";

let latest: CellState[][] = emptyWeek();

function Harness({ initial = emptyWeek(), zone = "Europe/Berlin" }) {
  const [week, setWeek] = useState(initial);
  latest = week;
  return (
    <>
      <AvailabilityGrid value={week} onChange={setWeek} timeZone={zone} />
      <TypedAvailability value={week} onChange={setWeek} />
      <AvailabilitySummary value={week} timeZone={zone} reference={new Date("2025-01-15T12:00:00Z")} />
    </>
  );
}

const cell = (name: string) => screen.getByRole("gridcell", { name: new RegExp(`^${name}`) });

describe("AvailabilityGrid", () => {
  it("is an ARIA grid whose cells name their day, time and state", () => {
    render(<Harness />);
    const grid = screen.getByRole("grid", { name: "Weekly availability, times in Europe/Berlin" });
    expect(within(grid).getAllByRole("columnheader").map((h) => h.textContent)).toEqual([
      "Time", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
    ]);
    const monday6pm = cell("Monday 18:00–18:30");
    expect(monday6pm.getAttribute("aria-label")).toBe("Monday 18:00–18:30, not available");
    expect(monday6pm.getAttribute("aria-selected")).toBe("false");
    // Roving tab index: exactly one cell is in the tab order.
    expect(grid.querySelectorAll('[tabindex="0"]')).toHaveLength(1);
  });

  it("moves with the arrow keys and marks with Space and Enter", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(screen.getByRole("radio", { name: "Available" }));
    await user.tab(); // from the mode switch to the help toggle
    await user.tab(); // into the grid, on Monday 18:00
    expect(document.activeElement).toBe(cell("Monday 18:00–18:30"));
    await user.keyboard("{ArrowRight}{ArrowDown}");
    expect(document.activeElement).toBe(cell("Tuesday 18:30–19:00"));
    await user.keyboard(" ");
    expect(cell("Tuesday 18:30–19:00").getAttribute("aria-label")).toBe(
      "Tuesday 18:30–19:00, available",
    );
    expect(cell("Tuesday 18:30–19:00").getAttribute("aria-selected")).toBe("true");
    await user.keyboard("{Enter}");
    expect(cell("Tuesday 18:30–19:00").getAttribute("aria-selected")).toBe("false");
    // The change is announced in a live region for screen readers.
    expect(screen.getAllByRole("status").map((s) => s.textContent)).toContain(
      "Tuesday 18:30–19:00, not available",
    );
  });

  it("paints while moving with Shift + arrow, giving whole intervals", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(cell("Wednesday 18:00–18:30"));
    await user.keyboard("{Shift>}{ArrowDown}{ArrowDown}{ArrowDown}{/Shift}");
    expect(weekToBlocks(latest)).toEqual([
      { weekday: 2, start_minute: 1080, end_minute: 1200, kind: "available" },
    ]);
  });

  it("marks 'if needed' after switching mode with M, and says so", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(cell("Friday 09:00–09:30")); // available
    await user.keyboard("m");
    expect(screen.getByRole("radio", { name: "If needed" })).toHaveProperty("checked", true);
    await user.keyboard("{ArrowDown} ");
    expect(cell("Friday 09:30–10:00").getAttribute("aria-label")).toBe(
      "Friday 09:30–10:00, if needed",
    );
    expect(weekToBlocks(latest).map((b) => b.kind)).toEqual(["available", "if_needed"]);
    // Space on an "available" cell in if-needed mode turns it into "if needed".
    await user.keyboard("{ArrowUp} ");
    expect(weekToBlocks(latest)).toEqual([
      { weekday: 4, start_minute: 540, end_minute: 600, kind: "if_needed" },
    ]);
  });

  it("stops at the edges and jumps with Home, End and Page keys", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(cell("Monday 08:00–08:30"));
    await user.keyboard("{ArrowUp}{ArrowLeft}");
    expect(document.activeElement).toBe(cell("Monday 08:00–08:30"));
    await user.keyboard("{End}");
    expect(document.activeElement).toBe(cell("Sunday 08:00–08:30"));
    await user.keyboard("{PageDown}");
    expect(document.activeElement).toBe(cell("Sunday 10:00–10:30"));
    await user.keyboard("{Control>}{End}{/Control}");
    expect(document.activeElement).toBe(cell("Sunday 21:30–22:00"));
  });

  it("clears a cell with Delete", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(cell("Monday 10:00–10:30"));
    expect(weekToBlocks(latest)).toHaveLength(1);
    await user.keyboard("{Delete}");
    expect(weekToBlocks(latest)).toEqual([]);
  });

  it("reaches night hours after 'Show all 24 hours', and shows them at once when already set", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    expect(screen.queryByRole("gridcell", { name: /^Monday 06:00/ })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Show all 24 hours" }));
    expect(cell("Monday 06:00–06:30")).toBeDefined();
  });
});

describe("typed availability and the zone summary", () => {
  it("applies typed ranges to the grid and lists them with their UTC time", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    const box = screen.getByLabelText("Or type your times");
    await user.clear(box);
    await user.type(box, "Mon 18:00-20:00{Enter}Sat 10:00-11:00 if needed");
    await user.click(screen.getByRole("button", { name: "Apply typed times" }));
    expect(cell("Monday 19:30–20:00").getAttribute("aria-label")).toMatch(/available$/);
    expect(cell("Saturday 10:30–11:00").getAttribute("aria-label")).toMatch(/if needed$/);
    const summary = screen.getByRole("list", { name: "Your chosen times" });
    expect(summary.textContent).toContain("Mon 18:00–20:00 (= Mon 17:00–19:00 UTC)");
    expect(summary.textContent).toContain("If needed Sat 10:00–11:00 (= Sat 09:00–10:00 UTC)");
  });

  it("shows every error, keeps the text and leaves the grid alone when a line is wrong", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    const box = screen.getByLabelText("Or type your times");
    await user.type(box, "Mon 18:00-20:00{Enter}Funday 9-10");
    await user.click(screen.getByRole("button", { name: "Apply typed times" }));
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain('Line 2 (“Funday 9-10”): "Funday" is not a day of the week');
    expect(weekToBlocks(latest)).toEqual([]);
    expect((box as HTMLTextAreaElement).value).toContain("Funday");
    expect(box.getAttribute("aria-invalid")).toBe("true");
  });

  it("shows a range crossing midnight in UTC on the previous day", () => {
    const week = emptyWeek();
    week[0]![0] = "available"; // Monday 00:00–00:30 in Tokyo
    render(<AvailabilitySummary value={week} timeZone="Asia/Tokyo" reference={new Date("2025-01-15T12:00:00Z")} />);
    expect(screen.getByRole("list").textContent).toContain("(= Sun 15:00–15:30 UTC)");
  });
});

describe("AvailabilityGrid focus", () => {
  it("takes keyboard focus on the cell that was clicked, even when it already held the roving tab stop", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(screen.getByRole("radio", { name: "If needed" }));
    await user.click(cell("Monday 18:00–18:30")); // the grid's initial tab stop
    expect(document.activeElement).toBe(cell("Monday 18:00–18:30"));
    await user.keyboard("{Shift>}{ArrowDown}{/Shift}");
    expect(weekToBlocks(latest)).toEqual([{ weekday: 0, start_minute: 1080, end_minute: 1140, kind: "if_needed" }]);
  });
});
