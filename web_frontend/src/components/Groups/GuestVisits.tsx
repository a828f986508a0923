// "Can't make it?": for a learner's next meeting, the other groups' meetings that
// week that fit their availability and have room, with Book; a booked visit with
// Cancel. The API re-checks everything and its refusals are shown as they come.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { GuestOptionsPublic, GuestVisitPublic } from "../../client/schema";
import { bookGuestVisit, cancelGuestVisit, guestOptionsQuery } from "../../api/guestVisits";
import { ErrorMessage } from "../Feedback/Feedback";

function useRefresh() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: ["guest-visits"] });
    void queryClient.invalidateQueries({ queryKey: ["groups"] }); // the RSVPs changed too
  };
}

function Booked({ visit }: { visit: GuestVisitPublic }) {
  const refresh = useRefresh();
  const cancel = useMutation({ mutationFn: () => cancelGuestVisit(visit.id), onSuccess: refresh });
  return (
    <p role="status">
      You will join <strong>{visit.host_group_name}</strong> as a guest, {visit.starts_label}. You can see its
      Discord channel until the meeting is over.{" "}
      <button type="button" className="small secondary" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
        {cancel.isPending ? "Cancelling…" : "Cancel visit"}
      </button>
      {cancel.error && <ErrorMessage error={cancel.error} title="Not cancelled:" />}
    </p>
  );
}

function Options({ found }: { found: GuestOptionsPublic }) {
  const refresh = useRefresh();
  const book = useMutation({
    mutationFn: (hostMeetingId: number) => bookGuestVisit(found.own_meeting_id, hostMeetingId),
    onSuccess: refresh,
  });
  if (found.options.length === 0)
    return <p className="muted">No other group's meeting that week fits your availability and has room.</p>;
  return (
    <>
      <ul className="guest-options">
        {found.options.map((o) => (
          <li key={o.host_meeting_id}>
            <strong>{o.group_name}</strong>: {o.starts_label}
            {o.facilitator_names.length > 0 && <> · with {o.facilitator_names.join(", ")}</>} · {o.places_left}{" "}
            {o.places_left === 1 ? "place" : "places"} left{" "}
            <button
              type="button"
              className="small"
              aria-label={`Book ${o.group_name}, ${o.starts_label}`}
              disabled={book.isPending}
              onClick={() => book.mutate(o.host_meeting_id)}
            >
              Book
            </button>
          </li>
        ))}
      </ul>
      {book.error && <ErrorMessage error={book.error} title="Not booked:" />}
    </>
  );
}

export function GuestVisits({ meetingId }: { meetingId: number }) {
  const query = useQuery(guestOptionsQuery(meetingId));
  // Nothing to offer (cohort not running, meeting started…): no section at all.
  if (!query.data) return null;
  const found = query.data;
  return (
    <section className="guest-visits" aria-labelledby={`guest-${meetingId}`}>
      <h3 id={`guest-${meetingId}`}>Can't make it? Join another group this week</h3>
      <p className="hint">
        Instead of {found.own_group_name}, {found.own_starts_label} (your time).
      </p>
      {found.booked ? <Booked visit={found.booked} /> : <Options found={found} />}
    </section>
  );
}
