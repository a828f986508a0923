import { useQuery } from "@tanstack/react-query";
import { outboxQuery } from "../../api/staff";
import { AdminNav } from "../../components/Admin/AdminNav";
import { QueryState } from "../../components/Feedback/Feedback";
import { useMe } from "../../hooks/useMe";
import { formatDateTime } from "../../lib/time";

export function AdminOutboxPage() {
  const { timeZone } = useMe();
  const outbox = useQuery(outboxQuery);
  return (
    <section>
      <h1>Outbox (local stack)</h1>
      <AdminNav />
      <p className="hint">
        What would have been sent to Discord, Google Calendar, SendGrid or the LLM without credentials. Newest first.
      </p>
      <QueryState query={outbox} label="Loading the outbox…">
        {(entries) =>
          entries.length === 0 ? (
            <p className="muted">Nothing sent yet.</p>
          ) : (
            <ol className="outbox">
              {entries.map((e) => (
                <li key={e.id} className="card">
                  <strong>{e.service}</strong> · {e.operation}{" "}
                  <span className="muted">{formatDateTime(e.created_at, timeZone)}</span>
                  <details>
                    <summary>Request</summary>
                    <pre>{JSON.stringify(e.request, null, 2)}</pre>
                  </details>
                </li>
              ))}
            </ol>
          )
        }
      </QueryState>
    </section>
  );
}
