import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { dossierQuery } from "../../api/people";
import type { PersonDossierPublic as Dossier } from "../../client/schema";
import { AdminNav } from "../../components/Admin/AdminNav";
import { QueryState } from "../../components/Feedback/Feedback";
import { DataTable } from "../../components/ui/DataTable";
import { useMe } from "../../hooks/useMe";
import { formatDateTime } from "../../lib/time";

const minutes = (s: number) => (s < 60 ? `${s} s` : `${Math.round(s / 60)} min`);
const words = (s: string) => s.replace(/_/g, " ");
const yesNo = (on: boolean) => (on ? "on" : "off");

function Profile({ d }: { d: Dossier }) {
  const p = d.profile;
  const prefs = d.preferences;
  return (
    <dl className="card">
      <dt>Time zone</dt>
      <dd>{p.timezone}</dd>
      <dt>Email</dt>
      <dd>
        {prefs.email ?? "none"}
        {prefs.email && !prefs.email_verified && <span className="muted"> (not verified)</span>}
      </dd>
      <dt>Discord</dt>
      <dd>{p.discord_username ? `${p.discord_username} (id ${p.discord_id})` : "not linked"}</dd>
      <dt>Notifications</dt>
      <dd>
        email {yesNo(prefs.email_notifications)} · Discord messages {yesNo(prefs.dm_notifications)}
        {!prefs.discord_linked && " (no Discord account linked)"}
      </dd>
      <dt>Roles</dt>
      <dd>
        {[p.is_admin && "admin", p.facilitator && (p.facilitator.is_certified ? "certified facilitator" : "facilitator applicant")]
          .filter(Boolean)
          .join(", ") || "learner"}
      </dd>
      <dt>Weekly availability</dt>
      <dd>{d.availability.text}</dd>
    </dl>
  );
}

function Enrollments({ d, zone }: { d: Dossier; zone: string }) {
  if (d.enrollments.length === 0) return <p className="muted">Not enrolled in any cohort.</p>;
  return (
    <DataTable label="Enrollments" columns={["Cohort", "Role", "Signed up", "Status"]}>
      {d.enrollments.map((e) => (
        <tr key={e.cohort_id}>
          <th scope="row">
            <Link to={`/admin/cohorts/${e.cohort_id}`}>{e.cohort_name}</Link>
            <span className="muted"> ({e.cohort_status})</span>
          </th>
          <td>{e.role}</td>
          <td>{formatDateTime(e.signed_up_at, zone)}</td>
          <td>
            {e.withdrawn_at ? (
              <>
                Withdrew {formatDateTime(e.withdrawn_at, zone)}
                {e.withdrawal_reason ? `: “${e.withdrawal_reason}”` : " (no reason given)"}
              </>
            ) : e.unplaced_reason ? (
              `Not placed: ${words(e.unplaced_reason)}`
            ) : (
              "Enrolled"
            )}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

function Groups({ d, zone }: { d: Dossier; zone: string }) {
  if (d.groups.length === 0) return <p className="muted">Never in a group.</p>;
  const attendance = new Map(d.attendance.map((a) => [a.group_id, a]));
  return (
    <DataTable label="Groups and attendance" columns={["Group", "Role", "Membership", "Attended / held"]}>
      {d.groups.map((g) => {
        const a = attendance.get(g.group_id);
        return (
          <tr key={`${g.group_id}-${g.joined_at}`}>
            <th scope="row">
              {g.group_name}
              <span className="muted">
                {" "}
                · {g.cohort_name} ({g.group_status})
              </span>
            </th>
            <td>{g.role}</td>
            <td>
              {/* A past membership's status ("removed", "moved") is not "since" it began. */}
              {g.left_at ? (
                <>
                  {g.membership_status}: joined {formatDateTime(g.joined_at, zone)} · left{" "}
                  {formatDateTime(g.left_at, zone)}
                </>
              ) : (
                <>
                  {g.membership_status} since {formatDateTime(g.joined_at, zone)}
                </>
              )}
              {g.reason_for_leaving && <> · “{g.reason_for_leaving}”</>}
            </td>
            <td>
              {a ? `${a.attended} / ${a.held}` : "—"}
              {a?.missed_in_a_row ? ` · missed ${a.missed_in_a_row} in a row` : ""}
              {a?.inactive && <span className="badge">inactive</span>}
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}

function Progress({ d }: { d: Dossier }) {
  if (d.modules.length === 0) return <p className="muted">No module started yet.</p>;
  const done = d.modules.filter((m) => m.status === "completed");
  const going = d.modules.filter((m) => m.status !== "completed");
  return (
    <>
      <p>
        {done.length} module{done.length === 1 ? "" : "s"} completed, {going.length} in progress.
      </p>
      <ul>
        {d.modules.map((m) => (
          <li key={m.module_id}>
            {m.status === "completed" ? "✓" : "◐"} {m.title}{" "}
            <span className="muted">
              ({m.status === "completed" ? "completed" : "in progress"}, {minutes(m.total_time_s)})
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}

function Sent({ d, zone }: { d: Dossier; zone: string }) {
  if (d.notifications.length === 0) return <p className="muted">Nothing sent to them yet.</p>;
  return (
    <DataTable label="Notifications sent" columns={["When", "What", "Channel", "Status"]}>
      {d.notifications.map((n) => (
        <tr key={n.id}>
          <th scope="row">{formatDateTime(n.sent_at ?? n.due_at, zone)}</th>
          <td>
            {words(n.kind)}
            <span className="muted">
              {" "}
              ({n.reference_type} {n.reference_id})
            </span>
          </td>
          <td>{words(n.channel)}</td>
          <td>
            {n.status}
            {n.last_error && <span className="muted"> · {n.last_error}</span>}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

/** Admin: everything about one person. */
export function AdminPersonPage() {
  const userId = Number(useParams().userId);
  const { timeZone } = useMe();
  const dossier = useQuery(dossierQuery(userId));
  return (
    <section>
      <p>
        <Link to="/admin/people">← People</Link>
      </p>
      <QueryState query={dossier} label="Loading…">
        {(d) => (
          <>
            <h1>{d.profile.display_name}</h1>
            <AdminNav />
            <p className="muted">Times in {timeZone}.</p>
            <h2>Profile</h2>
            <Profile d={d} />
            <h2>Enrollments</h2>
            <Enrollments d={d} zone={timeZone} />
            <h2>Groups and attendance</h2>
            <Groups d={d} zone={timeZone} />
            <h2>Course progress</h2>
            <Progress d={d} />
            <h2>What was sent to them</h2>
            <p className="hint">The latest notifications to them (up to 50), newest first.</p>
            <Sent d={d} zone={timeZone} />
          </>
        )}
      </QueryState>
    </section>
  );
}
