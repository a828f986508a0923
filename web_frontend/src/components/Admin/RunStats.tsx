// The scheduling run's statistics in words and numbers (issue 19): what the
// solver achieved, how long it took, and how each phase ended, instead of the
// raw JSON the run stores (roundtable.scheduling.saving.stats_document).
import type { ReactNode } from "react";
import type { PreviewSummaryPublic } from "../../client/schema";
import "./RunStats.css";

type Stats = Record<string, unknown>;

const num = (stats: Stats, key: string): number | null => (typeof stats[key] === "number" ? (stats[key] as number) : null);

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const seconds = (s: number) => (s < 10 ? `${s.toFixed(2)} s` : `${Math.round(s)} s`);

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

/** What each lexicographic phase optimises (docs/scheduling.md, "Objective"). */
const PHASES: Record<string, string> = {
  placed: "Place as many learners as possible",
  joins: "Fill places in existing groups",
  sizes: "Keep groups near the target size",
  preferences: "Prefer regular times over if-needed ones",
  spread: "Spread groups across facilitators and start times",
};

export type PhaseLine = { name: string; time: string | null; outcome: string };

/** One phase line as the solver writes it ("sizes (0.02 s): 3 = lower bound, optimal") in words. */
export function describePhase(raw: string): PhaseLine {
  if (raw === "heuristic") return { name: "Quick first placement (heuristic)", time: null, outcome: "done" };
  if (raw.startsWith("exact: ")) return { name: "Exact solve", time: null, outcome: raw.slice(7) };
  const match = /^(\w+) \(([\d.]+) s\): (.*)$/.exec(raw);
  if (!match) return { name: raw, time: null, outcome: "" };
  const [, key, time, result] = match as unknown as [string, string, string, string];
  return { name: PHASES[key] ?? key, time: seconds(Number(time)), outcome: describeOutcome(result) };
}

function describeOutcome(result: string): string {
  if (result.startsWith("solver answer refused")) return "the solver's answer was refused; the search's plan was kept";
  const gap = /gap ([\d.]+)% \((.+)\)/.exec(result);
  if (gap) {
    const why = gap[2] === "accepted" ? "close enough, accepted" : `stopped: ${gap[2]}`;
    return `within ${gap[1]}% of the best possible (${why})`;
  }
  if (/optimal/.test(result)) return "proven optimal";
  return result;
}

/** The whole preview's groups by learner count (the summary's, counted by the server). */
function SizeBars({ sizes }: { sizes: PreviewSummaryPublic["sizes"] }) {
  const most = Math.max(1, ...sizes.map((s) => s.groups));
  return (
    <ul className="run-stats-bars" aria-label="Groups by size">
      {sizes.map(({ learners: size, groups: count }) => (
        <li key={size}>
          <span className="run-stats-bar-label">{plural(size, "learner")}</span>
          <span className="run-stats-bar" aria-hidden="true">
            <span style={{ width: `${(count / most) * 100}%` }} />
          </span>
          <span className="run-stats-bar-count">{plural(count, "group")}</span>
        </li>
      ))}
    </ul>
  );
}

function Figure({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function RunStats({ stats, summary }: { stats: Stats; summary: PreviewSummaryPublic }) {
  const learners = num(stats, "learners");
  const placed = num(stats, "placed");
  const bound = num(stats, "upper_bound");
  const total = num(stats, "seconds");
  const placement = num(stats, "placement_seconds");
  const heuristic = num(stats, "heuristic_placed");
  const joins = Array.isArray(stats.proposed_joins) ? stats.proposed_joins.length : 0;
  const phases = Array.isArray(stats.phases) ? stats.phases.filter((p): p is string => typeof p === "string") : [];
  return (
    <div className="run-stats stack">
      <dl className="run-stats-figures">
        {learners !== null && placed !== null && (
          <>
            <Figure label="Learners placed">
              {placed} of {learners}
              {learners > 0 && <span className="muted"> ({percent(placed / learners)})</span>}
            </Figure>
            <Figure label="Learners unplaced">{learners - placed}</Figure>
          </>
        )}
        {bound !== null && <Figure label="Most that could be placed">{plural(bound, "learner")}</Figure>}
        <Figure label="Groups">{plural(summary.groups, "group")}</Figure>
        <Figure label="Facilitators used">{summary.facilitators_used}</Figure>
        {total !== null && (
          <Figure label="Solve time">
            {seconds(total)}
            {placement ? <span className="muted"> (placement proven in {seconds(placement)})</span> : null}
          </Figure>
        )}
        {heuristic !== null && <Figure label="Quick first pass placed">{plural(heuristic, "learner")}</Figure>}
        {joins > 0 && <Figure label="Newcomers proposed for existing groups">{joins}</Figure>}
        {typeof stats.method === "string" && (
          <Figure label="Method">{stats.method === "exact" ? "exact (proven by bounds or the MIP solver)" : stats.method}</Figure>
        )}
      </dl>
      {summary.sizes.length > 0 && (
        <div>
          <h5>Groups by size</h5>
          <SizeBars sizes={summary.sizes} />
        </div>
      )}
      {phases.length > 0 && (
        <div>
          <h5>Solver phases</h5>
          <ol className="run-stats-phases">
            {phases.map((raw, i) => {
              const phase = describePhase(raw);
              return (
                <li key={i}>
                  <strong>{phase.name}</strong>
                  {phase.time && <span className="muted"> · {phase.time}</span>}
                  {phase.outcome && <> · {phase.outcome}</>}
                </li>
              );
            })}
          </ol>
        </div>
      )}
    </div>
  );
}
