import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { facilitatorGroupsQuery } from "../../api/staff";
import { QueryState } from "../../components/Feedback/Feedback";
import { useMe } from "../../hooks/useMe";
import { formatDateTime } from "../../lib/time";

export function FacilitatorGroupsPage() {
  const { timeZone } = useMe();
  const groups = useQuery(facilitatorGroupsQuery);
  return (
    <section>
      <h1>My groups</h1>
      <QueryState query={groups} label="Loading your groups…">
        {(list) =>
          list.length === 0 ? (
            <p className="notice">You are not facilitating a group yet.</p>
          ) : (
            <ul className="cards">
              {list.map((g) => (
                <li key={g.id} className="card">
                  <h2>
                    <Link to={`/facilitator/groups/${g.id}`}>{g.name}</Link>
                  </h2>
                  <p className="muted">
                    {g.cohort_name} · {g.member_count} members · {g.status}
                    {g.next_meeting_at && <> · next meeting {formatDateTime(g.next_meeting_at, timeZone)}</>}
                  </p>
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
    </section>
  );
}
