import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { memberChatsQuery, memberProgressQuery } from "../../api/staff";
import { Markdown } from "../../components/Content/Markdown";
import { QueryState } from "../../components/Feedback/Feedback";
import { MemberAnswers } from "../../components/Groups/MemberAnswers";
import { useMe } from "../../hooks/useMe";
import { formatDateTime } from "../../lib/time";

const minutes = (s: number) => (s < 60 ? `${s} s` : `${Math.round(s / 60)} min`);

/** "Module → Section" as the live content names them; a module alone is just its title. */
const contentName = (item: { title: string; module_title: string | null }) =>
  item.module_title ? `${item.module_title} → ${item.title}` : item.title;

const questions = (messages: { role: string }[]) => {
  const n = messages.filter((m) => m.role === "user").length;
  return n === 1 ? "1 message" : `${n} messages`;
};

export function FacilitatorMemberPage() {
  const params = useParams();
  const gid = Number(params.groupId);
  const uid = Number(params.userId);
  const { timeZone } = useMe();
  const progress = useQuery(memberProgressQuery(gid, uid));
  const chats = useQuery(memberChatsQuery(gid, uid));
  return (
    <section>
      <p>
        <Link to={`/facilitator/groups/${gid}`}>← Group</Link>
      </p>
      <h1>{progress.data?.display_name ?? chats.data?.display_name ?? "Member"}</h1>
      <h2>Progress</h2>
      <QueryState query={progress} label="Loading progress…">
        {(p) =>
          p.items.length === 0 ? (
            <p className="muted">Nothing started yet.</p>
          ) : (
            <div className="table-wrap table-scroll" role="region" aria-label="Progress" tabIndex={0}>
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Content</th>
                    <th scope="col">Type</th>
                    <th scope="col">Started</th>
                    <th scope="col">Completed</th>
                    <th scope="col">Time</th>
                  </tr>
                </thead>
                <tbody>
                  {p.items.map((item) => (
                    <tr key={item.content_id}>
                      <th scope="row">{contentName(item)}</th>
                      <td>{item.content_type}</td>
                      <td>{formatDateTime(item.started_at, timeZone)}</td>
                      <td>{item.completed_at ? formatDateTime(item.completed_at, timeZone) : "Not yet"}</td>
                      <td>{minutes(item.total_time_s)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryState>
      <h2>Tutor chats</h2>
      <QueryState query={chats} label="Loading chats…">
        {(data) =>
          data.chats.length === 0 ? (
            <p className="muted">No tutor chats yet.</p>
          ) : (
            data.chats.map((chat) => (
              <details key={chat.id} className="card">
                <summary>
                  {chat.module_title} · {questions(chat.messages)} · last active{" "}
                  {formatDateTime(chat.last_active_at, timeZone)}
                  {chat.archived && " (archived)"}
                </summary>
                <ol className="chat-log">
                  {chat.messages
                    .filter((m) => m.role !== "system")
                    .map((m, j) => (
                      <li key={j} className={`chat-message ${m.role}`}>
                        <span className="sr-only">{m.role === "user" ? "Learner:" : "Tutor:"}</span>
                        <Markdown source={m.content} />
                      </li>
                    ))}
                </ol>
              </details>
            ))
          )
        }
      </QueryState>
      <MemberAnswers groupId={gid} userId={uid} />
    </section>
  );
}
