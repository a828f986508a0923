// Facilitator and admin routes (issue 4, items 6 and 7), typed by the generated schema.
import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import type {
  CohortCreate,
  CohortUpdate,
  ContentBuildPublic,
  GroupCreate,
  GroupUpdate,
  JobPublic,
  ScheduleParams,
} from "../client/schema";
import { api, request, unwrap } from "./http";

const path = <K extends string>(key: K, id: number) => ({ path: { [key]: id } as Record<K, number> });

export const facilitatorGroupsQuery = queryOptions({
  queryKey: ["facilitator", "groups"],
  queryFn: async () => unwrap(await api.GET("/api/facilitator/groups")).groups,
});

export const groupMembersQuery = (gid: number) =>
  queryOptions({
    queryKey: ["facilitator", "groups", gid, "members"],
    queryFn: async () =>
      unwrap(await api.GET("/api/facilitator/groups/{group_id}/members", { params: path("group_id", gid) })).members,
  });

export const groupMeetingsQuery = (gid: number) =>
  queryOptions({
    queryKey: ["facilitator", "groups", gid, "meetings"],
    queryFn: async () =>
      unwrap(await api.GET("/api/facilitator/groups/{group_id}/meetings", { params: path("group_id", gid) })).meetings,
  });

export const memberProgressQuery = (gid: number, uid: number) =>
  queryOptions({
    queryKey: ["facilitator", "groups", gid, "members", uid, "progress"],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/facilitator/groups/{group_id}/members/{user_id}/progress", {
          params: { path: { group_id: gid, user_id: uid } },
        }),
      ),
  });

export const memberChatsQuery = (gid: number, uid: number) =>
  queryOptions({
    queryKey: ["facilitator", "groups", gid, "members", uid, "chats"],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/facilitator/groups/{group_id}/members/{user_id}/chats", {
          params: { path: { group_id: gid, user_id: uid } },
        }),
      ),
  });

// --- admin ---

export const adminCohortsQuery = queryOptions({
  queryKey: ["admin", "cohorts"],
  queryFn: async () => unwrap(await api.GET("/api/admin/cohorts")).cohorts,
});

export const adminCohortQuery = (id: number) =>
  queryOptions({
    queryKey: ["admin", "cohorts", id],
    queryFn: async () => unwrap(await api.GET("/api/admin/cohorts/{cohort_id}", { params: path("cohort_id", id) })),
  });

export const createCohort = async (body: CohortCreate) => unwrap(await api.POST("/api/admin/cohorts", { body }));

export const updateCohort = async (id: number, body: CohortUpdate) =>
  unwrap(await api.PATCH("/api/admin/cohorts/{cohort_id}", { params: path("cohort_id", id), body }));

/** The cohort's signups a page at a time, in signup order (a keyset cursor per page:
 * docs/operations.md "Paged admin lists"); `fetchNextPage` loads the next. */
