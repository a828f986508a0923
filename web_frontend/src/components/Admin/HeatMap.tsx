import type { AvailabilityHeatMapPublic } from "../../client/schema";
import { SLOT_MINUTES } from "../../lib/availability";
import { WEEKDAYS, WEEKDAY_SHORT, formatMinute } from "../../lib/time";
import "./HeatMap.css";

interface Counts {
  available: number;
  if_needed: number;
}

/** The server's counts (GET /api/admin/cohorts/{id}/availability: every signup, in the
 * viewer's zone on the week the cohort starts) as [weekday][half hour] cells. */
export function cellsOf(map: AvailabilityHeatMapPublic): Counts[][] {
  return map.available.map((day, d) => day.map((available, slot) => ({ available, if_needed: map.if_needed[d]?.[slot] ?? 0 })));
}

/** People free in each half hour of the week, the whole cohort counted by the server. */
export function HeatMap({ map }: { map: AvailabilityHeatMapPublic }) {
  const zone = map.zone;
  const counts = cellsOf(map);
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
