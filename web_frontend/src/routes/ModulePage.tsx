import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { completeSection, moduleQuery, nextModuleQuery, sendHeartbeat } from "../api/content";
import type { ModuleDocument } from "../api/types";
import { ErrorMessage, QueryState } from "../components/Feedback/Feedback";
import { SectionSegments } from "../components/Module/SectionSegments";
import "./ModulePage.css";

const HEARTBEAT_MS = 30_000;
/**
 * A module opened directly is asked for as the app starts (main.tsx), often before this page's
 * code has arrived: what came back that recently is not asked for again when the page mounts.
 * (Changes made here invalidate the query, so they are fetched whatever its age.)
 */
const FRESH_ON_OPENING_MS = 2_000;

/** Report time on the open section while the tab is visible, and once more on leaving. */
function useHeartbeat(moduleSlug: string, sectionId: string | undefined) {
  useEffect(() => {
    if (!sectionId) return;
    sendHeartbeat(moduleSlug, sectionId);
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") sendHeartbeat(moduleSlug, sectionId);
    }, HEARTBEAT_MS);
    const leave = () => sendHeartbeat(moduleSlug, sectionId, true);
    window.addEventListener("pagehide", leave);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener("pagehide", leave);
    };
  }, [moduleSlug, sectionId]);
}

function NextModuleLink({ course, current }: { course: string; current: string }) {
  const next = useQuery(nextModuleQuery(course, current));
  if (next.data?.module_slug) {
    return (
      <Link className="button" to={`/course/${course}/module/${next.data.module_slug}`}>
        Next module: {next.data.module_title}
      </Link>
    );
  }
  return (
    <p>
      {next.data?.completes_meeting ? `You have done the reading for meeting ${next.data.completes_meeting}. ` : ""}
      <Link to={`/course/${course}`}>Back to the course</Link>
    </p>
  );
}

const sectionCount = (n: number, kind: string) => `${n} ${kind} section${n === 1 ? "" : "s"}`;

/** "1 of 2 required sections done · 1 optional section (not counted)". */
export function progressLine(done: number, required: number, optional: number): string {
  const count = required === 0 ? "No required sections" : `${done} of ${sectionCount(required, "required")} done`;
  return optional === 0 ? count : `${count} · ${sectionCount(optional, "optional")} (not counted)`;
}

function ModuleView({ module, course }: { module: ModuleDocument; course: string }) {
  const [params, setParams] = useSearchParams();
  const queryClient = useQueryClient();
  const sections = module.outcomes.flatMap((o) => o.sections);
  const optional = sections.filter((s) => s.optional).length;
  const index = Math.min(Math.max(Number(params.get("section") ?? 1) - 1, 0), Math.max(sections.length - 1, 0));
  const section = sections[index];
  useHeartbeat(module.slug, section?.id);
  const complete = useMutation({
    mutationFn: () => completeSection(module.slug, section!.id),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: moduleQuery(module.slug).queryKey });
      void queryClient.invalidateQueries({ queryKey: ["course", course] });
    },
  });
  if (!section) return <p className="notice">This module has no sections yet.</p>;
  const go = (i: number) => setParams({ section: String(i + 1) });
  const finished = module.status === "completed";

  return (
    <div className="module-layout">
      <nav aria-label="Sections of this module" className="section-nav">
        <p className="muted">{progressLine(module.required_done, module.required_total, optional)}</p>
        <ol>
          {sections.map((s, i) => (
            <li key={s.id}>
              <Link to={`?section=${i + 1}`} aria-current={i === index ? "step" : undefined}>
                <span aria-hidden="true">{s.completed ? "✓ " : ""}</span>
                {s.title}
                {s.optional && <span className="badge badge-muted section-optional">optional</span>}
                {s.completed && <span className="sr-only"> (completed)</span>}
              </Link>
            </li>
          ))}
        </ol>
      </nav>
      <article className="section-body" aria-labelledby="section-title">
        <h2 id="section-title">
          {section.title} {section.optional && <span className="badge badge-muted">Optional</span>}
        </h2>
        <SectionSegments key={section.id} section={section} moduleSlug={module.slug} />
        <div className="row section-actions">
          {section.completed ? (
            <p className="success" role="status">
              Section completed.
            </p>
          ) : (
            <button type="button" onClick={() => complete.mutate()} disabled={complete.isPending}>
              {complete.isPending ? "Saving…" : "Mark section complete"}
            </button>
          )}
          {index > 0 && (
            <button type="button" className="secondary" onClick={() => go(index - 1)}>
              Previous section
            </button>
          )}
          {index < sections.length - 1 && (
            <button type="button" className="secondary" onClick={() => go(index + 1)}>
              Next section
            </button>
          )}
        </div>
        {complete.error && <ErrorMessage error={complete.error} />}
        {finished && (
          <div className="card" role="status">
            <p>
              <strong>Module complete.</strong>
            </p>
            <NextModuleLink course={course} current={module.slug} />
          </div>
        )}
      </article>
    </div>
  );
}

export function ModulePage() {
  const { courseSlug = "", moduleSlug = "" } = useParams();
  const module = useQuery({ ...moduleQuery(moduleSlug), staleTime: FRESH_ON_OPENING_MS });
  return (
    <section>
      <p>
        <Link to={`/course/${courseSlug}`}>← Course overview</Link>
      </p>
      <QueryState query={module} label="Loading the module…">
        {(m) => (
          <>
            <h1>{m.title}</h1>
            <ModuleView module={m} course={courseSlug} />
          </>
        )}
      </QueryState>
    </section>
  );
}
