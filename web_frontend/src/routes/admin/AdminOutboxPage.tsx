import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { OUTBOX_LIMIT, outboxQuery } from "../../api/staff";
import { AdminNav } from "../../components/Admin/AdminNav";
import { describeOutbox, type OutboxLine } from "../../components/Admin/outboxEntry";
import "../../components/Admin/Outbox.css";
import { QueryState } from "../../components/Feedback/Feedback";
import { useMe } from "../../hooks/useMe";
import { formatDateTime } from "../../lib/time";

export const PAGE_SIZE = 25;

type Filters = { channel: string; kind: string; status: string };
const ANY: Filters = { channel: "", kind: "", status: "" };

const choices = (lines: OutboxLine[], key: keyof Filters) => [...new Set(lines.map((l) => l[key]))].sort();

function FilterSelect({ id, label, value, options, onChange }: {
  id: string;
  label: string;
  value: string;
  options: string[];
  onChange: (value: string) => void;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </div>
  );
}

function OutboxRow({ line, timeZone }: { line: OutboxLine; timeZone: string }) {
  return (
    <li>
      <details>
        <summary className="outbox-row">
          <span className="outbox-toggle" aria-hidden="true">▸</span>
          <time dateTime={line.when} className="outbox-when">
            {formatDateTime(line.when, timeZone)}
          </time>
          <span className="badge badge-muted outbox-channel">{line.channel}</span>
          <span className="outbox-kind">{line.kind}</span>
          <span className="outbox-recipient">{line.recipient || <span className="muted">—</span>}</span>
          <span className="outbox-subject">{line.subject || <span className="muted">(no subject)</span>}</span>
          <span className={`badge outbox-status ${line.status === "cancelled" ? "badge-warn" : "badge-ok"}`}>{line.status}</span>
        </summary>
        <pre className="outbox-body">{line.body}</pre>
      </details>
    </li>
  );
}

function OutboxList({ lines, timeZone }: { lines: OutboxLine[]; timeZone: string }) {
  const [filters, setFilters] = useState<Filters>(ANY);
  const [page, setPage] = useState(0);
  const shown = lines.filter(
    (l) =>
      (!filters.channel || l.channel === filters.channel) &&
      (!filters.kind || l.kind === filters.kind) &&
      (!filters.status || l.status === filters.status),
  );
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const set = (key: keyof Filters) => (value: string) => {
    setFilters({ ...filters, [key]: value });
    setPage(0);
  };
  return (
    <div className="stack">
      <form className="cluster outbox-filters" aria-label="Filter the outbox" onSubmit={(e) => e.preventDefault()}>
        <FilterSelect id="outbox-channel" label="Channel" value={filters.channel} options={choices(lines, "channel")} onChange={set("channel")} />
        <FilterSelect id="outbox-kind" label="Kind" value={filters.kind} options={choices(lines, "kind")} onChange={set("kind")} />
        <FilterSelect id="outbox-status" label="Status" value={filters.status} options={choices(lines, "status")} onChange={set("status")} />
      </form>
      {shown.length === 0 ? (
        <p className="muted">Nothing matches these filters.</p>
      ) : (
        <>
          <p className="muted" aria-live="polite">
            {shown.length} message{shown.length === 1 ? "" : "s"}
            {pages > 1 && ` · page ${current + 1} of ${pages}`}. Open a row to read what was sent.
          </p>
          <ol className="outbox" aria-label="Messages, newest first">
            {shown.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE).map((line) => (
              <OutboxRow key={line.id} line={line} timeZone={timeZone} />
            ))}
          </ol>
          {pages > 1 && (
            <nav className="cluster" aria-label="Outbox pages">
              <button type="button" className="secondary" disabled={current === 0} onClick={() => setPage(current - 1)}>
                Newer
              </button>
              <button type="button" className="secondary" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
                Older
              </button>
            </nav>
          )}
        </>
      )}
    </div>
  );
}

export function AdminOutboxPage() {
  const { timeZone } = useMe();
  const outbox = useQuery(outboxQuery);
  const lines = useMemo(() => (outbox.data ?? []).map(describeOutbox), [outbox.data]);
  return (
    <section>
      <h1>Outbox (local stack)</h1>
      <AdminNav />
      <p className="hint">
        What would have been sent to Discord, Google Calendar, SendGrid or the LLM without credentials: the newest{" "}
        {OUTBOX_LIMIT}, newest first.
      </p>
      <QueryState query={outbox} label="Loading the outbox…">
        {(entries) =>
          entries.length === 0 ? <p className="muted">Nothing sent yet.</p> : <OutboxList lines={lines} timeZone={timeZone} />
        }
      </QueryState>
    </section>
  );
}
