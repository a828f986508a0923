import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "./http";

/** Other groups' meetings in the week of one of my meetings that I could join as a guest. */
export const guestOptionsQuery = (meetingId: number) =>
  queryOptions({
    queryKey: ["guest-visits", "options", meetingId],
    queryFn: async () =>
      unwrap(await api.GET("/api/meetings/{meeting_id}/guest-options", { params: { path: { meeting_id: meetingId } } })),
    retry: false, // a refusal (e.g. the cohort is not running) is an answer, not a glitch
  });

export const bookGuestVisit = async (ownMeetingId: number, hostMeetingId: number) =>
  unwrap(await api.POST("/api/guest-visits", { body: { own_meeting_id: ownMeetingId, host_meeting_id: hostMeetingId } }));

export const cancelGuestVisit = async (visitId: number) =>
  unwrap(await api.DELETE("/api/guest-visits/{visit_id}", { params: { path: { visit_id: visitId } } }));
