import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useParams } from "react-router";
import {
  adminCohortQuery,
  previewQuery,
  publishCohort,
  runScheduling,
  signupsQuery,
  updateCohort,
} from "../../api/staff";
import type { Cohort, CohortCreate } from "../../api/types";
import { AdminNav } from "../../components/Admin/AdminNav";
import { CohortForm } from "../../components/Admin/CohortForm";
import { HeatMap } from "../../components/Admin/HeatMap";
import { JobStatus } from "../../components/Admin/JobStatus";
import { PreviewView } from "../../components/Admin/PreviewView";
import { ErrorMessage, QueryState } from "../../components/Feedback/Feedback";
import { useMe } from "../../hooks/useMe";

function EditCohort({ cohort }: { cohort: Cohort }) {
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: (body: CohortCreate) => updateCohort(cohort.id, body),
    onSuccess: (c) => {
      queryClient.setQueryData(adminCohortQuery(cohort.id).queryKey, c);
      void queryClient.invalidateQueries({ queryKey: ["admin", "cohorts"], exact: true });
    },
  });
  const { id: _id, status: _s, my_role: _r, signup_count: _c, course_title: _t, ...editable } = cohort;
  return (
    <details className="card">
      <summary>Edit cohort settings</summary>
      <CohortForm initial={editable} submitLabel="Save cohort" mutation={save} />
    </details>
  );
}

function Scheduling({ cohort, zone }: { cohort: Cohort; zone: string }) {
  const queryClient = useQueryClient();
  const [scheduleJob, setScheduleJob] = useState<number | null>(null);
  const [publishJob, setPublishJob] = useState<number | null>(null);
  const preview = useQuery(previewQuery(cohort.id));
  const schedule = useMutation({ mutationFn: () => runScheduling(cohort.id), onSuccess: (r) => setScheduleJob(r.job_id) });
  const publish = useMutation({ mutationFn: () => publishCohort(cohort.id), onSuccess: (r) => setPublishJob(r.job_id) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["admin", "cohorts", cohort.id] });
  const hasPreview = (preview.data?.groups ?? []).some((g) => g.status === "preview");
  return (
    <section aria-labelledby="scheduling">
      <h2 id="scheduling">Scheduling</h2>
      <div className="row">
        <button type="button" onClick={() => schedule.mutate()} disabled={schedule.isPending}>
          Run scheduling
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            if (window.confirm(`Publish the groups of ${cohort.name}? Members will be told and Discord channels created.`)) publish.mutate();
          }}
          disabled={!hasPreview || publish.isPending}
        >
          Publish groups
        </button>
      </div>
      {schedule.error && <ErrorMessage error={schedule.error} title="Scheduling did not start:" />}
      {publish.error && <ErrorMessage error={publish.error} title="Publishing did not start:" />}
      {scheduleJob && <JobStatus jobId={scheduleJob} title="Scheduling" onFinished={() => void refresh()} />}
      {publishJob && <JobStatus jobId={publishJob} title="Publishing" onFinished={() => void refresh()} />}
      <h3>Preview</h3>
      <QueryState query={preview} label="Loading the preview…">
        {(p) => <PreviewView preview={p} zone={zone} />}
      </QueryState>
    </section>
  );
}

export function AdminCohortPage() {
  const id = Number(useParams().cohortId);
  const { timeZone } = useMe();
  const cohort = useQuery(adminCohortQuery(id));
  const signups = useQuery(signupsQuery(id));
  return (
    <section>
      <AdminNav />
      <QueryState query={cohort} label="Loading the cohort…">
        {(c) => (
          <>
            <h1>{c.name}</h1>
            <p className="muted">
              {c.course_slug} · {c.status} · anchor {c.anchor_timezone}
            </p>
            <EditCohort cohort={c} />
            <section aria-labelledby="signups">
              <h2 id="signups">Signups</h2>
              <QueryState query={signups} label="Loading signups…">
                {(list) => (
                  <>
                    <p>
                      {list.filter((s) => s.role === "learner").length} learners,{" "}
                      {list.filter((s) => s.role === "facilitator").length} facilitators.
                    </p>
                    <HeatMap signups={list} zone={timeZone} reference={new Date(`${c.start_date}T12:00:00Z`)} />
                  </>
                )}
              </QueryState>
            </section>
            <Scheduling cohort={c} zone={timeZone} />
          </>
        )}
      </QueryState>
    </section>
  );
}
