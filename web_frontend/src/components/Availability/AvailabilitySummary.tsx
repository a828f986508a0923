// A plain-text list of the chosen ranges, each also shown in a second zone
// (the cohort's, or UTC), so a learner can check the conversion.
import { weekToBlocks, type CellState } from "../../lib/availability";
import { WEEKDAY_SHORT, convertWeeklySlot, formatMinute } from "../../lib/time";

interface Props {
  value: CellState[][];
  timeZone: string;
  otherZone?: string;
  reference?: Date;
}

/** "Mon 17:00–19:00 UTC" for a range given in `from`, shown in `to`. */
export function convertedRange(
  weekday: number,
  start: number,
  end: number,
  from: string,
  to: string,
  reference?: Date,
): string {
  const a = convertWeeklySlot(weekday, start, from, to, reference);
  const b = convertWeeklySlot(weekday, end - 1, from, to, reference);
  const endMinute = b.minute + 1;
  return `${WEEKDAY_SHORT[a.weekday]} ${formatMinute(a.minute)}–${formatMinute(endMinute)} ${to}`;
}

export function AvailabilitySummary({ value, timeZone, otherZone = "UTC", reference }: Props) {
  const blocks = weekToBlocks(value);
  if (blocks.length === 0) {
    return <p className="hint">No times chosen yet.</p>;
  }
  const showOther = otherZone !== timeZone;
  return (
    <ul className="availability-summary" aria-label="Your chosen times">
      {blocks.map((b) => (
        <li key={`${b.weekday}-${b.start_minute}`}>
          <span className={`badge badge-${b.kind}`}>{b.kind === "available" ? "Available" : "If needed"}</span>{" "}
          {WEEKDAY_SHORT[b.weekday]} {formatMinute(b.start_minute)}–{formatMinute(b.end_minute)}
          {showOther && (
            <span className="muted">
              {" "}
              (= {convertedRange(b.weekday, b.start_minute, b.end_minute, timeZone, otherZone, reference)})
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
