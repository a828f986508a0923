import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { answerFeedback, type FeedbackValue } from "../../api/feedback";
import type { FeedbackFormPublic, QuestionPublic } from "../../client/schema";
import { formatDateTime } from "../../lib/time";
import { ErrorMessage } from "../Feedback/Feedback";

const RATING_WORDS = ["Poor", "Fair", "Good", "Very good", "Excellent"];

function initialValues(form: FeedbackFormPublic): Record<string, FeedbackValue> {
  const values: Record<string, FeedbackValue> = {};
  for (const q of form.questions) values[q.id] = q.kind === "rating" ? null : "";
  for (const a of form.answers) values[a.question_id] = a.value;
  return values;
}

function RatingQuestion({
  question,
  value,
  onChange,
}: {
  question: QuestionPublic;
  value: FeedbackValue;
  onChange: (v: number) => void;
}) {
  return (
    <fieldset className="rating">
      <legend>
        {question.text}
        {question.required && <span className="muted"> (required)</span>}
      </legend>
      <div className="cluster">
        {RATING_WORDS.map((word, i) => (
          <label key={word} className="rating-choice">
            <input
              type="radio"
              name={`q-${question.id}`}
              value={i + 1}
              checked={value === i + 1}
              onChange={() => onChange(i + 1)}
            />
            <span>
              {i + 1} · {word}
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** One meeting's feedback form: the course's questions, my answers, save (again) while open. */
export function FeedbackForm({ form, zone }: { form: FeedbackFormPublic; zone: string }) {
  const queryClient = useQueryClient();
  const [values, setValues] = useState(() => initialValues(form));
  const save = useMutation({
    mutationFn: () => answerFeedback(form.meeting_id, values),
    onSuccess: (saved) => {
      queryClient.setQueryData(["feedback", "meeting", form.meeting_id], saved.feedback);
      void queryClient.invalidateQueries({ queryKey: ["feedback", "open"] });
    },
  });
  const set = (id: string, value: FeedbackValue) => {
    setValues((v) => ({ ...v, [id]: value }));
    save.reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  if (form.state === "not_open") {
    return <p className="notice">The form opens near the end of the meeting, {formatDateTime(form.opens_at, zone)}.</p>;
  }
  if (form.state === "closed") {
    return (
      <p className="notice">
        Feedback on this meeting closed {formatDateTime(form.closes_at, zone)}.
        {form.answered_at ? " Thank you for yours." : ""}
      </p>
    );
  }
  return (
    <form onSubmit={submit} className="stack feedback-form" aria-label={`Feedback on meeting ${form.meeting_number}`}>
      <p className="hint">
        {form.anonymous
          ? "Your facilitator sees your answers without your name."
          : "Your facilitator sees your answers with your name."}{" "}
        You can change them until {formatDateTime(form.closes_at, zone)}.
      </p>
      {form.questions.map((q) =>
        q.kind === "rating" ? (
          <RatingQuestion key={q.id} question={q} value={values[q.id] ?? null} onChange={(v) => set(q.id, v)} />
        ) : (
          <label key={q.id} className="stack">
            <span>
              {q.text}
              {q.required && <span className="muted"> (required)</span>}
            </span>
            <textarea
              rows={3}
              maxLength={2000}
              value={typeof values[q.id] === "string" ? (values[q.id] as string) : ""}
              onChange={(e) => set(q.id, e.target.value)}
            />
          </label>
        ),
      )}
      <div className="cluster">
        <button type="submit" disabled={save.isPending}>
          {form.answered_at || save.isSuccess ? "Save my changes" : "Send feedback"}
        </button>
        {save.isSuccess && (
          <span role="status" className="badge badge-ok">
            Thank you: saved.
          </span>
        )}
      </div>
      {save.error && <ErrorMessage error={save.error} />}
    </form>
  );
}
