import { Markdown } from "../Content/Markdown";

/** What the feedback on one attempt holds (a learner's own, or one a facilitator reads). */
export type FeedbackFields = {
  level: string | null;
  strengths: string[];
  missing: string[];
  comment: string | null;
  structured: boolean;
  error: string | null;
};

/** The badge class for a level: the lowest warns, the highest is good, others are plain. */
function levelClass(level: string, levels: string[]): string {
  const at = levels.indexOf(level);
  if (levels.length > 1 && at === levels.length - 1) return "badge badge-ok";
  if (at === 0) return "badge badge-warn";
  return "badge";
}

/** The tutor's feedback on an answer: level badge, strengths, what is missing, summary. */
export function AnswerFeedback({ attempt, levels }: { attempt: FeedbackFields; levels: string[] }) {
  if (attempt.error) return <p className="muted">No feedback: {attempt.error}</p>;
  return (
    <div className="answer-feedback stack">
      {attempt.level && (
        <p>
          Level: <span className={levelClass(attempt.level, levels)}>{attempt.level}</span>
          {levels.length > 0 && <span className="muted small"> (of {levels.join(", ")})</span>}
        </p>
      )}
      {attempt.strengths.length > 0 && (
        <>
          <h4>Strengths</h4>
          <ul>
            {attempt.strengths.map((s, i) => (
              <li key={i}>{s}</li>
            ))}
          </ul>
        </>
      )}
      {attempt.missing.length > 0 && (
        <>
          <h4>What is missing</h4>
          <ul>
            {attempt.missing.map((s, i) => (
              <li key={i}>{s}</li>
            ))}
          </ul>
        </>
      )}
      {attempt.comment && <Markdown source={attempt.comment} headingsFrom={5} />}
    </div>
  );
}

/** Every attempt but the latest, folded away: each answer with its feedback. */
export function EarlierAttempts({ attempts, levels }: { attempts: (FeedbackFields & { id: number; answer: string })[]; levels: string[] }) {
  if (attempts.length < 2) return null;
  return (
    <details>
      <summary>Earlier attempts ({attempts.length - 1})</summary>
      <ol className="stack">
        {attempts.slice(0, -1).map((a) => (
          <li key={a.id} className="stack">
            <blockquote className="answer">{a.answer}</blockquote>
            <AnswerFeedback attempt={a} levels={levels} />
          </li>
        ))}
      </ol>
    </details>
  );
}
