import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { adminCohortsQuery, createCohort } from "../../api/staff";
import { AdminNav } from "../../components/Admin/AdminNav";
import { CohortForm, emptyCohort } from "../../components/Admin/CohortForm";
import { QueryState } from "../../components/Feedback/Feedback";
import { DataTable } from "../../components/ui/DataTable";
import { formatDate } from "../../lib/time";

export function AdminCohortsPage() {
  const cohorts = useQuery(adminCohortsQuery);
  const [creating, setCreating] = useState(false);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: createCohort,
    onSuccess: (c) => {
      void queryClient.invalidateQueries({ queryKey: adminCohortsQuery.queryKey });
      navigate(`/admin/cohorts/${c.id}`);
    },
  });
  return (
    <section>
      <h1>Admin: cohorts</h1>
      <AdminNav />
      {creating ? (
        <CohortForm
          initial={emptyCohort()}
          submitLabel="Create cohort"
          mutation={create}
          onCancel={() => setCreating(false)}
        />
      ) : (
        <button type="button" onClick={() => setCreating(true)}>
          New cohort
        </button>
      )}
      <QueryState query={cohorts} label="Loading cohorts…">
        {(list) =>
          list.length === 0 ? (
            <p className="muted">No cohorts yet.</p>
          ) : (
            <DataTable label="Cohorts" columns={["Cohort", "Course", "Starts", "Status", "Signups", "Groups"]}>
              {list.map((c) => (
                <tr key={c.id}>
                  <th scope="row">
                    <Link to={`/admin/cohorts/${c.id}`}>{c.name}</Link>
                  </th>
                  <td>{c.course_slug}</td>
                  <td>{formatDate(c.start_date)}</td>
                  <td>{c.status}</td>
                  <td>
                    {c.learners} learners, {c.facilitators} facilitators
                  </td>
                  <td>
                    {c.preview_groups} preview, {c.published_groups} published
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
