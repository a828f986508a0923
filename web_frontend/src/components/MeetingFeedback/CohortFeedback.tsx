import { useInfiniteQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { cohortFeedbackQuery } from "../../api/feedback";
import type { CohortFeedbackPublic, WeekSummaryPublic } from "../../client/schema";
import { LoadMore, type More, moreOf } from "../Admin/LoadMore";
import { QueryState } from "../Feedback/Feedback";

const WIDTH = 560;
const HEIGHT = 180;
const PAD = { left: 36, right: 12, top: 12, bottom: 28 };

/** Average rating per meeting number as bars on a 1–5 scale, with the answer count under each. */
export function RatingChart({ weeks, question }: { weeks: WeekSummaryPublic[]; question: string }) {
  const inner = { w: WIDTH - PAD.left - PAD.right, h: HEIGHT - PAD.top - PAD.bottom };
  const slot = inner.w / Math.max(weeks.length, 1);
  const y = (rating: number) => PAD.top + inner.h - (rating / 5) * inner.h;
  const summary = weeks
    .map((w) => `meeting ${w.meeting_number}: ${w.average_rating === null ? "no ratings" : w.average_rating.toFixed(1)}`)
    .join("; ");
  return (
    <figure className="rating-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Average “${question}” by meeting: ${summary}`}>
        {[1, 2, 3, 4, 5].map((tick) => (
          <g key={tick}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} className="chart-grid" />
            <text x={PAD.left - 8} y={y(tick) + 4} textAnchor="end" className="chart-label">
              {tick}
            </text>
          </g>
        ))}
        {weeks.map((w, i) => {
          const x = PAD.left + i * slot + slot * 0.2;
          const top = w.average_rating === null ? y(0) : y(w.average_rating);
          return (
            <g key={w.meeting_number}>
              {w.average_rating !== null && (
                <rect x={x} y={top} width={slot * 0.6} height={y(0) - top} className="chart-bar" rx={3} />
              )}
              <text x={x + slot * 0.3} y={HEIGHT - 10} textAnchor="middle" className="chart-label">
                {w.meeting_number}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="hint">Average “{question}” (1–5) by meeting number.</figcaption>
    </figure>
  );
}

/** `data.groups` holds the groups loaded so far (they page); `more` loads the next page. */
export function Summary({ data, more }: { data: CohortFeedbackPublic; more?: More }) {
  if (data.weeks.length === 0) {
    return <p className="muted">No meeting has been held yet.</p>;
  }
  return (
    <>
      {data.rating_question && <RatingChart weeks={data.weeks} question={data.rating_question} />}
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Feedback by meeting number</caption>
          <thead>
            <tr>
              <th scope="col">Meeting</th>
              <th scope="col">Groups met</th>
              <th scope="col">Answers</th>
              <th scope="col">Average</th>
              <th scope="col">1 · 2 · 3 · 4 · 5</th>
            </tr>
          </thead>
          <tbody>
            {data.weeks.map((w) => (
              <tr key={w.meeting_number}>
                <td>{w.meeting_number}</td>
                <td>{w.meetings_held}</td>
                <td>{w.responses}</td>
                <td>{w.average_rating === null ? "—" : w.average_rating.toFixed(1)}</td>
                <td>{w.distribution.join(" · ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Feedback by group</caption>
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col">Answers</th>
              <th scope="col">Average</th>
              <th scope="col">Latest meeting</th>
            </tr>
          </thead>
          <tbody>
            {data.groups.map((g) => (
              <tr key={g.group_id}>
                <td>{g.group_name}</td>
                <td>{g.responses}</td>
                <td>{g.average_rating === null ? "—" : g.average_rating.toFixed(1)}</td>
                <td>{g.latest_rating === null ? "—" : g.latest_rating.toFixed(1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {more && <LoadMore shown={data.groups.length} total={data.group_count} noun="groups" {...more} />}
    </>
  );
}

/** The admin's cohort page section: feedback week by week and group by group (a page at a time). */
export function CohortFeedback({ cohortId }: { cohortId: number }) {
  const query = useInfiniteQuery(cohortFeedbackQuery(cohortId));
  const data = useMemo((): CohortFeedbackPublic | undefined => {
    const first = query.data?.pages[0];
    return first && { ...first, groups: query.data?.pages.flatMap((page) => page.groups) ?? [] };
  }, [query.data]);
  const more = moreOf(query);
  return (
    <section aria-labelledby="feedback">
      <h2 id="feedback">Feedback</h2>
      <QueryState query={query} label="Loading feedback…">
        {() => data && <Summary data={data} more={more} />}
      </QueryState>
    </section>
  );
}
