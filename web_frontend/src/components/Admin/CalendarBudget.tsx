import { useQuery } from "@tanstack/react-query";
import { invitationBudgetQuery } from "../../api/calendarBudget";
import type { OrganiserUserBudgetPublic as UserBudget } from "../../client/schema";
import { QueryState } from "../Feedback/Feedback";
import { Badge } from "../ui/Badge";
import { DataTable } from "../ui/DataTable";

/**
 * Google Calendar invitations before publishing: what the cohort's series would send
 * from each organiser user, what each sent in the last 24 hours, against Google's limit
 * (publishing is refused past it). Nothing to count when the cohort chose .ics e-mail.
 */
export function CalendarBudget({ cohortId }: { cohortId: number }) {
  const query = useQuery(invitationBudgetQuery(cohortId));
  return (
    <section aria-labelledby="calendar-budget">
      <h3 id="calendar-budget">Calendar invitations</h3>
      <QueryState query={query} label="Counting the calendar invitations…">
        {(b) =>
          b.invitations === "ics" ? (
            <p>Members get the meetings as .ics e-mails: no organiser calendar, no Google limit.</p>
          ) : (
            <>
              <p>
                {b.fits ? <Badge tone="ok">Fits</Badge> : <Badge tone="danger">Over Google's limit</Badge>} Publishing{" "}
                {b.new_groups} series invites {b.new_invitations} member{b.new_invitations === 1 ? "" : "s"}
                {b.fits
                  ? "."
                  : "; publishing is refused. Add organiser users (distinct Workspace users) or choose .ics invitations."}
              </p>
              <DataTable
                label="Organiser users"
                className="stack"
                caption="Each organiser user's invitations in 24 hours against Google's limit"
                columns={["Organiser user", "Sent in the last 24 h", "Publishing adds", "Left"]}
              >
                {b.users.map((u) => (
                  <UserRow key={u.user} user={u} />
                ))}
              </DataTable>
            </>
          )
        }
      </QueryState>
    </section>
  );
}

function UserRow({ user: u }: { user: UserBudget }) {
  return (
    <tr>
      <th scope="row" data-label="Organiser user">
        {u.user} {!u.fits && <Badge tone="danger">over</Badge>}
        {u.blocked_until && <Badge tone="muted">blocked by Google</Badge>}
      </th>
      <td data-label="Sent in the last 24 h">
        {u.sent_last_day} of {u.limit}
      </td>
      <td data-label="Publishing adds">
        {u.adds} ({u.new_groups} group{u.new_groups === 1 ? "" : "s"})
      </td>
      <td data-label="Left">{u.left}</td>
    </tr>
  );
}
