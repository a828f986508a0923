import { describe, expect, it } from "vitest";
import {
  convertWeeklySlot,
  formatDateTime,
  formatOffset,
  formatWeeklySlot,
  isValidTimeZone,
  zoneOffsetMinutes,
  zonedToInstant,
} from "./time";

describe("zones", () => {
  it("knows the offset of a zone on both sides of daylight saving", () => {
    expect(zoneOffsetMinutes(new Date("2025-01-15T12:00:00Z"), "Europe/Berlin")).toBe(60);
    expect(zoneOffsetMinutes(new Date("2025-07-15T12:00:00Z"), "Europe/Berlin")).toBe(120);
    expect(zoneOffsetMinutes(new Date("2025-07-15T12:00:00Z"), "America/New_York")).toBe(-240);
    expect(zoneOffsetMinutes(new Date("2025-07-15T12:00:00Z"), "Asia/Kolkata")).toBe(330);
  });

  it("finds the instant of a wall-clock time in a zone", () => {
    expect(zonedToInstant(2025, 3, 31, 18 * 60, "Europe/Berlin").toISOString()).toBe(
      "2025-03-31T16:00:00.000Z",
    );
    expect(zonedToInstant(2025, 3, 28, 18 * 60, "Europe/Berlin").toISOString()).toBe(
      "2025-03-28T17:00:00.000Z",
    );
  });

  it("rejects names that are not IANA zones", () => {
    expect(isValidTimeZone("Europe/Berlin")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
  });

  it("formats offsets with a real minus sign and half hours", () => {
    expect(formatOffset(0)).toBe("UTC");
    expect(formatOffset(60)).toBe("UTC+1");
    expect(formatOffset(-270)).toBe("UTC−4:30");
  });
});

describe("showing one instant to people in different zones", () => {
  const instant = "2025-10-14T17:00:00Z"; // a Tuesday

  it("shows the meeting at each viewer's local wall-clock time", () => {
    expect(formatDateTime(instant, "Europe/London")).toBe("Tue 14 Oct, 18:00");
    expect(formatDateTime(instant, "America/Los_Angeles")).toBe("Tue 14 Oct, 10:00");
    expect(formatDateTime(instant, "Asia/Tokyo")).toBe("Wed 15 Oct, 02:00");
  });

  it("names the weekly slot in the viewer's zone, including the day change", () => {
    expect(formatWeeklySlot(new Date(instant), 60, "Europe/Berlin")).toBe("Tuesday 19:00–20:00");
    expect(formatWeeklySlot(new Date(instant), 90, "Asia/Tokyo")).toBe("Wednesday 02:00–03:30");
  });

  it("converts a weekly slot between zones for a given week", () => {
    const winter = new Date("2025-01-15T12:00:00Z");
    const summer = new Date("2025-07-15T12:00:00Z");
    expect(convertWeeklySlot(0, 18 * 60, "Europe/Berlin", "UTC", winter)).toMatchObject({
      weekday: 0,
      minute: 17 * 60,
      dayShift: 0,
    });
    expect(convertWeeklySlot(0, 18 * 60, "Europe/Berlin", "UTC", summer)).toMatchObject({
      minute: 16 * 60,
    });
    expect(convertWeeklySlot(0, 1 * 60, "Europe/Berlin", "America/New_York", winter)).toMatchObject(
      { weekday: 6, minute: 19 * 60, dayShift: -1 },
    );
  });
});
