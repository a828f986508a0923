import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { answersQuery, submitAnswer } from "../../api/answers";
import { errorMessage } from "../../api/http";
import type { QuestionSegment } from "../../api/types";
import { ErrorMessage, Loading } from "../Feedback/Feedback";
import { Markdown } from "../Content/Markdown";
import { AnswerFeedback, EarlierAttempts } from "./AnswerFeedback";

/** A question the tutor assesses: the learner answers, reads the feedback, may revise. */
export function AssessedQuestion({ moduleSlug, sectionId, segment }: { moduleSlug: string; sectionId: string; segment: QuestionSegment }) {
  const id = useId();
  const queryClient = useQueryClient();
  const answers = useQuery(answersQuery(moduleSlug));
  const attempts = (answers.data?.answers ?? []).filter((a) => a.segment_id === segment.id);
  const latest = attempts.at(-1);
  const [draft, setDraft] = useState<string | null>(null); // null: not writing
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const writing = draft !== null || (!latest && !answers.isPending);

  async function submit() {
    const answer = (draft ?? "").trim();
    if (!answer || sending) return;
    setSending(true);
    setError(null);
    try {
      await submitAnswer({ moduleSlug, sectionId, segmentId: segment.id }, answer);
      setDraft(null);
    } catch (e) {
      setError(errorMessage(e)); // the draft stays in the box to send again
    } finally {
      // A failed assessment is saved too: show every attempt as the API has them.
      await queryClient.invalidateQueries({ queryKey: answersQuery(moduleSlug).queryKey });
      await queryClient.invalidateQueries({ queryKey: ["tutor", "status"] });
      setSending(false);
    }
  }

  return (
    <section className="assessed-question card stack" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{segment.title || "Your answer"}</h3>
      <Markdown source={segment.question} headingsFrom={4} />
      {answers.isPending && <Loading label="Loading your answers…" />}
      {answers.error && <ErrorMessage error={answers.error} retry={() => void answers.refetch()} />}
      {latest && !writing && (
        <div className="stack" aria-live="polite">
          <h4>Your answer{attempts.length > 1 ? ` (attempt ${latest.attempt})` : ""}</h4>
          <blockquote className="answer">{latest.answer}</blockquote>
          <h4>Feedback</h4>
          <AnswerFeedback attempt={latest} levels={segment.levels} />
          <p>
            <button type="button" onClick={() => setDraft(latest.answer)}>
              Revise your answer
            </button>
          </p>
        </div>
      )}
      {writing && (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <label htmlFor={`${id}-answer`}>Your answer</label>
          <textarea id={`${id}-answer`} rows={6} value={draft ?? ""} onChange={(e) => setDraft(e.target.value)} />
          <p className="cluster">
            <button type="submit" disabled={sending || !(draft ?? "").trim()}>
              {sending ? "The tutor is reading…" : latest ? "Submit revision" : "Submit answer"}
            </button>
            {latest && (
              <button type="button" className="secondary" disabled={sending} onClick={() => setDraft(null)}>
                Cancel
              </button>
            )}
          </p>
        </form>
      )}
      {sending && <Loading label="The tutor is reading your answer…" />}
      {error && (
        <p role="alert" className="error-box">
          {error}
        </p>
      )}
      <EarlierAttempts attempts={attempts} levels={segment.levels} />
    </section>
  );
}
