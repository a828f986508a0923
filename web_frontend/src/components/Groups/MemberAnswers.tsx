import { useQuery } from "@tanstack/react-query";
import { memberAnswersQuery } from "../../api/answers";
import { useMe } from "../../hooks/useMe";
import { formatDateTime } from "../../lib/time";
import { Markdown } from "../Content/Markdown";
import { QueryState } from "../Feedback/Feedback";
import { AnswerFeedback, EarlierAttempts } from "../Module/AnswerFeedback";

/** A member's answers to assessed questions, for their facilitator: the latest attempt at
 * each question with the tutor's feedback, earlier attempts folded away. */
export function MemberAnswers({ groupId, userId }: { groupId: number; userId: number }) {
  const answers = useQuery(memberAnswersQuery(groupId, userId));
  const { timeZone } = useMe();
  return (
    <section aria-labelledby="member-answers-title" className="stack">
      <h2 id="member-answers-title">Answers</h2>
      <QueryState query={answers} label="Loading answers…">
        {(data) => {
          const bySegment = new Map<string, typeof data.answers>();
          for (const a of data.answers) bySegment.set(a.segment_id, [...(bySegment.get(a.segment_id) ?? []), a]);
          if (bySegment.size === 0) return <p className="muted">No answers to assessed questions yet.</p>;
          return [...bySegment.values()].map((attempts) => {
            const latest = attempts.at(-1)!;
            return (
              <article key={latest.segment_id} className="card stack" aria-label={latest.question_title || latest.segment_id}>
                <h3>
                  {latest.question_title || latest.segment_id}
                  {latest.module_title && <span className="muted small"> · {latest.module_title}</span>}
                </h3>
                {latest.question && (
                  <details>
                    <summary>The question</summary>
                    <Markdown source={latest.question} />
                  </details>
                )}
                <p className="muted small">
                  Attempt {latest.attempt} · {formatDateTime(latest.created_at, timeZone)}
                </p>
                <blockquote className="answer">{latest.answer}</blockquote>
                <AnswerFeedback attempt={latest} levels={latest.levels} />
                <EarlierAttempts attempts={attempts} levels={latest.levels} />
              </article>
            );
          });
        }}
      </QueryState>
    </section>
  );
}
