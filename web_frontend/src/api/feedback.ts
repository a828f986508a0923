import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "./http";

export type FeedbackValue = number | string | null;

/** My meetings whose feedback form is open now, latest first. */
export const openFeedbackQuery = queryOptions({
  queryKey: ["feedback", "open"],
  queryFn: async () => unwrap(await api.GET("/api/feedback/open")),
});

export const feedbackFormQuery = (meetingId: number) =>
  queryOptions({
    queryKey: ["feedback", "meeting", meetingId],
    queryFn: async () =>
      unwrap(await api.GET("/api/meetings/{meeting_id}/feedback", { params: { path: { meeting_id: meetingId } } })),
    retry: false, // a 403/404 is an answer
  });

export const answerFeedback = async (meetingId: number, answers: Record<string, FeedbackValue>) =>
  unwrap(
    await api.PUT("/api/meetings/{meeting_id}/feedback", {
      params: { path: { meeting_id: meetingId } },
      body: { answers },
    }),
  );

export const groupFeedbackQuery = (groupId: number) =>
  queryOptions({
    queryKey: ["feedback", "group", groupId],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/facilitator/groups/{group_id}/feedback", { params: { path: { group_id: groupId } } }),
      ),
  });

export const cohortFeedbackQuery = (cohortId: number) =>
  infiniteQueryOptions({
    queryKey: ["feedback", "cohort", cohortId],
    queryFn: async ({ pageParam }: { pageParam: string | null }) =>
      unwrap(
        await api.GET("/api/admin/cohorts/{cohort_id}/feedback", {
          params: { path: { cohort_id: cohortId }, query: pageParam ? { cursor: pageParam } : {} },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
