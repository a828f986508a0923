import { useQuery, type UseMutationResult } from "@tanstack/react-query";
import { useState } from "react";
import { coursesQuery } from "../../api/content";
import { ApiError } from "../../api/http";
import type { CohortCreate, CohortPublic as Cohort } from "../../client/schema";
import { ErrorMessage } from "../Feedback/Feedback";

export function emptyCohort(): CohortCreate {
  const start = new Date(Date.now() + 21 * 86400000).toISOString().slice(0, 10);
  return {
    name: "",
    course_slug: "",
    start_date: start,
    number_of_meetings: 8,
    meeting_minutes: 60,
    min_group_size: 4,
    max_group_size: 8,
    target_group_size: 6,
    anchor_timezone: "UTC",
    enrollment_deadline: null,
    status: "open",
    calendar_invitations: "google",
    discord_reminders: "dm",
    meeting_venue: "discord",
  };
}

type Field = keyof CohortCreate;
const FIELD_NAMES = new Set(["name", "course_slug", "anchor_timezone", "start_date", "number_of_meetings", "meeting_minutes", "min_group_size", "target_group_size", "max_group_size"]);
const NUMBER_FIELDS: [Field, string, number, number][] = [
  ["number_of_meetings", "Number of meetings", 1, 52],
  ["meeting_minutes", "Meeting length (minutes)", 30, 240],
  ["min_group_size", "Smallest group", 2, 20],
  ["target_group_size", "Ideal group size", 2, 20],
  ["max_group_size", "Largest group", 2, 20],
];

/**
 * The course, chosen from the courses the content has (GET /api/courses). A
 * cohort's course the content no longer has stays selectable, marked, so
 * editing the rest of the cohort does not change it.
 */
function CourseField({ value, error, onChange }: { value: string; error?: string; onChange: (slug: string) => void }) {
  const courses = useQuery(coursesQuery);
  const known = courses.data ?? [];
  const lost = value !== "" && courses.isSuccess && !known.some((c) => c.slug === value);
  return (
    <div className="field">
      <label htmlFor="cohort-course_slug">Course</label>
      <select
        id="cohort-course_slug"
        required
        value={value}
        aria-invalid={Boolean(error)}
        aria-describedby="cohort-course-hint"
        onChange={(e) => onChange(e.target.value)}
      >
        <option value="">{courses.isPending ? "Loading courses…" : "Choose a course…"}</option>
        {known.map((c) => (
          <option key={c.slug} value={c.slug}>
            {c.title}
          </option>
        ))}
        {lost && <option value={value}>{value} (not in the content any more)</option>}
      </select>
      <p className="hint" id="cohort-course-hint">
        {courses.isError
          ? "The course content cannot be read right now, so no course can be chosen."
          : known.length === 0 && courses.isSuccess
            ? "The content has no course yet."
            : "The courses in the site's content."}
      </p>
      {error && <p className="field-error">{error}</p>}
    </div>
  );
}

