import { describe, expect, it } from "vitest";
import type { SignupPublic } from "../../client/schema";
import { countAvailability, signupBlocks } from "./HeatMap";

type Interval = SignupPublic["intervals"][number];

const signup = (intervals: Interval[], timezone: string): SignupPublic =>
  ({
    user_id: 1,
    display_name: "Test",
    role: "learner",
    timezone,
    signed_up_at: "2025-01-01T00:00:00Z",
    // A summary that disagrees with the intervals: the heat map must not read it.
    availability: { text: "Sunday 00:00–24:00", available_minutes: 1440, if_needed_minutes: 0, days: ["Sunday"] },
    intervals,
  }) as unknown as SignupPublic;

const monday = (start: string, end: string, kind: Interval["kind"] = "available"): Interval => ({
  weekday: 0,
  start,
  end,
  kind,
});

describe("availability heat map", () => {
  it("takes each signup's intervals as the API lists them", () => {
    expect(
      signupBlocks(signup([monday("18:00", "19:00"), { weekday: 2, start: "09:00", end: "24:00", kind: "if_needed" }], "UTC")),
    ).toEqual([
      { weekday: 0, start_minute: 1080, end_minute: 1140, kind: "available" },
      { weekday: 2, start_minute: 540, end_minute: 1440, kind: "if_needed" },
    ]);
    expect(signupBlocks(signup([], "UTC"))).toEqual([]);
  });

  it("counts people per half hour in the viewer's zone, if-needed times apart", () => {
    const reference = new Date("2025-01-15T12:00:00Z");
    const counts = countAvailability(
      [
        signup([monday("18:00", "19:00")], "Europe/Berlin"),
        signup([monday("17:00", "17:30"), monday("17:30", "18:00", "if_needed")], "UTC"),
      ],
      "UTC",
      reference,
    );
    // Berlin 18:00–19:00 is 17:00–18:00 UTC in January: both people at 17:00.
    expect(counts[0]![34]).toEqual({ available: 2, if_needed: 0 });
    expect(counts[0]![35]).toEqual({ available: 1, if_needed: 1 });
    expect(counts[0]![36]).toEqual({ available: 0, if_needed: 0 });
    expect(counts[6]!.every((c) => c.available === 0)).toBe(true);
  });
});
