import { useInfiniteQuery } from "@tanstack/react-query";
import { jobPagesQuery } from "../../api/staff";
import { AdminNav } from "../../components/Admin/AdminNav";
import { LoadMore } from "../../components/Admin/LoadMore";
import { QueryState } from "../../components/Feedback/Feedback";
import { DataTable } from "../../components/ui/DataTable";
import { useMe } from "../../hooks/useMe";
import { formatDateTime } from "../../lib/time";

export function AdminJobsPage() {
  const { timeZone } = useMe();
  const jobs = useInfiniteQuery(jobPagesQuery);
  return (
    <section>
      <h1>Admin: jobs</h1>
      <AdminNav />
      <p className="hint">Background work (scheduling, publishing, sync, notifications). Refreshes every 5 seconds.</p>
      <QueryState query={jobs} label="Loading jobs…">
        {(data) => {
          const list = data.pages.flatMap((page) => page.jobs);
          return (
            <>
              <DataTable label="Jobs" columns={["Job", "Kind", "Status", "Attempts", "Created", "Error"]}>
                {list.map((j) => (
                  <tr key={j.id}>
                    <th scope="row">{j.id}</th>
                    <td>{j.kind}</td>
                    <td className={`job-${j.status}`}>{j.status}</td>
                    <td>{j.attempts ?? "—"}</td>
                    <td>{j.created_at ? formatDateTime(j.created_at, timeZone) : "—"}</td>
                    <td>{j.error ?? ""}</td>
                  </tr>
                ))}
              </DataTable>
              <LoadMore
                shown={list.length}
                noun="jobs"
                hasMore={jobs.hasNextPage}
                loading={jobs.isFetchingNextPage}
                onMore={() => void jobs.fetchNextPage()}
              />
            </>
          );
        }}
      </QueryState>
    </section>
  );
}
