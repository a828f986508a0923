import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { memberChatsQuery, memberProgressQuery } from "../../api/staff";
import { Markdown } from "../../components/Content/Markdown";
import { QueryState } from "../../components/Feedback/Feedback";
import { CourseProgressView } from "../CourseOverviewPage";

export function FacilitatorMemberPage() {
  const params = useParams();
  const gid = Number(params.groupId);
  const uid = Number(params.userId);
  const progress = useQuery(memberProgressQuery(gid, uid));
  const chats = useQuery(memberChatsQuery(gid, uid));
  return (
    <section>
      <p>
        <Link to={`/facilitator/groups/${gid}`}>← Group</Link>
      </p>
      <h1>{progress.data?.display_name ?? "Member"}</h1>
      <h2>Progress</h2>
      <QueryState query={progress} label="Loading progress…">
        {(p) => <CourseProgressView progress={p} linkModules={false} />}
      </QueryState>
      <h2>Tutor chats</h2>
      <QueryState query={chats} label="Loading chats…">
        {(list) =>
          list.length === 0 ? (
            <p className="muted">No tutor chats yet.</p>
          ) : (
            list.map((t, i) => (
              <details key={i} className="card">
                <summary>
                  {t.module_title ?? t.module_slug} ({t.messages.filter((m) => m.role === "user").length} messages)
                </summary>
                <ol className="chat-log">
                  {t.messages
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
    </section>
  );
}
