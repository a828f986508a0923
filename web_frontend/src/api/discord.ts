// A cohort's Discord servers before publishing, and its group space (issue 22).
import { queryOptions } from "@tanstack/react-query";
import type { GroupSpaceUpdate } from "../client/schema";
import { api, unwrap } from "./http";

export type GroupSpace = GroupSpaceUpdate["space"];

/** Each server's roles and channels in use against its limits, and what publishing would add. */
export const discordCapacityQuery = (cohortId: number) =>
  queryOptions({
    queryKey: ["admin", "cohorts", cohortId, "discord"],
    queryFn: async () =>
      unwrap(await api.GET("/api/admin/cohorts/{cohort_id}/discord", { params: { path: { cohort_id: cohortId } } })),
  });

export const setGroupSpace = async (cohortId: number, space: GroupSpace) =>
  unwrap(
    await api.PUT("/api/admin/cohorts/{cohort_id}/discord/space", {
      params: { path: { cohort_id: cohortId } },
      body: { space },
    }),
  );
