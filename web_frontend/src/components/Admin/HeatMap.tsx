import type { SignupPublic as Signup } from "../../client/schema";
import { fromWire } from "../../api/users";
import { SLOT_MINUTES, type AvailabilityBlock } from "../../lib/availability";
import { WEEKDAYS, WEEKDAY_SHORT, convertWeeklySlot, formatMinute } from "../../lib/time";
import "./HeatMap.css";

interface Counts {
  available: number;
  if_needed: number;
}

/** A signup's weekly intervals, in the person's own zone (`signup.timezone`). */
export function signupBlocks(signup: Signup): AvailabilityBlock[] {
  return fromWire(signup.intervals);
}

/** How many signups are free in each half hour of the week, seen from `zone`. */
export function countAvailability(signups: Signup[], zone: string, reference: Date): Counts[][] {
  const counts = Array.from({ length: 7 }, () => Array.from({ length: 48 }, () => ({ available: 0, if_needed: 0 })));
  for (const s of signups) {
    const seen = new Set<string>();
    for (const block of signupBlocks(s)) {
      for (let m = block.start_minute; m < block.end_minute; m += SLOT_MINUTES) {
        const at = convertWeeklySlot(block.weekday, m, s.timezone, zone, reference);
        const key = `${at.weekday}-${Math.floor(at.minute / SLOT_MINUTES)}`;
        if (seen.has(key)) continue; // a :45 zone can map two slots onto one cell
        seen.add(key);
        counts[at.weekday]![Math.floor(at.minute / SLOT_MINUTES)]![block.kind] += 1;
      }
    }
  }
  return counts;
}

export function HeatMap({ signups, zone, reference }: { signups: Signup[]; zone: string; reference: Date }) {
  const counts = countAvailability(signups, zone, reference);
  const max = Math.max(1, ...counts.flat().map((c) => c.available + c.if_needed));
  const used = counts.flatMap((day) => day.map((c, slot) => (c.available + c.if_needed ? slot : -1))).filter((s) => s >= 0);
  if (used.length === 0) return <p className="muted">No availability entered yet.</p>;
  const first = Math.min(...used);
  const last = Math.max(...used);
  const slots = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  return (
    // Fixed columns at the container's width, so all seven days fit on a phone; the
    // region still scrolls if a narrower screen cannot hold them.
    <div className="table-scroll heatmap-wrap" role="region" aria-label="Availability heat map" tabIndex={0}>
      <table className="heatmap">
        <caption>
          People free in each half hour ({zone}); darker is more. “+N” counts people free there only if needed.
        </caption>
        <colgroup>
          <col className="heatmap-time" />
          {WEEKDAY_SHORT.map((d) => (
            <col key={d} />
          ))}
        </colgroup>
        <thead>
          <tr>
            <th scope="col">Time</th>
            {WEEKDAY_SHORT.map((d, i) => (
              <th scope="col" key={d} abbr={WEEKDAYS[i]}>
                {d}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {slots.map((slot) => (
            <tr key={slot}>
              <th scope="row">{formatMinute(slot * SLOT_MINUTES)}</th>
              {counts.map((day, d) => {
                const c = day[slot]!;
                const level = (c.available + c.if_needed * 0.5) / max;
                return (
                  <td
                    key={d}
                    // Capped so the dark text keeps its contrast on the darkest cell.
                    style={{ background: level ? `rgba(31, 122, 77, ${(0.08 + 0.55 * level).toFixed(2)})` : undefined }}
                  >
                    {c.available ? String(c.available) : ""}
                    {c.if_needed ? <span className="heatmap-if-needed">+{c.if_needed}</span> : null}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
