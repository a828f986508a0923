// Facilitator and admin routes (issue 4, items 6 and 7).
import { queryOptions } from "@tanstack/react-query";
import { request } from "./http";
import type { ChatMessage, Cohort, CohortCreate, CourseProgress, Job, WireInterval } from "./types";

export interface FacilitatorGroup {
  id: number;
  name: string;
  cohort_id: number;
  cohort_name: string;
  status: string;
  member_count: number;
  first_meeting_at?: string | null;
  meeting_minutes?: number;
}

export interface MemberSummary {
  user_id: number;
  display_name: string;
  role: "learner" | "facilitator";
  completed_sections: number;
  total_sections: number;
  last_active_at: string | null;
  rsvps: Record<string, string>;
  attendance: Record<string, "attended" | "missed" | "upcoming">;
}

export interface GroupMembers {
  group: FacilitatorGroup;
  meetings: { meeting_number: number; starts_at: string }[];
  members: MemberSummary[];
}

export interface ChatTranscript {
  module_slug: string;
  module_title?: string | null;
  archived?: boolean;
  messages: ChatMessage[];
}

export const facilitatorGroupsQuery = queryOptions({
  queryKey: ["facilitator", "groups"],
  queryFn: () => request<FacilitatorGroup[]>("GET", "/api/facilitator/groups"),
});

export const groupMembersQuery = (gid: number) =>
  queryOptions({
    queryKey: ["facilitator", "groups", gid],
    queryFn: () => request<GroupMembers>("GET", `/api/facilitator/groups/${gid}/members`),
  });

export const memberProgressQuery = (gid: number, uid: number) =>
  queryOptions({
    queryKey: ["facilitator", "groups", gid, "members", uid, "progress"],
    queryFn: () =>
      request<CourseProgress & { display_name?: string }>(
        "GET",
        `/api/facilitator/groups/${gid}/members/${uid}/progress`,
      ),
  });

export const memberChatsQuery = (gid: number, uid: number) =>
  queryOptions({
    queryKey: ["facilitator", "groups", gid, "members", uid, "chats"],
    queryFn: () =>
      request<ChatTranscript[]>("GET", `/api/facilitator/groups/${gid}/members/${uid}/chats`),
  });

// --- admin ---

export interface Signup {
  user_id: number;
  display_name: string;
  role: "learner" | "facilitator";
  timezone: string;
  intervals: WireInterval[];
  created_at?: string;
}

export interface PreviewMember {
  user_id: number;
  display_name: string;
  role: "learner" | "facilitator";
  timezone?: string;
}

export interface PreviewGroup {
  id: number;
  name: string;
  status: string;
  anchor_timezone: string;
  weekday: number;
  local_time: string;
  meeting_minutes: number;
  first_meeting_at: string;
  meeting_starts?: string[];
  members: PreviewMember[];
  notes?: string[];
}

export interface Unplaced {
  user_id: number;
  display_name: string;
  role: "learner" | "facilitator";
  reason: string;
  explanation?: string | null;
  suggestions?: string[];
}

export interface Preview {
  cohort: Cohort;
  run: {
    id: number;
    created_at: string;
    gap?: number | null;
    objective?: number | null;
    stats?: Record<string, unknown>;
    notes?: string[];
  } | null;
  groups: PreviewGroup[];
  unplaced: Unplaced[];
}

export interface ContentProblem {
  file?: string | null;
  line?: number | null;
  message: string;
  suggestion?: string | null;
  severity?: "error" | "warning";
}

export interface ContentStatus {
  active_version: string | null;
  versions: {
    version: string;
    source: string;
    status: string;
    created_at: string;
    errors: ContentProblem[];
    warnings: ContentProblem[];
  }[];
}

export interface OutboxEntry {
  id: number;
  service: string;
  operation: string;
  request: unknown;
  created_at: string;
}

export const adminCohortsQuery = queryOptions({
  queryKey: ["admin", "cohorts"],
  queryFn: () => request<Cohort[]>("GET", "/api/admin/cohorts"),
});

export const adminCohortQuery = (id: number) =>
  queryOptions({
    queryKey: ["admin", "cohorts", id],
    queryFn: () => request<Cohort>("GET", `/api/admin/cohorts/${id}`),
  });

export const createCohort = (body: CohortCreate) =>
  request<Cohort>("POST", "/api/admin/cohorts", { body });

export const updateCohort = (id: number, body: Partial<CohortCreate>) =>
  request<Cohort>("PATCH", `/api/admin/cohorts/${id}`, { body });

export const signupsQuery = (id: number) =>
  queryOptions({
    queryKey: ["admin", "cohorts", id, "signups"],
    queryFn: () => request<Signup[]>("GET", `/api/admin/cohorts/${id}/signups`),
  });

export const runScheduling = (id: number) =>
  request<{ job_id: number }>("POST", `/api/admin/cohorts/${id}/schedule`);

export const publishCohort = (id: number) =>
  request<{ job_id: number }>("POST", `/api/admin/cohorts/${id}/publish`);

export const previewQuery = (id: number) =>
  queryOptions({
    queryKey: ["admin", "cohorts", id, "preview"],
    queryFn: () => request<Preview>("GET", `/api/admin/cohorts/${id}/preview`),
  });

export const movePreviewMember = (cohortId: number, userId: number, toGroupId: number) =>
  request<Preview>("POST", `/api/admin/cohorts/${cohortId}/preview/moves`, {
    body: { user_id: userId, to_group_id: toGroupId },
  });

export const jobQuery = (id: number) =>
  queryOptions({
    queryKey: ["admin", "jobs", id],
    queryFn: () => request<Job>("GET", `/api/admin/jobs/${id}`),
    // Poll until the job is finished: the page shows live progress.
    refetchInterval: (q) =>
      q.state.data && ["succeeded", "failed"].includes(q.state.data.status) ? false : 1000,
  });

export const jobsQuery = queryOptions({
  queryKey: ["admin", "jobs"],
  queryFn: () => request<Job[]>("GET", "/api/admin/jobs"),
  refetchInterval: 5000,
});

export const contentStatusQuery = queryOptions({
  queryKey: ["admin", "content"],
  queryFn: () => request<ContentStatus>("GET", "/api/admin/content"),
});

export const outboxQuery = queryOptions({
  queryKey: ["dev", "outbox"],
  queryFn: () => request<OutboxEntry[]>("GET", "/api/dev/outbox"),
  refetchInterval: 5000,
});
