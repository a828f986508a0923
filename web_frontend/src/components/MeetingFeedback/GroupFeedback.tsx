import type { AnswerPublic, GroupFeedbackPublic } from "../../client/schema";
import { formatDateTime } from "../../lib/time";

function answerText(answer: AnswerPublic): string {
  return typeof answer.value === "number" ? `${answer.value} / 5` : answer.value;
}

/** The facilitator's view: each meeting so far, its average, every answer. */
export function GroupFeedback({ feedback, zone }: { feedback: GroupFeedbackPublic; zone: string }) {
  if (feedback.meetings.length === 0) {
    return <p className="muted">No meeting has been held yet: feedback appears here after each one.</p>;
  }
  return (
    <div className="stack">
      {feedback.anonymous && <p className="hint">This course's feedback is anonymous: answers are shown without names.</p>}
      {[...feedback.meetings].reverse().map((m) => (
        <details key={m.meeting_id} open={m === feedback.meetings[feedback.meetings.length - 1]}>
          <summary>
            Meeting {m.meeting_number} · {formatDateTime(m.starts_at, zone)} · {m.responses.length} of {m.members}{" "}
            answered
            {m.average_rating !== null && feedback.rating_question && (
              <>
                {" "}
                · “{feedback.rating_question}” {m.average_rating.toFixed(1)} / 5
              </>
            )}
          </summary>
          {m.responses.length === 0 ? (
            <p className="muted">No answers yet.</p>
          ) : (
            <ul className="feedback-responses">
              {m.responses.map((r, i) => (
                <li key={r.author_id ?? `anonymous-${i}`}>
                  <strong>{r.author_name ?? `Answer ${i + 1}`}</strong>
                  <dl>
                    {r.answers.map((a) => (
                      <div key={a.question_id}>
                        <dt>{a.text}</dt>
                        <dd>{answerText(a)}</dd>
                      </div>
                    ))}
                  </dl>
                </li>
              ))}
            </ul>
          )}
        </details>
      ))}
    </div>
  );
}
