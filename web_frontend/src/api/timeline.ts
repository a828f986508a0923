// The facilitator's timeline of one group (issue 14, item 6).
import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "./http";

export const groupTimelineQuery = (groupId: number) =>
  queryOptions({
    queryKey: ["facilitator", "groups", groupId, "timeline"],
    queryFn: async () =>
      unwrap(await api.GET("/api/facilitator/groups/{group_id}/timeline", { params: { path: { group_id: groupId } } })),
  });