export function CohortForm({
  initial,
  submitLabel,
  mutation,
  onCancel,
}: {
  initial: CohortCreate;
  submitLabel: string;
  mutation: UseMutationResult<Cohort, Error, CohortCreate>;
  onCancel?: () => void;
}) {
  const [form, setForm] = useState<CohortCreate>(initial);
  const set = <K extends Field>(key: K, value: CohortCreate[K]) => setForm({ ...form, [key]: value });
  const error = mutation.error;
  const fieldError = (f: string) => (error instanceof ApiError && error.field === f ? error.message : undefined);
  const text = (key: "name" | "anchor_timezone", label: string, hint?: string) => (
    <div className="field">
      <label htmlFor={`cohort-${key}`}>{label}</label>
      <input
        id={`cohort-${key}`}
        required
        value={form[key]}
        aria-invalid={Boolean(fieldError(key))}
        onChange={(e) => set(key, e.target.value)}
      />
      {hint && <p className="hint">{hint}</p>}
      {fieldError(key) && <p className="field-error">{fieldError(key)}</p>}
    </div>
  );
  return (
    <form
      className="card"
      aria-label={submitLabel}
      onSubmit={(e) => {
        e.preventDefault();
        mutation.mutate(form);
      }}
    >
      <div className="form-grid">
        {text("name", "Name")}
        <CourseField value={form.course_slug} error={fieldError("course_slug")} onChange={(slug) => set("course_slug", slug)} />
        <div className="field">
          <label htmlFor="cohort-start">Start date</label>
          <input id="cohort-start" type="date" required value={form.start_date} onChange={(e) => set("start_date", e.target.value)} />
          {fieldError("start_date") && <p className="field-error">{fieldError("start_date")}</p>}
        </div>
        <div className="field">
          <label htmlFor="cohort-deadline">Enrollment deadline (optional)</label>
          <input
            id="cohort-deadline"
            type="datetime-local"
            value={form.enrollment_deadline ? form.enrollment_deadline.slice(0, 16) : ""}
            onChange={(e) => set("enrollment_deadline", e.target.value ? new Date(e.target.value).toISOString() : null)}
          />
        </div>
        {text("anchor_timezone", "Anchor time zone", "Zone that fixes the groups' weekly time, or per_group")}
        <div className="field">
          <label htmlFor="cohort-status">Status</label>
          <select id="cohort-status" value={form.status} onChange={(e) => set("status", e.target.value as CohortCreate["status"])}>
            <option value="draft">Draft (not open for enrollment)</option>
            <option value="open">Open for enrollment</option>
            <option value="running">Running</option>
            <option value="completed">Completed</option>
            <option value="cancelled">Cancelled</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="cohort-calendar-invitations">Calendar invitations</label>
          <select
            id="cohort-calendar-invitations"
            value={form.calendar_invitations}
            aria-describedby="cohort-calendar-invitations-hint"
            onChange={(e) => set("calendar_invitations", e.target.value as CohortCreate["calendar_invitations"])}
          >
            <option value="google">A Google Calendar series</option>
            <option value="ics">An .ics invitation by email to each member</option>
          </select>
          <p className="hint" id="cohort-calendar-invitations-hint">
            Fixed once the cohort's groups are published. Members answer whether they come in Roundtable.
          </p>
        </div>
        <div className="field">
          <label htmlFor="cohort-meeting-venue">Where groups meet</label>
          <select
            id="cohort-meeting-venue"
            value={form.meeting_venue}
            aria-describedby="cohort-meeting-venue-hint"
            onChange={(e) => set("meeting_venue", e.target.value as CohortCreate["meeting_venue"])}
          >
            <option value="discord">The group's Discord voice channel</option>
            <option value="zoom">A Zoom meeting (attendance from Zoom's reports)</option>
            <option value="google_meet">A Google Meet link (needs Google Calendar invitations)</option>
          </select>
          <p className="hint" id="cohort-meeting-venue-hint">
            Members see a "Join the meeting" link on their group page and in reminders.
          </p>
        </div>
        <div className="field">
          <label htmlFor="cohort-discord-reminders">Discord reminders</label>
          <select
            id="cohort-discord-reminders"
            value={form.discord_reminders}
            onChange={(e) => set("discord_reminders", e.target.value as CohortCreate["discord_reminders"])}
          >
            <option value="dm">A direct message to each member</option>
            <option value="group_post">One post in the group's channel, mentioning its members</option>
          </select>
          <p className="hint">Email reminders go to each member either way.</p>
        </div>
        {NUMBER_FIELDS.map(([key, label, min, max]) => (
          <div className="field" key={key}>
            <label htmlFor={`cohort-${key}`}>{label}</label>
            <input
              id={`cohort-${key}`}
              type="number"
              min={min}
              max={max}
              required
              value={form[key] as number}
              aria-invalid={Boolean(fieldError(key))}
              onChange={(e) => set(key, Number(e.target.value) as never)}
            />
            {fieldError(key) && <p className="field-error">{fieldError(key)}</p>}
          </div>
        ))}
      </div>
      {error && !(error instanceof ApiError && error.field && FIELD_NAMES.has(error.field)) && (
        <ErrorMessage error={error} />
      )}
      {mutation.isSuccess && (
        <p role="status" className="success">
          Saved.
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={mutation.isPending}>
          {mutation.isPending ? "Saving…" : submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
