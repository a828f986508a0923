import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { meetingNotificationsQuery } from "../../../api/staff";
import { formatDateTime } from "../../../lib/time";
import { QueryState } from "../../Feedback/Feedback";

function AuditTable({ meetingId, zone }: { meetingId: number; zone: string }) {
  const log = useQuery(meetingNotificationsQuery(meetingId));
  return (
    <QueryState query={log} label="Loading what was sent…">
      {(data) =>
        data.notifications.length === 0 ? (
          <p className="muted small">Nothing sent or queued for this meeting yet.</p>
        ) : (
          <div className="table-scroll" role="region" aria-label={`Notifications of meeting ${meetingId}`} tabIndex={0}>
            <table className="stack">
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">To</th>
                  <th scope="col">Channel</th>
                  <th scope="col">Status</th>
                  <th scope="col">Due</th>
                </tr>
              </thead>
              <tbody>
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
              </tbody>
            </table>
          </div>
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
