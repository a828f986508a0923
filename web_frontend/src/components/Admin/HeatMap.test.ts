import { describe, expect, it } from "vitest";
import type { SignupPublic } from "../../client/schema";
import { countAvailability, signupBlocks } from "./HeatMap";

const signup = (text: string, timezone: string, available = 60, ifNeeded = 0): SignupPublic =>
  ({
    user_id: 1,
    display_name: "Test",
    role: "learner",
    timezone,
    signed_up_at: "2025-01-01T00:00:00Z",
    availability: { text, available_minutes: available, if_needed_minutes: ifNeeded, days: [] },
  }) as unknown as SignupPublic;

describe("availability heat map", () => {
  it("reads the API's summary text back into intervals", () => {
    expect(signupBlocks(signup("Monday 18:00–19:00; Wednesday 09:00–09:30 (if needed)", "UTC"))).toEqual([
      { weekday: 0, start_minute: 1080, end_minute: 1140, kind: "available" },
      { weekday: 2, start_minute: 540, end_minute: 570, kind: "if_needed" },
    ]);
    expect(signupBlocks(signup("no availability given", "UTC", 0))).toEqual([]);
  });

  it("counts people per half hour in the viewer's zone", () => {
    const reference = new Date("2025-01-15T12:00:00Z");
    const counts = countAvailability(
      [signup("Monday 18:00–19:00", "Europe/Berlin"), signup("Monday 17:00–17:30", "UTC")],
      "UTC",
      reference,
    );
    // Berlin 18:00–19:00 is 17:00–18:00 UTC in January: both people at 17:00.
    expect(counts[0]![34]).toEqual({ available: 2, if_needed: 0 });
    expect(counts[0]![35]).toEqual({ available: 1, if_needed: 0 });
    expect(counts[0]![36]).toEqual({ available: 0, if_needed: 0 });
  });
});
