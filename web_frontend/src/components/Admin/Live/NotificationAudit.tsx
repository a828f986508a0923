import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { meetingNotificationsQuery } from "../../../api/staff";
import { formatDateTime } from "../../../lib/time";
import { QueryState } from "../../Feedback/Feedback";
import { DataTable } from "../../ui/DataTable";

function AuditTable({ meetingId, zone }: { meetingId: number; zone: string }) {
  const log = useQuery(meetingNotificationsQuery(meetingId));
  return (
    <QueryState query={log} label="Loading what was sent…">
      {(data) =>
        data.notifications.length === 0 ? (
          <p className="muted small">Nothing sent or queued for this meeting yet.</p>
        ) : (
          <DataTable
            label={`Notifications of meeting ${meetingId}`}
            className="stack"
            columns={["Kind", "To", "Channel", "Status", "Due"]}
          >
            {data.notifications.map((n) => (
              <tr key={n.id}>
                <th scope="row">{n.kind.replace(/_/g, " ")}</th>
                <td data-label="To">{n.display_name ?? n.recipient}</td>
                <td data-label="Channel">{n.channel.replace(/_/g, " ")}</td>
                <td data-label="Status">
                  {n.status}
                  {n.last_error && <span className="error-text small"> — {n.last_error}</span>}
                </td>
                <td data-label="Due">{formatDateTime(n.sent_at ?? n.due_at, zone)}</td>
              </tr>
            ))}
          </DataTable>
        )
      }
    </QueryState>
  );
}

/** A meeting's notification audit (reminders, changes, with attempts), loaded when opened. */
export function NotificationAudit({ meetingId, number, zone }: { meetingId: number; number: number; zone: string }) {
  const [open, setOpen] = useState(false);
  return (
    <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>What was sent about meeting {number}</summary>
      {open && <AuditTable meetingId={meetingId} zone={zone} />}
    </details>
  );
}
