// Growth: arrivals with a referral or UTM parameters, my referral link, signup gates,
// and the admin's campaigns, gates, waiting lists and sources (docs/growth.md).
import { queryOptions } from "@tanstack/react-query";
import type { ArrivalCreate, CampaignCreate, CampaignUpdate, GateUpdate } from "../client/schema";
import { api, unwrap } from "./http";

export const recordArrival = async (body: ArrivalCreate) => unwrap(await api.POST("/api/growth/arrivals", { body }));

export const myLinkQuery = queryOptions({
  queryKey: ["growth", "my-link"],
  queryFn: async () => unwrap(await api.GET("/api/growth/my-link")),
});

export const gateViewQuery = (cohortId: number) =>
  queryOptions({
    queryKey: ["growth", "gate", cohortId],
    queryFn: async () =>
      unwrap(await api.GET("/api/growth/cohorts/{cohort_id}/gate", { params: { path: { cohort_id: cohortId } } })),
  });

export const campaignsQuery = queryOptions({
  queryKey: ["growth", "campaigns"],
  queryFn: async () => unwrap(await api.GET("/api/admin/growth/campaigns")).campaigns,
});

export const createCampaign = async (body: CampaignCreate) =>
  unwrap(await api.POST("/api/admin/growth/campaigns", { body }));

export const updateCampaign = async (id: number, body: CampaignUpdate) =>
  unwrap(await api.PATCH("/api/admin/growth/campaigns/{campaign_id}", { params: { path: { campaign_id: id } }, body }));

export const deleteCampaign = async (id: number) =>
  unwrap(await api.DELETE("/api/admin/growth/campaigns/{campaign_id}", { params: { path: { campaign_id: id } } }));

const cohortPath = (cohortId: number) => ({ params: { path: { cohort_id: cohortId } } });

export const gateQuery = (cohortId: number) =>
  queryOptions({
    queryKey: ["growth", "admin-gate", cohortId],
    queryFn: async () => unwrap(await api.GET("/api/admin/growth/cohorts/{cohort_id}/gate", cohortPath(cohortId))),
  });

export const setGate = async (cohortId: number, body: GateUpdate) =>
  unwrap(await api.PUT("/api/admin/growth/cohorts/{cohort_id}/gate", { ...cohortPath(cohortId), body }));

export const waitingListQuery = (cohortId: number) =>
  queryOptions({
    queryKey: ["growth", "waiting-list", cohortId],
    queryFn: async () =>
      unwrap(await api.GET("/api/admin/growth/cohorts/{cohort_id}/waiting-list", cohortPath(cohortId))).people,
  });

export const admit = async (cohortId: number, userIds: number[]) =>
  unwrap(
    await api.POST("/api/admin/growth/cohorts/{cohort_id}/waiting-list/admit", {
      ...cohortPath(cohortId),
      body: { user_ids: userIds },
    }),
  );

export const sourcesQuery = (cohortId: number) =>
  queryOptions({
    queryKey: ["growth", "sources", cohortId],
    queryFn: async () => unwrap(await api.GET("/api/admin/growth/cohorts/{cohort_id}/sources", cohortPath(cohortId))),
  });
