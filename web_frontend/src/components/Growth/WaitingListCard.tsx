import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { admit, waitingListQuery } from "../../api/growth";
import { useMe } from "../../hooks/useMe";
import { formatDateTime } from "../../lib/time";
import { ErrorMessage, QueryState } from "../Feedback/Feedback";
import { Card } from "../ui/Card";
import { DataTable } from "../ui/DataTable";

/** A closed cohort's waiting list: pick people and admit them (each gets the welcome). */
export function WaitingListCard({ cohortId }: { cohortId: number }) {
  const { timeZone } = useMe();
  const queryClient = useQueryClient();
  const people = useQuery(waitingListQuery(cohortId));
  const [chosen, setChosen] = useState<Set<number>>(new Set());
  const admission = useMutation({
    mutationFn: () => admit(cohortId, [...chosen]),
    onSuccess: () => {
      setChosen(new Set());
      return queryClient.invalidateQueries({ queryKey: ["growth"] });
    },
  });
  const toggle = (id: number) =>
    setChosen((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  return (
    <Card title="Waiting list">
      <QueryState query={people} label="Loading the waiting list…">
        {(list) =>
          list.length === 0 ? (
            <p className="muted">Nobody is waiting. People join the list when the cohort is closed.</p>
          ) : (
            <div className="stack">
              <DataTable label="Waiting list" columns={["Name", "Role", "Joined the list", "Admitted"]}>
                {list.map((p) => (
                  <tr key={p.user_id}>
                    <th scope="row">
                      {p.admitted_at ? (
                        p.display_name
                      ) : (
                        <label className="checkbox">
                          <input
                            type="checkbox"
                            checked={chosen.has(p.user_id)}
                            onChange={() => toggle(p.user_id)}
                          />
                          {p.display_name}
                        </label>
                      )}
                    </th>
                    <td>{p.role}</td>
                    <td>{formatDateTime(p.joined_at, timeZone)}</td>
                    <td>{p.admitted_at ? formatDateTime(p.admitted_at, timeZone) : "waiting"}</td>
                  </tr>
                ))}
              </DataTable>
              {admission.data && (
                <p role="status" className="success">
                  Admitted {admission.data.admitted.length}; each gets the welcome message.
                </p>
              )}
              {admission.error && <ErrorMessage error={admission.error} title="Not admitted:" />}
              <div className="cluster">
                <button type="button" onClick={() => admission.mutate()} disabled={chosen.size === 0 || admission.isPending}>
                  Admit {chosen.size || ""} selected
                </button>
              </div>
            </div>
          )
        }
      </QueryState>
    </Card>
  );
}
