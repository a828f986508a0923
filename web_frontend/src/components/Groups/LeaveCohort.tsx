import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { leaveCohort } from "../../api/cohorts";
import { ErrorMessage } from "../Feedback/Feedback";

const MAX_REASON = 500;

export type LeftCohort = Awaited<ReturnType<typeof leaveCohort>>;

/** What leaving did, said once the learner has left. */
export function LeftCohortMessage({ left }: { left: LeftCohort }) {
  const told = left.group_name ? " Your facilitator has been told" + (left.reason ? ", with your reason." : ".") : "";
  return (
    <p role="status" className="success">
      You left {left.cohort_name}
      {left.group_name ? ` and ${left.group_name}` : ""}.{told}
    </p>
  );
}

/**
 * "Leave this cohort": a confirmation with an optional reason, then what happened.
 * With `onLeft`, the caller says what happened instead: a list of my cohorts loses
 * this one (and this component with it) as soon as it is read again.
 */
export function LeaveCohort({
  cohortId,
  cohortName,
  onLeft,
}: {
  cohortId: number;
  cohortName: string;
  onLeft?: (left: LeftCohort) => void;
}) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState("");
  const headingId = useId();
  const reasonId = useId();
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const leave = useMutation({
    mutationFn: () => leaveCohort(cohortId, reason),
    onSuccess: (left) => {
      setConfirming(false);
      onLeft?.(left);
      // My enrollments, my group and the cohorts list all change.
      void queryClient.invalidateQueries({ queryKey: ["me"] });
      void queryClient.invalidateQueries({ queryKey: ["groups"] });
      void queryClient.invalidateQueries({ queryKey: ["cohorts"] });
    },
  });
  useEffect(() => {
    if (confirming) reasonRef.current?.focus();
  }, [confirming]);

  if (leave.data) return onLeft ? null : <LeftCohortMessage left={leave.data} />;
  if (!confirming) {
    return (
      <button type="button" className="secondary small" onClick={() => setConfirming(true)}>
        Leave this cohort
      </button>
    );
  }
  return (
    <form
      role="dialog"
      aria-labelledby={headingId}
      className="card"
      onSubmit={(e) => {
        e.preventDefault();
        leave.mutate();
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") setConfirming(false);
      }}
    >
      <h3 id={headingId}>Leave {cohortName}?</h3>
      <p>
        You will leave your group too: its Discord channel and calendar invitation go, and you get no more reminders.
        To come back later, ask an admin.
      </p>
      <div className="field">
        <label htmlFor={reasonId}>Why are you leaving? (optional)</label>
        <textarea
          id={reasonId}
          ref={reasonRef}
          rows={3}
          maxLength={MAX_REASON}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        <p className="hint">Your facilitator reads it; it helps them run the group.</p>
      </div>
      {leave.error && <ErrorMessage error={leave.error} title="You have not left:" />}
      <div className="row">
        <button type="submit" disabled={leave.isPending}>
          {leave.isPending ? "Leaving…" : `Leave ${cohortName}`}
        </button>
        <button type="button" className="secondary" onClick={() => setConfirming(false)} disabled={leave.isPending}>
          Stay
        </button>
      </div>
    </form>
  );
}
