import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { openFeedbackQuery } from "../../api/feedback";

/** On my group page: the meetings I can still give feedback on (nothing when there are none). */
export function OpenFeedback() {
  const open = useQuery(openFeedbackQuery);
  const forms = open.data?.forms ?? [];
  if (forms.length === 0) return null;
  return (
    <section className="card" aria-labelledby="open-feedback">
      <h2 id="open-feedback">Feedback</h2>
      <ul className="stack">
        {forms.map((f) => (
          <li key={f.meeting_id} className="cluster">
            <span>
              Meeting {f.meeting_number} of {f.group_name}
              {f.answered_at ? " · thank you, answered" : ""}
            </span>
            <Link className="button small secondary" to={`/group/feedback/${f.meeting_id}`}>
              {f.answered_at ? "Change my answers" : "How was it?"}
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
