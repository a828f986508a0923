import { queryOptions } from "@tanstack/react-query";
import { api, request, unwrap } from "./http";
import { tutorApi } from "./tutor";

export const coursesQuery = queryOptions({
  queryKey: ["courses"],
  queryFn: async () => unwrap(await api.GET("/api/courses")).courses,
});

export const courseQuery = (slug: string) =>
  queryOptions({
    queryKey: ["course", slug],
    queryFn: async () => unwrap(await api.GET("/api/courses/{course_slug}", { params: { path: { course_slug: slug } } })),
  });

export const moduleQuery = (slug: string) =>
  queryOptions({
    queryKey: ["module", slug],
    queryFn: async () => unwrap(await api.GET("/api/modules/{module_slug}", { params: { path: { module_slug: slug } } })),
  });

export const nextModuleQuery = (course: string, after: string) =>
  queryOptions({
    queryKey: ["course", course, "next", after],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/courses/{course_slug}/next-module", {
          params: { path: { course_slug: course }, query: { after } },
        }),
      ),
  });

export const completeSection = async (moduleSlug: string, sectionId: string) =>
  unwrap(await api.POST("/api/progress/complete", { body: { module_slug: moduleSlug, section_id: sectionId } }));

/** Time on a section: sent while it is open; the API clamps it so it cannot be inflated. */
export function sendHeartbeat(moduleSlug: string, sectionId: string, beacon = false): void {
  const body = JSON.stringify({ module_slug: moduleSlug, section_id: sectionId });
  if (beacon && navigator.sendBeacon?.("/api/progress/heartbeat", body)) return;
  void request<void>("POST", "/api/progress/heartbeat", { body: JSON.parse(body) }).catch(() => {
    // A lost heartbeat only loses a few seconds of time-on-task.
  });
}

export const chatHistoryQuery = (moduleSlug: string) =>
  queryOptions({
    queryKey: ["tutor", moduleSlug],
    queryFn: async () =>
      unwrap(await tutorApi.GET("/api/tutor/{module_slug}/messages", { params: { path: { module_slug: moduleSlug } } })),
  });

export const tutorStatusQuery = queryOptions({
  queryKey: ["tutor", "status"],
  queryFn: async () => unwrap(await tutorApi.GET("/api/tutor/status")),
  staleTime: 60_000,
});

/**
 * Where the learner is in a video segment, so the page can resume there. On leaving the page
 * it goes as a beacon (it survives the unload); a lost save only loses a few seconds.
 */
export function saveVideoPosition(moduleSlug: string, segmentId: string, positionS: number, beacon = false): void {
  const body = { module_slug: moduleSlug, segment_id: segmentId, position_s: positionS };
  if (beacon && navigator.sendBeacon?.("/api/progress/video-position", JSON.stringify(body))) return;
  void request<void>("POST", "/api/progress/video-position", { body }).catch(() => {});
}
