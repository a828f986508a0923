import { queryOptions } from "@tanstack/react-query";
import { request } from "./http";
import type { Cohort, MyGroup } from "./types";

export const openCohortsQuery = queryOptions({
  queryKey: ["cohorts", "open"],
  queryFn: () => request<Cohort[]>("GET", "/api/cohorts"),
});

export const enroll = (cohortId: number, role: "learner" | "facilitator") =>
  request<unknown>("POST", `/api/cohorts/${cohortId}/enrollment`, { body: { role } });

export const myGroupsQuery = queryOptions({
  queryKey: ["groups", "mine"],
  queryFn: () => request<MyGroup[]>("GET", "/api/groups/mine"),
});

export const rsvp = (meetingId: number, status: "attending" | "not_attending" | "tentative") =>
  request<unknown>("PUT", `/api/meetings/${meetingId}/rsvp`, { body: { status } });
