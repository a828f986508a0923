import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { SignupPublic } from "../../client/schema";
import { HeatMap } from "./HeatMap";

const signup = (weekday: number, kind: "available" | "if_needed") =>
  ({
    user_id: weekday,
    display_name: "Test",
    role: "learner",
    timezone: "UTC",
    intervals: [{ weekday, start: "18:00", end: "18:30", kind }],
  }) as unknown as SignupPublic;

describe("HeatMap on a phone", () => {
  it("lays the week out in fixed columns inside its scroll region, Sunday included", () => {
    render(<HeatMap signups={[signup(0, "available"), signup(6, "available"), signup(6, "if_needed")]} zone="UTC" reference={new Date("2026-01-15T12:00:00Z")} />);
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
