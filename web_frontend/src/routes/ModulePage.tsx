import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams, useSearchParams } from "react-router";
import { completeSection, moduleProgressQuery, moduleQuery, nextModuleQuery } from "../api/content";
import type { ModuleDocument, ModuleProgress } from "../api/types";
import { ErrorMessage, QueryState } from "../components/Feedback/Feedback";
import { SegmentView } from "../components/Module/SegmentView";

function NextModuleLink({ course, current }: { course: string; current: string }) {
  const next = useQuery(nextModuleQuery(course, current));
  if (!next.data) return <Link to={`/course/${course}`}>Back to the course</Link>;
  if (next.data.slug) {
    return (
      <Link className="button" to={`/course/${course}/module/${next.data.slug}`}>
        Next module: {next.data.title}
      </Link>
    );
  }
  return (
    <p>
      {next.data.completed_unit ? `You have finished the reading for meeting ${next.data.completed_unit}. ` : ""}
      <Link to={`/course/${course}`}>Back to the course</Link>
    </p>
  );
}

function ModuleView({ module, progress, course }: { module: ModuleDocument; progress: ModuleProgress; course: string }) {
  const [params, setParams] = useSearchParams();
  const queryClient = useQueryClient();
  const sections = module.outcomes.flatMap((o) => o.sections);
  const index = Math.min(Math.max(Number(params.get("section") ?? 1) - 1, 0), sections.length - 1);
  const section = sections[index];
  const done = new Set(progress.completed_section_ids);
  const complete = useMutation({
    mutationFn: () => completeSection(module.slug, section!.id),
    onSuccess: (next) => {
      queryClient.setQueryData(moduleProgressQuery(module.slug).queryKey, next);
      void queryClient.invalidateQueries({ queryKey: ["course", course] });
    },
  });
  if (!section) return <p className="notice">This module has no sections yet.</p>;
  const go = (i: number) => setParams({ section: String(i + 1) });
  const finished = sections.every((s) => s.optional || done.has(s.id));

  return (
    <div className="module-layout">
      <nav aria-label="Sections of this module" className="section-nav">
        <ol>
          {sections.map((s, i) => (
            <li key={s.id}>
              <Link to={`?section=${i + 1}`} aria-current={i === index ? "step" : undefined}>
                <span aria-hidden="true">{done.has(s.id) ? "✓ " : ""}</span>
                {s.title}
                {done.has(s.id) && <span className="sr-only"> (completed)</span>}
              </Link>
            </li>
          ))}
        </ol>
      </nav>
      <article className="section-body" aria-labelledby="section-title">
        <h2 id="section-title">
          {section.title} {section.optional && <span className="badge">Optional</span>}
        </h2>
        {section.segments.map((segment) => (
          <SegmentView key={segment.id} segment={segment} moduleSlug={module.slug} sectionId={section.id} />
        ))}
        <div className="row section-actions">
          {done.has(section.id) ? (
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
  const module = useQuery(moduleQuery(moduleSlug));
  const progress = useQuery(moduleProgressQuery(moduleSlug));
  return (
    <section>
      <p>
        <Link to={`/course/${courseSlug}`}>← Course overview</Link>
      </p>
      <QueryState query={module} label="Loading the module…">
        {(m) => (
          <>
            <h1>{m.title}</h1>
            <QueryState query={progress} label="Loading your progress…">
              {(p) => <ModuleView module={m} progress={p} course={courseSlug} />}
            </QueryState>
          </>
        )}
      </QueryState>
    </section>
  );
}
