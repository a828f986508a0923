import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { applyRegroup, regroupQuery, requestRegroup } from "../../../api/staff";
import type { RegroupPlanPublic } from "../../../client/schema";
import { ErrorMessage } from "../../Feedback/Feedback";
import { DataTable } from "../../ui/DataTable";

function Plan({ plan }: { plan: RegroupPlanPublic }) {
  return (
    <>
      <p>
        <strong>{plan.moves_count}</strong> {plan.moves_count === 1 ? "person moves" : "people move"}; groups below the
        minimum of {plan.min_size}: {plan.below_min_before} → {plan.below_min_after}
        {plan.dissolved > 0 && `; ${plan.dissolved} group${plan.dissolved === 1 ? "" : "s"} dissolved`}.{" "}
        <span className={plan.proven_optimal ? "success" : "notice"}>{plan.optimality}</span>
      </p>
      {plan.moves.length === 0 ? (
        <p className="muted">Nobody needs to move.</p>
      ) : (
        <ul aria-label="Proposed moves">
          {plan.moves.map((m) => (
            <li key={m.user_id}>
              {m.summary}
              {m.time_note && <span className="muted small"> ({m.time_note})</span>}
            </li>
          ))}
        </ul>
      )}
      <DataTable
        label="Groups before and after"
        className="stack"
        caption="Groups before and after (learners; facilitators count towards size)"
        columns={["Group", "Before", "After"]}
      >
        {plan.groups.map((g) => (
          <tr key={g.group_id}>
            <th scope="row">{g.name}</th>
            <td data-label="Before">
              {g.learners_before}
              {g.below_min_before && " (below minimum)"}
            </td>
            <td data-label="After">
              {g.dissolved ? "dissolved" : g.learners_after}
              {!g.dissolved && g.below_min_after && " (below minimum)"}
            </td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}

function Proposal({ cohortId, jobId, onDone }: { cohortId: number; jobId: number; onDone: (applied: boolean) => void }) {
  const proposal = useQuery(regroupQuery(cohortId, jobId));
  const apply = useMutation({ mutationFn: () => applyRegroup(cohortId, jobId), onSuccess: () => onDone(true) });
  const data = proposal.data;
  if (proposal.error) return <ErrorMessage error={proposal.error} retry={() => void proposal.refetch()} />;
  if (!data || data.status === "queued" || data.status === "running")
    return (
      <p role="status" aria-live="polite">
        <span className="spinner" aria-hidden="true" /> Computing the proposal (job {jobId}, {data?.status ?? "starting"})…
      </p>
    );
  if (data.status === "failed" || !data.proposal)
    return <p className="error-box" role="alert">The proposal could not be computed: {data.error ?? "unknown error"}</p>;
  const applied = data.proposal.applied_at !== null;
  return (
    <div>
      <Plan plan={data.proposal} />
      {applied ? (
        <p className="success">This proposal was applied.</p>
      ) : (
        <div className="row">
          <button
            type="button"
            disabled={apply.isPending || data.proposal.moves_count + data.proposal.dissolved === 0}
            onClick={() => {
              if (window.confirm("Apply this regroup? The people moved are told; Discord and calendars follow."))
                apply.mutate();
            }}
          >
            Apply
          </button>
          <button type="button" className="secondary" onClick={() => onDone(false)} disabled={apply.isPending}>
            Dismiss
          </button>
        </div>
      )}
      {apply.error && <ErrorMessage error={apply.error} title="Not applied:" />}
    </div>
  );
}

/** Ask for a regroup proposal, read it as a diff, apply or dismiss it. */
export function RegroupPanel({ cohortId, onApplied }: { cohortId: number; onApplied: () => void }) {
  const [jobId, setJobId] = useState<number | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const ask = useMutation({
    mutationFn: () => requestRegroup(cohortId),
    onSuccess: (r) => {
      setOutcome(null);
      setJobId(r.job_id);
    },
  });
  return (
    <section className="card" aria-labelledby="regroup-title">
      <h3 id="regroup-title">Regroup</h3>
      <p className="muted small">
        Merge or refill groups below the minimum size, moving as few people as possible, only to times they can make
        on every remaining date. Nothing changes until you apply it.
      </p>
      <button type="button" onClick={() => ask.mutate()} disabled={ask.isPending}>
        Propose a regroup
      </button>
      {ask.error && <ErrorMessage error={ask.error} title="No proposal:" />}
      {outcome && (
        <p role="status" className="success">
          {outcome}
        </p>
      )}
      {jobId !== null && (
        <Proposal
          cohortId={cohortId}
          jobId={jobId}
          onDone={(applied) => {
            setJobId(null);
            setOutcome(applied ? "Regroup applied: the people moved are told." : "Proposal dismissed; nothing changed.");
            if (applied) onApplied();
          }}
        />
      )}
    </section>
  );
}
