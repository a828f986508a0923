import type { CellState } from "../../lib/availability";
import { weekToBlocks } from "../../lib/availability";
import { isValidTimeZone } from "../../lib/time";
import { TimeZoneField } from "../Forms/TimeZoneField";
import { AvailabilityGrid } from "./AvailabilityGrid";
import { AvailabilitySummary } from "./AvailabilitySummary";
import { TypedAvailability } from "./TypedAvailability";

type Week = CellState[][];

/** Why this week and zone cannot be saved yet, or null when they can. */
export function availabilityProblem(week: Week, timezone: string): string | null {
  if (weekToBlocks(week).every((b) => b.kind !== "available")) return "Mark at least one time as available.";
  if (!isValidTimeZone(timezone)) return "Choose a valid time zone.";
  return null;
}

interface Props {
  week: Week;
  onWeekChange: (week: Week) => void;
  timezone: string;
  onTimezoneChange: (zone: string) => void;
  /** The zone the summary also shows each range in (a cohort's anchor, else UTC). */
  otherZone?: string;
}

/** The weekly availability editor: zone, grid, typed alternative and summary. */
export function AvailabilityEditor({ week, onWeekChange, timezone, onTimezoneChange, otherZone = "UTC" }: Props) {
  return (
    <>
      <TimeZoneField value={timezone} onChange={onTimezoneChange} />
      <AvailabilityGrid value={week} onChange={onWeekChange} timeZone={timezone} />
      <details className="card">
        <summary>Type your times instead</summary>
        <TypedAvailability value={week} onChange={onWeekChange} />
      </details>
      <h3>Your times</h3>
      {isValidTimeZone(timezone) && <AvailabilitySummary value={week} timeZone={timezone} otherZone={otherZone} />}
    </>
  );
}
