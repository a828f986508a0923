import { queryOptions } from "@tanstack/react-query";
import { request } from "./http";
import type { ChatMessage, CourseProgress, ModuleDocument, ModuleProgress } from "./types";

export const courseProgressQuery = (slug: string) =>
  queryOptions({
    queryKey: ["course", slug, "progress"],
    queryFn: () => request<CourseProgress>("GET", `/api/courses/${slug}/progress`),
  });

export const moduleQuery = (slug: string) =>
  queryOptions({
    queryKey: ["module", slug],
    queryFn: () => request<ModuleDocument>("GET", `/api/modules/${slug}`),
  });

export const moduleProgressQuery = (slug: string) =>
  queryOptions({
    queryKey: ["module", slug, "progress"],
    queryFn: () => request<ModuleProgress>("GET", `/api/modules/${slug}/progress`),
  });

export const nextModuleQuery = (course: string, current: string) =>
  queryOptions({
    queryKey: ["course", course, "next", current],
    queryFn: () =>
      request<{ slug?: string | null; title?: string | null; completed_unit?: number | null } | undefined>(
        "GET",
        `/api/courses/${course}/next-module`,
        { query: { current } },
      ),
  });

export const completeSection = (moduleSlug: string, sectionId: string) =>
  request<ModuleProgress>("POST", "/api/progress/complete", {
    body: { module_slug: moduleSlug, content_id: sectionId, content_type: "section" },
  });

export const chatHistoryQuery = (moduleSlug: string) =>
  queryOptions({
    queryKey: ["chat", moduleSlug],
    queryFn: () =>
      request<{ messages: ChatMessage[] }>("GET", `/api/chat/${moduleSlug}/history`),
  });
