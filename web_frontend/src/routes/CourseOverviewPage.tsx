import { useQuery } from "@tanstack/react-query";
import { Link, Navigate, useParams } from "react-router";
import { courseProgressQuery } from "../api/content";
import type { CourseProgress } from "../api/types";
import { Loading, QueryState } from "../components/Feedback/Feedback";
import { openCohortsQuery } from "../api/cohorts";

const STATUS_LABEL = { not_started: "Not started", in_progress: "In progress", completed: "Completed" };

/** /course goes to the course of the person's cohort. */
export function CourseRedirect() {
  const cohorts = useQuery(openCohortsQuery);
  if (cohorts.isPending) return <Loading label="Finding your course…" />;
  const slug = cohorts.data?.find((c) => c.my_role)?.course_slug;
  if (slug) return <Navigate to={`/course/${slug}`} replace />;
  return (
    <section>
      <h1>Course</h1>
      <p className="notice">
        Enroll in a cohort to see its course. <Link to="/enroll">Enroll</Link>
      </p>
    </section>
  );
}

export function CourseProgressView({ progress, linkModules = true }: { progress: CourseProgress; linkModules?: boolean }) {
  const total = progress.units.flatMap((u) => u.modules).filter((m) => !m.optional);
  const done = total.filter((m) => m.status === "completed").length;
  return (
    <>
      <p>
        <strong>
          {done} of {total.length}
        </strong>{" "}
        required modules completed.
      </p>
      <progress max={Math.max(total.length, 1)} value={done} aria-label="Course progress" />
      {progress.units.map((unit, i) => (
        <section key={i} className="unit" aria-labelledby={`unit-${i}`}>
          <h2 id={`unit-${i}`}>{unit.meeting_number ? `Before meeting ${unit.meeting_number}` : "After the last meeting"}</h2>
          <ul className="module-list">
            {unit.modules.map((m) => (
              <li key={m.slug} className={`module-item status-${m.status}`}>
                {linkModules ? (
                  <Link to={`/course/${progress.course.slug}/module/${m.slug}`}>{m.title}</Link>
                ) : (
                  <span>{m.title}</span>
                )}
                {m.optional && <span className="badge">Optional</span>}
                <span className="muted">
                  {STATUS_LABEL[m.status]} · {m.completed}/{m.total} sections
                </span>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}

export function CourseOverviewPage() {
  const { courseSlug = "" } = useParams();
  const progress = useQuery(courseProgressQuery(courseSlug));
  return (
    <section>
      <QueryState query={progress} label="Loading the course…">
        {(p) => (
          <>
            <h1>{p.course.title}</h1>
            {p.course.description && <p className="lead">{p.course.description}</p>}
            <CourseProgressView progress={p} />
          </>
        )}
      </QueryState>
    </section>
  );
}
