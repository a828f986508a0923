import { useQuery } from "@tanstack/react-query";
import { Link, Navigate, useParams } from "react-router";
import { courseQuery, coursesQuery } from "../api/content";
import type { CourseDocument } from "../api/types";
import { Loading, QueryState } from "../components/Feedback/Feedback";
import { useMe } from "../hooks/useMe";

const STATUS_LABEL = { not_started: "Not started", in_progress: "In progress", completed: "Completed" };

/** /course goes to the course of the person's newest cohort, else to the only course there is. */
export function CourseRedirect() {
  const { me, isPending } = useMe();
  const courses = useQuery(coursesQuery);
  if (isPending || courses.isPending) return <Loading label="Finding your course…" />;
  const slug = me?.enrollments[0]?.course_slug ?? (courses.data?.length === 1 ? courses.data[0]!.slug : undefined);
  if (slug) return <Navigate to={`/course/${slug}`} replace />;
  return (
    <section>
      <h1>Courses</h1>
      {courses.data?.length ? (
        <ul>
          {courses.data.map((c) => (
            <li key={c.slug}>
              <Link to={`/course/${c.slug}`}>{c.title}</Link>
            </li>
          ))}
        </ul>
      ) : (
        <p className="notice">
          Enroll in a cohort to see its course. <Link to="/enroll">Enroll</Link>
        </p>
      )}
    </section>
  );
}

export function CourseProgressView({ course }: { course: CourseDocument }) {
  const required = course.units.flatMap((u) => u.modules).filter((m) => !m.optional);
  const done = required.filter((m) => m.status === "completed").length;
  return (
    <>
      <p>
        <strong>
          {done} of {required.length}
        </strong>{" "}
        required modules completed.
      </p>
      <progress max={Math.max(required.length, 1)} value={done} aria-label="Course progress" />
      {course.next_module && (
        <p>
          <Link className="button" to={`/course/${course.slug}/module/${course.next_module}`}>
            {done === 0 ? "Start" : "Continue"}:{" "}
            {course.units.flatMap((u) => u.modules).find((m) => m.slug === course.next_module)?.title}
          </Link>
        </p>
      )}
      {course.units.map((unit, i) => (
        <section key={i} className="unit" aria-labelledby={`unit-${i}`}>
          <h2 id={`unit-${i}`}>{unit.meeting ? `Before meeting ${unit.meeting}` : "After the last meeting"}</h2>
          <ul className="module-list">
            {unit.modules.map((m) => (
              <li key={m.slug} className={`module-item status-${m.status}`}>
                <Link to={`/course/${course.slug}/module/${m.slug}`}>{m.title}</Link>
                {m.optional && <span className="badge">Optional</span>}
                <span className="muted">
                  {STATUS_LABEL[m.status]} · {m.required_done}/{m.required_total} sections
                </span>
                {m.summary && <span className="module-summary">{m.summary}</span>}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}

/** Anonymous progress is kept in this browser; signing in keeps it for good. */
function SignInNudge() {
  const { me, isPending } = useMe();
  if (me || isPending) return null;
  return (
    <p className="notice">
      You are not signed in: your progress is kept in this browser only.{" "}
      <Link to="/signin?next=/course">Sign in</Link> to keep it and join a group.
    </p>
  );
}

export function CourseOverviewPage() {
  const { courseSlug = "" } = useParams();
  const course = useQuery(courseQuery(courseSlug));
  // Wait for "who am I" too: a sign-in nudge appearing later would push the whole course down.
  const who = useMe();
  return (
    <section>
      <QueryState query={{ ...course, isPending: course.isPending || who.isPending }} label="Loading the course…">
        {(c) => (
          <>
            <h1>{c.title}</h1>
            {c.description && <p className="lead">{c.description}</p>}
            <SignInNudge />
            <CourseProgressView course={c} />
          </>
        )}
      </QueryState>
    </section>
  );
}
