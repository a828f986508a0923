// Answers the tutor assesses: my attempts and submitting one (tutor_chat), and a
// member's answers for their facilitator (http_api).
import { queryOptions } from "@tanstack/react-query";
import type { components } from "../client/tutor";
import { api, unwrap } from "./http";
import { tutorApi } from "./tutor";

export type AnswerAttempt = components["schemas"]["AnswerAttemptPublic"];

export const answersQuery = (moduleSlug: string) =>
  queryOptions({
    queryKey: ["tutor", moduleSlug, "answers"],
    queryFn: async () =>
      unwrap(await tutorApi.GET("/api/tutor/{module_slug}/answers", { params: { path: { module_slug: moduleSlug } } })),
  });

export const submitAnswer = async (place: { moduleSlug: string; sectionId: string; segmentId: string }, answer: string) =>
  unwrap(
    await tutorApi.POST("/api/tutor/{module_slug}/answers", {
      params: { path: { module_slug: place.moduleSlug } },
      body: { section_id: place.sectionId, segment_id: place.segmentId, answer },
    }),
  );

export const memberAnswersQuery = (gid: number, uid: number) =>
  queryOptions({
    queryKey: ["facilitator", "groups", gid, "members", uid, "answers"],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/facilitator/groups/{group_id}/members/{user_id}/answers", {
          params: { path: { group_id: gid, user_id: uid } },
        }),
      ),
  });
