import { describe, expect, it } from "vitest";
import { buildIcs } from "./ics";

describe("buildIcs", () => {
  it("writes one event per meeting in UTC, escaping text, with CRLF line ends", () => {
    const ics = buildIcs(
      [
        {
          uid: "roundtable-meeting-7",
          start: "2025-10-14T17:00:00Z",
          end: "2025-10-14T18:00:00.000Z",
          title: "Group 2; week 1, intro",
        },
      ],
      new Date("2025-10-01T08:30:00Z"),
    );
    expect(ics.split("\r\n")).toEqual([
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:-//Roundtable//Meetings//EN",
      "CALSCALE:GREGORIAN",
      "BEGIN:VEVENT",
      "UID:roundtable-meeting-7",
      "DTSTAMP:20251001T083000Z",
      "DTSTART:20251014T170000Z",
      "DTEND:20251014T180000Z",
      "SUMMARY:Group 2\\; week 1\\, intro",
      "END:VEVENT",
      "END:VCALENDAR",
      "",
    ]);
  });
});
