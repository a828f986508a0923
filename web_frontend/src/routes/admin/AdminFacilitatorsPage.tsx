import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { facilitatorsQuery, setMaxActiveGroups } from "../../api/staff";
import type { FacilitatorAdminPublic as Facilitator } from "../../client/schema";
import { AdminNav } from "../../components/Admin/AdminNav";
import { CertifyButton } from "../../components/Admin/CertifyButton";
import { ErrorMessage, QueryState } from "../../components/Feedback/Feedback";
import { DataTable } from "../../components/ui/DataTable";
import { useMe } from "../../hooks/useMe";
import { formatDateTime } from "../../lib/time";

const MAX_GROUPS = 10;

function MaxGroupsForm({ facilitator }: { facilitator: Facilitator }) {
  const queryClient = useQueryClient();
  const [value, setValue] = useState(String(facilitator.max_active_groups));
  const save = useMutation({
    mutationFn: () => setMaxActiveGroups(facilitator.user_id, Number(value)),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: facilitatorsQuery.queryKey }),
  });
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      {/* An aria-label, not a visually hidden label: an absolutely positioned one would
          widen the page from inside the scrolling table. */}
      <input
        aria-label={`Most active groups ${facilitator.display_name} may lead`}
        type="number"
        min={0}
        max={MAX_GROUPS}
        step={1}
        required
        value={value}
        onChange={(e) => setValue(e.target.value)}
        className="number-input"
      />
      <button type="submit" className="secondary small" disabled={save.isPending || value === String(facilitator.max_active_groups)}>
        Save
      </button>
      {save.error && <ErrorMessage error={save.error} title="Not saved:" />}
    </form>
  );
}

export function AdminFacilitatorsPage() {
  const { timeZone } = useMe();
  const facilitators = useQuery(facilitatorsQuery);
  return (
    <section>
      <h1>Admin: facilitators</h1>
      <AdminNav />
      <p className="hint">
        The scheduler places only certified facilitators, each in at most their "most groups" active groups (groups they
        lead in other cohorts count). Applicants waiting for certification are listed first.
      </p>
      <QueryState query={facilitators} label="Loading facilitators…">
        {(list) =>
          list.length === 0 ? (
            <p className="muted">Nobody has applied to facilitate yet.</p>
          ) : (
            <DataTable
              label="Facilitators"
              columns={["Name", "Time zone", "Applied", "Certified", "Active groups", "Most groups"]}
            >
              {list.map((f) => (
                <tr key={f.user_id}>
                  <th scope="row">
                    {f.display_name}
                    {f.discord_username && <span className="muted small"> @{f.discord_username}</span>}
                    {f.application_note && <p className="small">{f.application_note}</p>}
                  </th>
                  <td>{f.timezone}</td>
                  <td>{formatDateTime(f.applied_at, timeZone)}</td>
                  <td>
                    {f.certified_at ? formatDateTime(f.certified_at, timeZone) : <strong>Not certified</strong>}{" "}
                    <CertifyButton userId={f.user_id} name={f.display_name} certified={f.is_certified} />
                  </td>
                  <td>{f.active_groups}</td>
                  <td>
                    <MaxGroupsForm key={f.max_active_groups} facilitator={f} />
                  </td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </QueryState>
    </section>
  );
}
