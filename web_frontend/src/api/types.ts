// Response shapes the pages use. Where a route is already in the generated
// schema (src/client/schema.d.ts) these should match it; the rest follow the
// contract in issues 4 and 8 until their routes land (see src/api/README.md).

export interface FacilitatorStatus {
  applied_at: string;
  certified_at: string | null;
  max_active_groups: number;
}

export interface Enrollment {
  cohort_id: number;
  cohort_name: string;
  role: "learner" | "facilitator";
  group_id: number | null;
  group_name: string | null;
  course_slug?: string;
}

export interface Profile {
  id: number;
  display_name: string;
  email: string | null;
  email_verified: boolean;
  discord_id: string | null;
  discord_username: string | null;
  avatar_url: string | null;
  timezone: string;
  email_notifications: boolean;
  dm_notifications: boolean;
  tos_accepted_at: string | null;
  availability_updated_at: string | null;
  is_admin: boolean;
  facilitator: FacilitatorStatus | null;
  enrollments: Enrollment[];
}

export interface ProfileChanges {
  display_name?: string;
  email?: string;
  timezone?: string;
  email_notifications?: boolean;
  dm_notifications?: boolean;
  tos_accepted?: boolean;
}

/** Availability on the wire: "HH:MM" strings in the user's zone. */
export interface WireInterval {
  weekday: number;
  start: string;
  end: string;
  kind: "available" | "if_needed";
}

export interface AvailabilityPublic {
  timezone: string;
  intervals: WireInterval[];
  updated_at: string | null;
}

export interface Cohort {
  id: number;
  name: string;
  course_slug: string;
  course_title?: string | null;
  start_date: string;
  number_of_meetings: number;
  meeting_minutes: number;
  min_group_size: number;
  max_group_size: number;
  target_group_size: number;
  anchor_timezone: string;
  enrollment_deadline: string | null;
  status: "draft" | "open" | "running" | "completed" | "cancelled";
  my_role?: "learner" | "facilitator" | null;
  signup_count?: number;
}

export type CohortCreate = Omit<Cohort, "id" | "status" | "my_role" | "signup_count" | "course_title"> & {
  status?: Cohort["status"];
};

export interface GroupMember {
  user_id: number;
  display_name: string;
  role: "learner" | "facilitator";
  discord_username?: string | null;
  avatar_url?: string | null;
}

export interface Meeting {
  id: number;
  meeting_number: number;
  starts_at: string;
  ends_at: string;
  my_rsvp?: "pending" | "attending" | "not_attending" | "tentative" | null;
}

export interface MyGroup {
  id: number;
  name: string;
  cohort_id: number;
  cohort_name: string;
  course_slug?: string;
  status: string;
  anchor_timezone: string;
  weekday: number;
  local_time: string;
  meeting_minutes: number;
  first_meeting_at: string;
  members: GroupMember[];
  meetings: Meeting[];
  discord_channel_url?: string | null;
  calendar_url?: string | null;
}

export interface Job {
  id: number;
  kind: string;
  status: "queued" | "running" | "succeeded" | "failed";
  attempts?: number;
  progress?: Record<string, unknown> | null;
  result?: Record<string, unknown> | null;
  error?: string | null;
  created_at?: string;
  finished_at?: string | null;
}

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
