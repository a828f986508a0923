// Response shapes the pages use. Where a route is already in the generated
// schema (src/client/schema.d.ts) these should match it; the rest follow the
// contract in issues 4 and 8 until their routes land (see src/api/README.md).

// Landed routes: types come from the generated schema.
import type {
  AvailabilityInterval,
  AvailabilityPublic as GeneratedAvailability,
  EnrollmentPublic,
  UserPublic,
  UserUpdate,
} from "../client/schema";

export type Enrollment = EnrollmentPublic & { course_slug?: string };
export type Profile = Omit<UserPublic, "enrollments"> & { enrollments: Enrollment[] };
export type ProfileChanges = UserUpdate;
export type WireInterval = AvailabilityInterval;
export type AvailabilityPublic = GeneratedAvailability;

// Content (issue 8): the module document follows the content bundle's format.
export interface TextSegment {
  id: string;
  optional: boolean;
  kind: "text";
  markdown: string;
}
export interface ChatSegment {
  id: string;
  optional: boolean;
  kind: "chat";
  title: string | null;
  instructions: string;
  learner_sees_previous: boolean;
  tutor_sees_previous: boolean;
}
export interface ArticleSegment {
  id: string;
  optional: boolean;
  kind: "article";
  article: { slug: string; title: string; author: string | null; source_url: string | null };
  markdown: string;
}
export interface VideoSegment {
  id: string;
  optional: boolean;
  kind: "video";
  video: { slug: string; title: string; channel: string | null; youtube_id: string; duration_s: number | null };
  from_s: number;
  to_s: number;
  transcript: string;
  transcript_lines: { at_s: number; text: string }[];
}
export type Segment = TextSegment | ChatSegment | ArticleSegment | VideoSegment;

export interface Section {
  id: string;
  title: string;
  optional: boolean;
  segments: Segment[];
  completed?: boolean;
}

export interface ModuleDocument {
  id: string;
  slug: string;
  title: string;
  summary?: string | null;
  description?: string | null;
  outcomes: { id: string; title: string; sections: Section[] }[];
}

export interface ModuleProgress {
  module_id?: string;
  status: "not_started" | "in_progress" | "completed";
  completed_section_ids: string[];
  completed?: number;
  total?: number;
}

export interface CourseModuleProgress {
  slug: string;
  title: string;
  optional: boolean;
  status: "not_started" | "in_progress" | "completed";
  completed: number;
  total: number;
}

export interface CourseUnit {
  meeting_number: number | null;
  modules: CourseModuleProgress[];
}

export interface CourseProgress {
  course: { slug: string; title: string; description?: string | null };
  units: CourseUnit[];
}

export interface ChatMessage {
  role: "user" | "assistant" | "system";
  content: string;
  created_at?: string;
  complete?: boolean;
}
