import { describe, expect, it } from "vitest";
import {
  blocksToWeek,
  formatAvailability,
  parseAvailability,
  weekToBlocks,
} from "./availability";

describe("parseAvailability", () => {
  it("reads a day and a range into an interval in minutes", () => {
    expect(parseAvailability("Mon 18:00–20:00")).toEqual({
      blocks: [{ weekday: 0, start_minute: 1080, end_minute: 1200, kind: "available" }],
      errors: [],
    });
  });

  it("accepts hyphens, 'to', am/pm, full day names and lower case", () => {
    const { blocks, errors } = parseAvailability("tuesday 7pm to 9:30pm\nSUN 9-10");
    expect(errors).toEqual([]);
    expect(blocks).toEqual([
      { weekday: 1, start_minute: 1140, end_minute: 1290, kind: "available" },
      { weekday: 6, start_minute: 540, end_minute: 600, kind: "available" },
    ]);
  });

  it("expands day ranges and lists", () => {
    const { blocks } = parseAvailability("Mon-Wed 18:00-19:00; Fri, Sat 10:00-11:00");
    expect(blocks.map((b) => b.weekday)).toEqual([0, 1, 2, 4, 5]);
  });

  it("marks ranges ending in 'if needed' or '?' as if needed", () => {
    const { blocks } = parseAvailability("Sat 10:00–12:00 if needed\nSun 10:00-11:00 (if needed)\nWed 8-9?");
    expect(blocks.map((b) => b.kind)).toEqual(["if_needed", "if_needed", "if_needed"]);
  });

  it("allows 24:00 as the end of the day", () => {
    expect(parseAvailability("Fri 22:00-24:00").blocks[0]).toMatchObject({ end_minute: 1440 });
  });

  it("merges touching and overlapping ranges of the same kind", () => {
    const { blocks } = parseAvailability("Mon 18:00-19:00\nMon 18:30-20:00");
    expect(blocks).toEqual([{ weekday: 0, start_minute: 1080, end_minute: 1200, kind: "available" }]);
  });

  it("reports an unknown day with its line number and the days it understands", () => {
    const { errors } = parseAvailability("Mon 18:00-20:00\nMnday 18:00-20:00");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 2, text: "Mnday 18:00-20:00" });
    expect(errors[0]!.message).toMatch(/"Mnday" is not a day of the week; use Mon, Tue/);
  });

  it("refuses times off the half-hour grid", () => {
    const { errors } = parseAvailability("Mon 18:15-20:00");
    expect(errors[0]!.message).toBe('"18:15": times must be on the hour or half hour (:00 or :30)');
  });

  it("explains how to split a range that crosses midnight", () => {
    const { errors } = parseAvailability("Sun 23:00-01:00");
    expect(errors[0]!.message).toContain('"Sun 23:00–24:00" and "Mon 00:00–01:00"');
  });

  it("refuses empty ranges, impossible times and lines without a range", () => {
    const { errors, blocks } = parseAvailability("Mon 18:00-18:00\nTue 25:00-26:00\nWed evening");
    expect(blocks).toEqual([]);
    expect(errors.map((e) => e.line)).toEqual([1, 2, 3]);
    expect(errors[0]!.message).toMatch(/empty/);
    expect(errors[1]!.message).toMatch(/not a time of day/);
    expect(errors[2]!.message).toMatch(/like "Mon 18:00–20:00"/);
  });

  it("ignores blank lines", () => {
    expect(parseAvailability("\n  \nMon 9-10\n")).toMatchObject({ errors: [] });
  });
});

describe("week and blocks", () => {
  it("round-trips blocks through the grid and the typed form", () => {
    const blocks = [
      { weekday: 0, start_minute: 1080, end_minute: 1200, kind: "available" as const },
      { weekday: 0, start_minute: 1200, end_minute: 1260, kind: "if_needed" as const },
      { weekday: 6, start_minute: 0, end_minute: 1440, kind: "available" as const },
    ];
    expect(weekToBlocks(blocksToWeek(blocks))).toEqual(blocks);
    expect(formatAvailability(blocks)).toBe(
      "Mon 18:00–20:00\nMon 20:00–21:00 if needed\nSun 00:00–24:00",
    );
    expect(parseAvailability(formatAvailability(blocks)).blocks).toEqual(blocks);
  });
});
