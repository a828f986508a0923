import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useParams } from "react-router";
import {
  adminCohortQuery,
  adminCohortsQuery,
  availabilityQuery,
  previewKey,
  publishCohort,
  runScheduling,
  syncCohort,
  updateCohort,
} from "../../api/staff";
import type { CohortCreate, CohortPublic as Cohort } from "../../client/schema";
import { AdminNav } from "../../components/Admin/AdminNav";
import { CohortForm } from "../../components/Admin/CohortForm";
import { DiscardRunButton } from "../../components/Admin/DiscardRunButton";
import { CalendarBudget } from "../../components/Admin/CalendarBudget";
import { DiscordServers } from "../../components/Admin/DiscordServers";
import { HeatMap } from "../../components/Admin/HeatMap";
import { JobStatus } from "../../components/Admin/JobStatus";
import { LoadMore } from "../../components/Admin/LoadMore";
import { LiveSection } from "../../components/Admin/Live/LiveSection";
import { CohortFeedback } from "../../components/MeetingFeedback/CohortFeedback";
import { PreviewView } from "../../components/Admin/PreviewView";
import { UncertifiedFacilitators } from "../../components/Admin/UncertifiedFacilitators";
import { ErrorMessage, QueryState } from "../../components/Feedback/Feedback";
import { DataTable } from "../../components/ui/DataTable";
import { useMe } from "../../hooks/useMe";
import { usePreviewPages } from "../../hooks/usePreviewPages";
import { useSignupPages } from "../../hooks/useSignupPages";

function EditCohort({ cohort }: { cohort: Cohort }) {
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: (body: CohortCreate) => updateCohort(cohort.id, body),
    onSuccess: (c) => {
      queryClient.setQueryData(adminCohortQuery(cohort.id).queryKey, c);
      void queryClient.invalidateQueries({ queryKey: ["admin", "cohorts"], exact: true });
    },
  });
  const { id: _id, status, ...rest } = cohort;
  const editable: CohortCreate = { ...rest, status: status as CohortCreate["status"] };
  return (
    <details className="card">
      <summary>Edit cohort settings</summary>
      <CohortForm initial={editable} submitLabel="Save cohort" mutation={save} />
    </details>
  );
}

type Pages = ReturnType<typeof useSignupPages>;

function SignupList({ pages, total }: { pages: Pages; total?: number }) {
  const { signups } = pages;
  if (signups.length === 0) return <p className="muted">No signups yet.</p>;
  return (
    <details className="card">
      <summary>All signups ({(total ?? signups.length).toLocaleString()})</summary>
      <DataTable label="Signups" columns={["Name", "Role", "Time zone", "Availability (their time)", "Group"]}>
        {signups.map((s) => (
          <tr key={s.user_id}>
            <th scope="row">{s.display_name}</th>
            <td>
              {s.role}
              {s.role === "facilitator" && s.facilitator_certified === false && " (not certified)"}
            </td>
            <td>{s.timezone}</td>
            <td>{s.availability.text}</td>
            <td>{s.group_name ?? (s.unplaced_reason ? `unplaced: ${s.unplaced_reason.replace(/_/g, " ")}` : "—")}</td>
          </tr>
        ))}
      </DataTable>
      <LoadMore
        shown={signups.length}
        total={total}
        noun="signups"
        hasMore={pages.hasMore}
        loading={pages.loadingMore}
        onMore={pages.loadMore}
      />
    </details>
  );
}