export const signupPagesQuery = (id: number) =>
  infiniteQueryOptions({
    queryKey: ["admin", "cohorts", id, "signups"],
    queryFn: async ({ pageParam }: { pageParam: string | null }) =>
      unwrap(
        await api.GET("/api/admin/cohorts/{cohort_id}/signups", {
          params: { path: { cohort_id: id }, query: pageParam ? { cursor: pageParam } : {} },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });

export const runScheduling = async (id: number, params: ScheduleParams = {}) =>
  unwrap(await api.POST("/api/admin/cohorts/{cohort_id}/schedule", { params: path("cohort_id", id), body: { params } }));

export const publishCohort = async (id: number) =>
  unwrap(await api.POST("/api/admin/cohorts/{cohort_id}/publish", { params: path("cohort_id", id) }));

/** Discard the cohort's latest scheduling run: its preview groups go, its proposed joins are voided. */
export const discardRun = async (cohortId: number, runId: number) =>
  unwrap(
    await api.POST("/api/admin/cohorts/{cohort_id}/runs/{run_id}/discard", {
      params: { path: { cohort_id: cohortId, run_id: runId } },
    }),
  );

export const syncCohort = async (id: number) =>
  unwrap(await api.POST("/api/admin/cohorts/{cohort_id}/sync", { params: path("cohort_id", id) }));

/** The preview's groups a page at a time, by name, each page with the run and the whole
 * preview's summary (docs/operations.md "Paged admin lists"); `fetchNextPage` loads the next. */
export const previewPagesQuery = (id: number) =>
  infiniteQueryOptions({
    queryKey: ["admin", "cohorts", id, "preview", "groups"],
    queryFn: async ({ pageParam }: { pageParam: string | null }) =>
      unwrap(
        await api.GET("/api/admin/cohorts/{cohort_id}/preview", {
          params: { path: { cohort_id: id }, query: pageParam ? { cursor: pageParam } : {} },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });

/** The whole cohort's availability: people free per half hour of the week in `zone`, on the
 * week the cohort starts, counted by the server over every signup (not the pages loaded). */
export const availabilityQuery = (id: number, zone: string) =>
  queryOptions({
    queryKey: ["admin", "cohorts", id, "availability", zone],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/admin/cohorts/{cohort_id}/availability", {
          params: { path: { cohort_id: id }, query: { zone } },
        }),
      ),
  });

/** The cohort's preview or live groups whose name contains `name`, by name, a page at a time:
 * where a move form can send someone, whichever pages of groups are loaded. */
export const groupChoicesQuery = (id: number, status: "preview" | "active", name: string) =>
  infiniteQueryOptions({
    queryKey: ["admin", "cohorts", id, status === "preview" ? "preview" : "live", "choices", name],
    queryFn: async ({ pageParam }: { pageParam: string | null }) =>
      unwrap(
        await api.GET("/api/admin/cohorts/{cohort_id}/groups", {
          params: { path: { cohort_id: id }, query: { status, name, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });

/** Who the scheduler left out and why, a page at a time in signup order. */
export const unplacedPagesQuery = (id: number) =>
  infiniteQueryOptions({
    queryKey: ["admin", "cohorts", id, "preview", "unplaced"],
    queryFn: async ({ pageParam }: { pageParam: string | null }) =>
      unwrap(
        await api.GET("/api/admin/cohorts/{cohort_id}/preview/unplaced", {
          params: { path: { cohort_id: id }, query: pageParam ? { cursor: pageParam } : {} },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });

/** Both preview lists of a cohort (what to invalidate after a change). */
export const previewKey = (id: number) => ["admin", "cohorts", id, "preview"] as const;

/** Move someone into a group; the API checks the group's time against their availability. */
export const moveMember = async (groupId: number, userId: number, role: "learner" | "facilitator", force = false) =>
  unwrap(
    await api.POST("/api/admin/groups/{group_id}/members", {
      params: path("group_id", groupId),
      body: { user_id: userId, role, force },
    }),
  );

const finished = (job: JobPublic | undefined) => job && ["succeeded", "failed"].includes(job.status);

export const jobQuery = (id: number) =>
  queryOptions({
    queryKey: ["jobs", id],
    queryFn: async () => unwrap(await api.GET("/api/jobs/{job_id}", { params: path("job_id", id) })),
    // Poll every second until the job is finished: the page shows live progress.
    refetchInterval: (q) => (finished(q.state.data) ? false : 1000),
  });

/** Jobs newest first, 100 a page; `fetchNextPage` loads older ones. Every loaded page is
 * refreshed every 5 s (a page's cursor is a job id, so the pages stay contiguous). */
export const jobPagesQuery = infiniteQueryOptions({
  queryKey: ["admin", "jobs"],
  queryFn: async ({ pageParam }: { pageParam: string | null }) =>
    unwrap(
      await api.GET("/api/admin/jobs", { params: { query: { limit: 100, ...(pageParam ? { cursor: pageParam } : {}) } } }),
    ),
  initialPageParam: null as string | null,
  getNextPageParam: (last) => last.next_cursor ?? null,
  refetchInterval: 5000,
});

export type ContentBuild = ContentBuildPublic;

export const contentStatusQuery = queryOptions({
  queryKey: ["admin", "content"],
  queryFn: async () => unwrap(await api.GET("/api/admin/content")),
});

/** Build the content branch's head: live if valid, or (activate=false) only checked. */
export const buildContent = async (activate: boolean) =>
  unwrap(await api.POST("/api/admin/content/builds", { body: { activate } }));

/** Make an earlier built version the one learners see (a rollback). */
export const activateContentVersion = async (version: string) =>
  unwrap(await api.POST("/api/admin/content/versions/{version}/activate", { params: { path: { version } } }));

// The local stack's outbox (devserver/dev_api.py); not part of the deployed API.
export interface OutboxEntry {
  id: number;
  service: string;
  operation: string;
  request: unknown;
  created_at: string;
}

/** The most rows /api/dev/outbox answers (devserver/dev_api.py MAX_OUTBOX_ROWS); the page pages through them. */
export const OUTBOX_LIMIT = 500;

export const outboxQuery = queryOptions({
  queryKey: ["dev", "outbox"],
  queryFn: async () =>
    (await request<{ messages: OutboxEntry[] }>("GET", "/api/dev/outbox", { query: { limit: OUTBOX_LIMIT } })).messages,
  refetchInterval: 5000,
});

// --- facilitators (certification and group limits) ---

export const facilitatorsQuery = queryOptions({
  queryKey: ["admin", "facilitators"],
  queryFn: async () => unwrap(await api.GET("/api/admin/facilitators")).facilitators,
});

export const certifyFacilitator = async (userId: number) =>
  unwrap(await api.POST("/api/admin/facilitators/{user_id}/certification", { params: path("user_id", userId) }));

export const uncertifyFacilitator = async (userId: number) =>
  unwrap(await api.DELETE("/api/admin/facilitators/{user_id}/certification", { params: path("user_id", userId) }));

export const setMaxActiveGroups = async (userId: number, maxActiveGroups: number) =>
  unwrap(
    await api.PATCH("/api/admin/facilitators/{user_id}", {
      params: path("user_id", userId),
      body: { max_active_groups: maxActiveGroups },
    }),
  );

// --- a live cohort (published groups as they run) ---

/** The cohort's phase and its published groups a page at a time (by name), with times in
 * `zone`; the first page counts the whole cohort. `fetchNextPage` loads the next. */
export const livePagesQuery = (id: number, zone: string) =>
  infiniteQueryOptions({
    queryKey: ["admin", "cohorts", id, "live", zone],
    queryFn: async ({ pageParam }: { pageParam: string | null }) =>
      unwrap(
        await api.GET("/api/admin/cohorts/{cohort_id}/live", {
          params: { path: { cohort_id: id }, query: { zone, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });

/** Make and publish a group by hand; a 422 `availability_conflict` names who cannot make which meetings (`force` overrides it). */
export const createLiveGroup = async (cohortId: number, body: GroupCreate) =>
  unwrap(await api.POST("/api/admin/cohorts/{cohort_id}/groups", { params: path("cohort_id", cohortId), body }));

export const removeMember = async (groupId: number, userId: number) =>
  unwrap(
    await api.DELETE("/api/admin/groups/{group_id}/members/{user_id}", {
      params: { path: { group_id: groupId, user_id: userId } },
    }),
  );

/** Rename a group or move its weekly time (a published group: the meetings still to come). */
export const updateGroup = async (groupId: number, body: GroupUpdate) =>
  unwrap(await api.PATCH("/api/admin/groups/{group_id}", { params: path("group_id", groupId), body }));

export const syncGroup = async (groupId: number) =>
  unwrap(await api.POST("/api/admin/groups/{group_id}/sync", { params: path("group_id", groupId) }));

export const meetingNotificationsQuery = (meetingId: number) =>
  queryOptions({
    queryKey: ["admin", "meetings", meetingId, "notifications"],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/admin/meetings/{meeting_id}/notifications", { params: path("meeting_id", meetingId) }),
      ),
  });

/** People whose name, Discord username or email contains the text. */
export const userSearchQuery = (text: string) =>
  queryOptions({
    queryKey: ["admin", "users", "search", text],
    queryFn: async () =>
      unwrap(await api.GET("/api/admin/users", { params: { query: { query: text, limit: 10 } } })).users,
    enabled: text.trim().length > 0,
  });

// --- regrouping a running cohort ---

export const requestRegroup = async (cohortId: number) =>
  unwrap(await api.POST("/api/admin/cohorts/{cohort_id}/regroup", { params: path("cohort_id", cohortId) }));

/** A regroup proposal: polled every second while its job is being computed. */
export const regroupQuery = (cohortId: number, jobId: number) =>
  queryOptions({
    queryKey: ["admin", "cohorts", cohortId, "regroup", jobId],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/admin/cohorts/{cohort_id}/regroup/{job_id}", {
          params: { path: { cohort_id: cohortId, job_id: jobId } },
        }),
      ),
    refetchInterval: (q) => (["succeeded", "failed"].includes(q.state.data?.status ?? "") ? false : 1000),
  });

export const applyRegroup = async (cohortId: number, jobId: number) =>
  unwrap(
    await api.POST("/api/admin/cohorts/{cohort_id}/regroup/{job_id}/apply", {
      params: { path: { cohort_id: cohortId, job_id: jobId } },
    }),
  );
