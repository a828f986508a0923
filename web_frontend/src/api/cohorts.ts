import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "./http";
import type { RsvpUpdate } from "../client/schema";

export const openCohortsQuery = queryOptions({
  queryKey: ["cohorts", "open"],
  queryFn: async () => unwrap(await api.GET("/api/cohorts")).cohorts,
});

/** Enroll; an invite-only cohort wants its code, a closed one answers `waitlisted`. */
export const enroll = async (cohortId: number, role: "learner" | "facilitator", inviteCode?: string) =>
  unwrap(
    await api.POST("/api/cohorts/{cohort_id}/enroll", {
      params: { path: { cohort_id: cohortId } },
      body: inviteCode ? { role, invite_code: inviteCode } : { role },
    }),
  );

export const myGroupsQuery = queryOptions({
  queryKey: ["groups", "mine"],
  queryFn: async () => unwrap(await api.GET("/api/groups/mine")).groups,
});

export const rsvp = async (meetingId: number, status: RsvpUpdate["status"]) =>
  unwrap(await api.PUT("/api/meetings/{meeting_id}/rsvp", { params: { path: { meeting_id: meetingId } }, body: { status } }));

export const joinableGroupsQuery = (cohortId: number) =>
  queryOptions({
    queryKey: ["groups", "joinable", cohortId],
    queryFn: async () => unwrap(await api.GET("/api/groups/joinable", { params: { query: { cohort_id: cohortId } } })).groups,
  });

export const joinGroup = async (groupId: number) =>
  unwrap(await api.POST("/api/groups/{group_id}/join", { params: { path: { group_id: groupId } } }));

/** Leave a cohort (and its group); the facilitator is told, with the reason if one is given. */
export const leaveCohort = async (cohortId: number, reason: string) =>
  unwrap(
    await api.POST("/api/cohorts/{cohort_id}/leave", {
      params: { path: { cohort_id: cohortId } },
      body: { reason: reason.trim() || null },
    }),
  );
