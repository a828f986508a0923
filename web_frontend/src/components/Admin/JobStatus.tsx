import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { jobQuery } from "../../api/staff";
import type { JobPublic as Job } from "../../client/schema";
import { ErrorMessage } from "../Feedback/Feedback";

const LABEL: Record<string, string> = {
  queued: "Waiting to start",
  running: "Running",
  succeeded: "Finished",
  failed: "Failed",
};

function describeProgress(raw: unknown): string | null {
  if (!raw || typeof raw !== "object") return null;
  const progress = raw as Record<string, unknown>;
  if (typeof progress.message === "string") return progress.message;
  return Object.entries(progress)
    .map(([k, v]) => `${k.replace(/_/g, " ")}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" · ");
}

/** Live status of a background job, polled every second until it finishes. */
export function JobStatus({ jobId, title, onFinished }: { jobId: number; title: string; onFinished?: (job: Job) => void }) {
  const job = useQuery(jobQuery(jobId));
  const status = job.data?.status;
  useEffect(() => {
    if (job.data && (status === "succeeded" || status === "failed")) onFinished?.(job.data);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [status]);
  if (job.error) return <ErrorMessage error={job.error} retry={() => void job.refetch()} />;
  const data = job.data;
  return (
    <div className={`job job-${data?.status ?? "queued"}`} role="status" aria-live="polite">
      <strong>{title}:</strong>{" "}
      {!data
        ? "Starting…"
        : data.status === "queued" && data.attempts > 0
          ? `Attempt ${data.attempts} of ${data.max_attempts} failed; it will be retried`
          : (LABEL[data.status] ?? data.status)}
      {data && (data.status === "queued" || data.status === "running") && <span className="spinner" aria-hidden="true" />}
      {describeProgress(data?.progress) && <p className="muted">{describeProgress(data?.progress)}</p>}
      {data?.error && <p className="error-box">{data.error}</p>}
      <span className="muted"> (job {jobId}{data?.attempts ? `, attempt ${data.attempts}` : ""})</span>
    </div>
  );
}
