import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { feedbackFormQuery } from "../api/feedback";
import { QueryState } from "../components/Feedback/Feedback";
import { FeedbackForm } from "../components/MeetingFeedback/FeedbackForm";
import { useMe } from "../hooks/useMe";
import { formatDateTime } from "../lib/time";

/** /group/feedback/:meetingId — where the post-meeting e-mail and DM lead. */
export function FeedbackPage() {
  const meetingId = Number(useParams().meetingId);
  const { timeZone } = useMe();
  const form = useQuery(feedbackFormQuery(meetingId));
  return (
    <section>
      <p>
        <Link to="/group">← My group</Link>
      </p>
      <QueryState query={form} label="Loading the form…">
        {(f) => (
          <>
            <h1>
              How was meeting {f.meeting_number} of {f.group_name}?
            </h1>
            <p className="muted">{formatDateTime(f.starts_at, timeZone)}</p>
            <FeedbackForm key={f.meeting_id} form={f} zone={timeZone} />
          </>
        )}
      </QueryState>
    </section>
  );
}
