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

// Content, progress and tutor (issue 8). These mirror the routes as they are
// being written (http_api content/progress routes, the tutor_chat function);
// replace them with the generated types once those routes are committed.
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
  learner_sees_previous: boolean;
}
export interface ArticleSegment {
  id: string;
  optional: boolean;
  kind: "article";
  article: { slug: string; title: string; author: string; source_url: string };
  markdown: string;
}
export interface VideoSegment {
  id: string;
  optional: boolean;
  kind: "video";
  video: { slug: string; title: string; channel: string; youtube_id: string; duration_s: number };
  from_s: number;
  to_s: number;
  transcript: string;
  transcript_lines: { at_s: number; text: string }[];
}
export type Segment = TextSegment | ChatSegment | ArticleSegment | VideoSegment;

export type Status = "not_started" | "in_progress" | "completed";

export interface Section {
  id: string;
  title: string;
  optional: boolean;
  completed: boolean;
  time_s: number;
  segments: Segment[];
}

export interface ModuleDocument {
  slug: string;
  id: string;
  title: string;
  summary: string | null;
  description: string;
  version: string;
  status: Status;
  required_done: number;
  required_total: number;
  time_s: number;
  outcomes: { id: string; title: string; sections: Section[] }[];
}

export interface ModuleSummary {
  slug: string;
  title: string;
  summary: string | null;
  optional: boolean;
  status: Status;
  required_done: number;
  required_total: number;
  time_s: number;
}

export interface CourseDocument {
  slug: string;
  title: string;
  description: string;
  version: string;
  next_module: string | null;
  units: { meeting: number | null; modules: ModuleSummary[] }[];
}

export interface NextModule {
  module_slug: string | null;
  module_title: string | null;
  completes_meeting: number | null;
}

export interface SectionCompleted {
  section_id: string;
  outcome_completed: boolean;
  module_completed: boolean;
  module: {
    slug: string;
    status: Status;
    required_done: number;
    required_total: number;
    time_s: number;
    sections: { section_id: string; completed: boolean; time_s: number }[];
  };
}

export interface ChatMessage {
  id?: number;
  role: "user" | "assistant" | "system" | string;
  content: string;
  section_id?: string | null;
  complete?: boolean;
  error?: string | null;
  created_at?: string;
}

export interface ContentProblem {
  file: string;
  line: number;
  message: string;
  suggestion?: string | null;
  severity: "error" | "warning";
}
