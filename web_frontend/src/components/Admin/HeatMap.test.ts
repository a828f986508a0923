import { describe, expect, it } from "vitest";
import type { AvailabilityHeatMapPublic } from "../../client/schema";
import { cellsOf } from "./HeatMap";

const week = () => Array.from({ length: 7 }, () => Array.from({ length: 48 }, () => 0));

describe("availability heat map", () => {
  it("pairs the server's available and if-needed counts cell by cell", () => {
    const map: AvailabilityHeatMapPublic = { zone: "UTC", week_of: "2027-01-11", signups: 2, available: week(), if_needed: week() };
    map.available[0]![34] = 2;
    map.available[0]![35] = 1;
    map.if_needed[0]![35] = 1;
    const cells = cellsOf(map);
    expect(cells[0]![34]).toEqual({ available: 2, if_needed: 0 });
    expect(cells[0]![35]).toEqual({ available: 1, if_needed: 1 });
    expect(cells).toHaveLength(7);
    expect(cells[6]!.every((c) => c.available === 0 && c.if_needed === 0)).toBe(true);
  });
});
