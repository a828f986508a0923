import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { AvailabilityHeatMapPublic } from "../../client/schema";
import { HeatMap } from "./HeatMap";

/** The server's counts: one person free on Monday at 18:00, one on Sunday, one Sunday if needed. */
const week = () => Array.from({ length: 7 }, () => Array.from({ length: 48 }, () => 0));
const map: AvailabilityHeatMapPublic = { zone: "UTC", week_of: "2026-01-12", signups: 3, available: week(), if_needed: week() };
map.available[0]![36] = 1;
map.available[6]![36] = 1;
map.if_needed[6]![36] = 1;

describe("HeatMap on a phone", () => {
  it("lays the week out in fixed columns inside its scroll region, Sunday included", () => {
    render(<HeatMap map={map} />);
    const region = screen.getByRole("region", { name: "Availability heat map" });
    const table = within(region).getByRole("table");
    // One time column and seven day columns: the CSS (HeatMap.css) fixes the time
    // column and shares the rest, so the table is as wide as its container.
    const cols = table.querySelectorAll("colgroup > col");
    expect(cols).toHaveLength(8);
    expect(cols[0]!.className).toBe("heatmap-time");
    expect(region.className).toContain("heatmap-wrap");
    expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(
      ["Time", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    );
    // Sunday's cell: the count, then "+N" in its own element so a phone can put it underneath.
    const sunday = within(screen.getByRole("row", { name: /18:00/ })).getAllByRole("cell")[6]!;
    expect(sunday.textContent).toBe("1+1");
    expect(sunday.querySelector(".heatmap-if-needed")!.textContent).toBe("+1");
  });
});
