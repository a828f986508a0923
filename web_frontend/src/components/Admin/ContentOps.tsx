import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { activateContentVersion, buildContent, contentStatusQuery, type ContentBuild } from "../../api/staff";
import type { ContentProblem } from "../../api/types";
import { formatDateTime } from "../../lib/time";
import { ErrorMessage } from "../Feedback/Feedback";
import { JobStatus } from "./JobStatus";

/** A build from the content folder of the local stack (no repository, no stored versions). */
export const isLocal = (build: ContentBuild | null) => build?.source.startsWith("local:") ?? false;

function Problems({ items, kind }: { items: ContentProblem[]; kind: string }) {
  if (items.length === 0) return null;
  return (
    <ul className={`problems ${kind}`} aria-label={kind}>
      {items.map((p, i) => (
        <li key={i}>
          <code>
            {p.file}:{p.line}
          </code>{" "}
          <strong>{p.severity}</strong>: {p.message}
          {p.suggestion && <span className="muted"> ({p.suggestion})</span>}
        </li>
      ))}
    </ul>
  );
}

/** One build: what (version, source), when, who asked and who made it live, its problems;
 * a built version that is not live can be made live again. */
export function BuildCard({ build, zone, live }: { build: ContentBuild; zone: string; live: boolean }) {
  const client = useQueryClient();
  const activate = useMutation({
    mutationFn: () => activateContentVersion(build.version ?? ""),
    onSuccess: () => void client.invalidateQueries({ queryKey: contentStatusQuery.queryKey }),
  });
  const canActivate = !live && build.status === "built" && build.version !== null;
  const confirmAndActivate = () => {
    const message = `Make version ${build.version?.slice(0, 12)} live? Learners see it at their next page; their progress is kept.`;
    if (window.confirm(message)) activate.mutate();
  };
  return (
    <article className="card">
      <h2>
        <code>{build.version?.slice(0, 12) ?? "no version"}</code> · {build.status}
        {live && <span className="badge badge-ok">Live</span>}
      </h2>
      <p className="muted">
        {build.source}
        {build.created_at && <> · built {formatDateTime(build.created_at, zone)}</>}
        {build.requested_by && <> · asked by {build.requested_by}</>}
      </p>
      {build.activated_at && (
        <p className="muted">
          Made live {formatDateTime(build.activated_at, zone)}
          {build.activated_by && <> by {build.activated_by}</>}
        </p>
      )}
      <p>
        {build.errors.length} errors, {build.warnings.length} warnings
      </p>
      <Problems items={build.errors} kind="errors" />
      <Problems items={build.warnings} kind="warnings" />
      {canActivate && (
        <button type="button" onClick={confirmAndActivate} disabled={activate.isPending}>
          Make this version live
        </button>
      )}
      {activate.isSuccess && <p role="status">Version {build.version?.slice(0, 12)} is live.</p>}
      {activate.error && <ErrorMessage error={activate.error} />}
    </article>
  );
}

/** Rebuild or check the repository's content now, with the build job's live status. On the
 * local stack there is nothing to build: the folder is validated each time the page loads. */
export function ContentActions({ local, onRevalidate }: { local: boolean; onRevalidate: () => void }) {
  const client = useQueryClient();
  const [job, setJob] = useState<{ id: number; title: string } | null>(null);
  const build = useMutation({
    mutationFn: buildContent,
    onSuccess: (queued) =>
      setJob({ id: queued.job_id, title: queued.activate ? `Rebuilding ${queued.ref}` : `Checking ${queued.ref}` }),
  });
  if (local) {
    return (
      <div className="stack">
        <p>
          This stack reads the content folder directly: edit its files, then validate again. Deployed stacks build from
          their GitHub repository on every push, and from here on demand.
        </p>
        <button type="button" onClick={onRevalidate}>
          Validate again
        </button>
      </div>
    );
  }
  const running = build.isPending || job !== null;
  return (
    <div className="stack">
      <div className="cluster">
        <button type="button" disabled={running} onClick={() => build.mutate(true)}>
          Rebuild from GitHub
        </button>
        <button type="button" disabled={running} onClick={() => build.mutate(false)}>
          Check without publishing
        </button>
      </div>
      {build.error && <ErrorMessage error={build.error} />}
      {job && (
        <JobStatus
          jobId={job.id}
          title={job.title}
          onFinished={() => {
            setJob(null);
            void client.invalidateQueries({ queryKey: contentStatusQuery.queryKey });
          }}
        />
      )}
    </div>
  );
}
