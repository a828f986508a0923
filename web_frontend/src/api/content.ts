import { queryOptions } from "@tanstack/react-query";
import { request } from "./http";
import type { ChatMessage, CourseDocument, ModuleDocument, NextModule, SectionCompleted } from "./types";

export const coursesQuery = queryOptions({
  queryKey: ["courses"],
  queryFn: async () => (await request<{ courses: { slug: string; title: string; description: string }[] }>("GET", "/api/courses")).courses,
});

export const courseQuery = (slug: string) =>
  queryOptions({
    queryKey: ["course", slug],
    queryFn: () => request<CourseDocument>("GET", `/api/courses/${encodeURIComponent(slug)}`),
  });

export const moduleQuery = (slug: string) =>
  queryOptions({
    queryKey: ["module", slug],
    queryFn: () => request<ModuleDocument>("GET", `/api/modules/${encodeURIComponent(slug)}`),
  });

export const nextModuleQuery = (course: string, after: string) =>
  queryOptions({
    queryKey: ["course", course, "next", after],
    queryFn: () =>
      request<NextModule>("GET", `/api/courses/${encodeURIComponent(course)}/next-module`, { query: { after } }),
  });

export const completeSection = (moduleSlug: string, sectionId: string) =>
  request<SectionCompleted>("POST", "/api/progress/complete", {
    body: { module_slug: moduleSlug, section_id: sectionId },
  });

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
    queryFn: () => request<{ module_slug: string; messages: ChatMessage[] }>("GET", `/api/tutor/${encodeURIComponent(moduleSlug)}/messages`),
  });

export const tutorStatusQuery = queryOptions({
  queryKey: ["tutor", "status"],
  queryFn: () =>
    request<{
      streaming: boolean;
      quota: { messages_used: number; messages_limit: number; tokens_used: number; tokens_limit: number; resets_at: string };
    }>("GET", "/api/tutor/status"),
  staleTime: 60_000,
});
