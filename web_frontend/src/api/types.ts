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

export type Enrollment = EnrollmentPublic;
export type Profile = Omit<UserPublic, "enrollments"> & { enrollments: Enrollment[] };
export type ProfileChanges = UserUpdate;
export type WireInterval = AvailabilityInterval;
export type AvailabilityPublic = GeneratedAvailability;

// Content, progress and tutor (issue 8), from the generated schemas.
import type {
  ArticleSegmentPublic,
  ChatSegmentPublic,
  CoursePublic,
  ModulePublic,
  ModuleSummaryPublic,
  NextModulePublic,
  ProblemPublic,
  QuestionSegmentPublic,
  SectionCompletedPublic,
  SectionPublic,
  TextSegmentPublic,
  VideoSegmentPublic,
} from "../client/schema";
import type { MessagePublic } from "../client/tutor";

export type TextSegment = TextSegmentPublic;
export type ChatSegment = ChatSegmentPublic;
export type ArticleSegment = ArticleSegmentPublic;
export type VideoSegment = VideoSegmentPublic;
export type QuestionSegment = QuestionSegmentPublic;
export type Segment = TextSegment | ChatSegment | ArticleSegment | VideoSegment | QuestionSegment;
export type Section = SectionPublic;
export type ModuleDocument = ModulePublic;
export type ModuleSummary = ModuleSummaryPublic;
export type CourseDocument = CoursePublic;
export type NextModule = NextModulePublic;
export type SectionCompleted = SectionCompletedPublic;
export type ContentProblem = ProblemPublic;
/** A chat message: the tutor's saved ones, or the two the page shows while a reply streams. */
export type ChatMessage = Pick<MessagePublic, "role" | "content"> & Partial<MessagePublic>;
