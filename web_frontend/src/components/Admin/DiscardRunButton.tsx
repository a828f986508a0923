import { useMutation, useQueryClient } from "@tanstack/react-query";
import { discardRun } from "../../api/staff";
import { ErrorMessage } from "../Feedback/Feedback";

/** Discard the latest scheduling run (what Discord's Discard button does): confirm, then say what went. */
export function DiscardRunButton({ cohortId, cohortName, runId, disabled = false }: {
  cohortId: number;
  cohortName: string;
  runId: number;
  disabled?: boolean;
}) {
  const queryClient = useQueryClient();
  const discard = useMutation({
    mutationFn: () => discardRun(cohortId, runId),
    // The preview, the signups' placements and the cohort counts all change.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["admin", "cohorts"] }),
  });
  const done = discard.data;
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          if (window.confirm(`Discard scheduling run ${runId} of ${cohortName}? Its preview groups will be deleted.`))
            discard.mutate();
        }}
        disabled={disabled || discard.isPending}
      >
        Discard preview
      </button>
      {discard.error && <ErrorMessage error={discard.error} title="The preview was not discarded:" />}
      {done && (
        <p className="success" role="status">
          Discarded run {done.run_id}: {done.groups_removed} preview group{done.groups_removed === 1 ? "" : "s"} removed
          {done.joins_voided > 0 && `, ${done.joins_voided} proposed join${done.joins_voided === 1 ? "" : "s"} voided`}.
        </p>
      )}
    </>
  );
}