function Scheduling({ cohort, zone }: { cohort: Cohort; zone: string }) {
  const queryClient = useQueryClient();
  const [scheduleJob, setScheduleJob] = useState<number | null>(null);
  const [publishJob, setPublishJob] = useState<number | null>(null);
  const { query: previewPages, preview, more } = usePreviewPages(cohort.id);
  const [requireFacilitator, setRequireFacilitator] = useState(true);
  const [useIfNeeded, setUseIfNeeded] = useState(true);
  const schedule = useMutation({
    mutationFn: () =>
      runScheduling(cohort.id, { require_facilitator: requireFacilitator, use_if_needed: useIfNeeded }),
    onSuccess: (r) => setScheduleJob(r.job_id),
  });
  const publish = useMutation({ mutationFn: () => publishCohort(cohort.id), onSuccess: (r) => setPublishJob(r.job_id) });
  const [syncJob, setSyncJob] = useState<number | null>(null);
  const sync = useMutation({ mutationFn: () => syncCohort(cohort.id), onSuccess: (r) => setSyncJob(r.job_id) });
  // The preview lists preview groups only; the cohort overview counts the published ones.
  const overview = useQuery(adminCohortsQuery).data?.find((c) => c.id === cohort.id);
  const hasPublished = (overview?.published_groups ?? 0) > 0;
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["admin", "cohorts"] });
  // Counted by the server over every page: the groups below arrive a page at a time.
  const hasPreview = (preview?.summary.groups ?? 0) > 0;
  const refreshPreview = () => queryClient.invalidateQueries({ queryKey: previewKey(cohort.id) });
  return (
    <section aria-labelledby="scheduling">
      <h2 id="scheduling">Scheduling</h2>
      <fieldset>
        <legend>Options</legend>
        <label className="checkbox">
          <input type="checkbox" checked={requireFacilitator} onChange={(e) => setRequireFacilitator(e.target.checked)} />
          Every group needs a certified facilitator
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={useIfNeeded} onChange={(e) => setUseIfNeeded(e.target.checked)} />
          Use "if needed" times
        </label>
      </fieldset>
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
        {preview?.run && (
          <DiscardRunButton
            cohortId={cohort.id}
            cohortName={cohort.name}
            runId={preview.run.id}
            disabled={!hasPreview || publish.isPending}
          />
        )}
        {hasPublished && (
          <button type="button" className="secondary" onClick={() => sync.mutate()} disabled={sync.isPending}>
            Sync Discord and calendar
          </button>
        )}
      </div>
      {sync.error && <ErrorMessage error={sync.error} title="Sync did not start:" />}
      {syncJob && <JobStatus jobId={syncJob} title="Sync" onFinished={() => void refresh()} />}
      {schedule.error && <ErrorMessage error={schedule.error} title="Scheduling did not start:" />}
      {publish.error && <ErrorMessage error={publish.error} title="Publishing did not start:" />}
      {hasPreview && <DiscordServers cohortId={cohort.id} hasPublished={hasPublished} />}
      {hasPreview && <CalendarBudget cohortId={cohort.id} />}
      {scheduleJob && <JobStatus jobId={scheduleJob} title="Scheduling" onFinished={() => void refresh()} />}
      {publishJob && <JobStatus jobId={publishJob} title="Publishing" onFinished={() => void refresh()} />}
      {hasPublished && (
        <p className="success">
          {overview?.published_groups} group{overview?.published_groups === 1 ? " is" : "s are"} published: members
          see them on their group page.
        </p>
      )}
      <h3>Preview</h3>
      <QueryState query={previewPages} label="Loading the preview…">
        {() =>
          !preview ? null : hasPublished && preview.summary.groups === 0 ? (
            <p className="muted">No unpublished groups right now.</p>
          ) : (
            <PreviewView preview={preview} zone={zone} onChanged={() => void refreshPreview()} more={more} />
          )
        }
      </QueryState>
    </section>
  );
}

/** Every signup's availability, counted by the server (the signups below arrive a page at a time). */
function CohortHeatMap({ cohortId, zone }: { cohortId: number; zone: string }) {
  const map = useQuery(availabilityQuery(cohortId, zone));
  return (
    <QueryState query={map} label="Counting availability…">
      {(m) => <HeatMap map={m} />}
    </QueryState>
  );
}

export function AdminCohortPage() {
  const id = Number(useParams().cohortId);
  const { timeZone } = useMe();
  const cohort = useQuery(adminCohortQuery(id));
  const pages = useSignupPages(id);
  // Counted by the server: the signups below arrive a page at a time.
  const overview = useQuery(adminCohortsQuery).data?.find((o) => o.id === id);
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
            <LiveSection cohortId={c.id} zone={timeZone} anchorZone={c.anchor_timezone} />
            {(c.status === "running" || c.status === "completed") && <CohortFeedback cohortId={c.id} />}
            <EditCohort cohort={c} />
            <section aria-labelledby="signups">
              <h2 id="signups">Signups</h2>
              <QueryState query={pages.query} label="Loading signups…">
                {() => {
                  const list = pages.signups;
                  const learners = overview?.learners ?? list.filter((s) => s.role === "learner").length;
                  const leaders = overview?.facilitators ?? list.filter((s) => s.role === "facilitator").length;
                  return (
                    <>
                      <p>
                        {learners.toLocaleString()} learners, {leaders.toLocaleString()} facilitators.
                      </p>
                      {pages.hasMore && (
                        <p className="muted small">
                          The heat map counts every signup; the lists below show the {list.length.toLocaleString()}{" "}
                          loaded so far: load more at the end of the list to include the rest.
                        </p>
                      )}
                      <UncertifiedFacilitators signups={list} />
                      <CohortHeatMap cohortId={c.id} zone={timeZone} />
                      <SignupList pages={pages} total={overview ? learners + leaders : undefined} />
                    </>
                  );
                }}
              </QueryState>
            </section>
            <Scheduling cohort={c} zone={timeZone} />
          </>
        )}
      </QueryState>
    </section>
  );
}
