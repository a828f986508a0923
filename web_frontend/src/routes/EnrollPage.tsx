import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { enroll, openCohortsQuery } from "../api/cohorts";
import { gateViewQuery } from "../api/growth";
import type { AvailabilityPublic, Profile } from "../api/types";
import type { CohortListingPublic as Cohort, GateViewPublic } from "../client/schema";
import { applyAsFacilitator, availabilityQuery, fromWire, saveAvailability } from "../api/users";
import { AvailabilityEditor, availabilityProblem } from "../components/Availability/AvailabilityEditor";
import { ErrorMessage, Loading, QueryState } from "../components/Feedback/Feedback";
import { useMe } from "../hooks/useMe";
import { blocksToWeek, weekToBlocks } from "../lib/availability";
import { formatDate } from "../lib/time";

type Role = "learner" | "facilitator";

function ApplyToFacilitate() {
  const queryClient = useQueryClient();
  const apply = useMutation({
    mutationFn: () => applyAsFacilitator(""),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["me"] }),
  });
  return (
    <div className="row">
      <button type="button" className="secondary small" onClick={() => apply.mutate()} disabled={apply.isPending}>
        Apply to facilitate
      </button>
      {apply.error && <ErrorMessage error={apply.error} />}
    </div>
  );
}

function CohortChoice({
  cohorts,
  me,
  cohortId,
  setCohortId,
  role,
  setRole,
}: {
  cohorts: Cohort[];
  me: Profile;
  cohortId: number | null;
  setCohortId: (id: number) => void;
  role: Role;
  setRole: (r: Role) => void;
}) {
  if (cohorts.length === 0) {
    return <p className="notice">No cohort is open for enrollment right now. Please check back soon.</p>;
  }
  const enrolled = new Map(me.enrollments.map((e) => [e.cohort_id, e.role]));
  return (
    <>
      <fieldset className="choices">
        <legend>Cohort</legend>
        {cohorts.filter((c) => c.enrollment_open || c.my_role).map((c) => (
          <label key={c.id} className="choice">
            <input type="radio" name="cohort" checked={cohortId === c.id} onChange={() => setCohortId(c.id)} />
            <span>
              <strong>{c.name}</strong>
              <> · {c.course_slug}</>
              <br />
              <span className="muted">
                Starts {formatDate(c.start_date)} · {c.number_of_meetings} weekly meetings of {c.meeting_minutes}{" "}
                minutes
                {c.enrollment_deadline && <> · enroll by {formatDate(c.enrollment_deadline)}</>}
                {(c.my_role ?? enrolled.get(c.id)) && <> · you are enrolled as {c.my_role ?? enrolled.get(c.id)}</>}
              </span>
            </span>
          </label>
        ))}
      </fieldset>
      <fieldset className="choices">
        <legend>Your role</legend>
        <label className="choice">
          <input type="radio" name="role" checked={role === "learner"} onChange={() => setRole("learner")} />
          Learner
        </label>
        <label className="choice">
          <input
            type="radio"
            name="role"
            checked={role === "facilitator"}
            disabled={!me.facilitator}
            onChange={() => setRole("facilitator")}
          />
          Facilitator{" "}
          {!me.facilitator && <span className="muted">(for people who have applied to facilitate)</span>}
        </label>
        {!me.facilitator && <ApplyToFacilitate />}
      </fieldset>
    </>
  );
}

/** What the chosen cohort's signup gate asks: an invite code, or a place on its waiting list. */
function GateFields({
  gate,
  inviteCode,
  setInviteCode,
}: {
  gate: GateViewPublic | undefined;
  inviteCode: string;
  setInviteCode: (code: string) => void;
}) {
  if (gate?.mode === "invite_only") {
    return (
      <label>
        Invite code
        <input value={inviteCode} onChange={(e) => setInviteCode(e.target.value)} required autoComplete="off" />
        <span className="hint">This cohort is invite-only: enter the code you were given.</span>
      </label>
    );
  }
  if (gate?.mode === "closed") {
    return (
      <p className="notice">
        {gate.on_waiting_list
          ? "You are on this cohort's waiting list. We'll let you know when a place is yours."
          : "Signups for this cohort are closed. You can join its waiting list; an organiser admits people from it."}
      </p>
    );
  }
  return null;
}

function EnrollForm({ me, availability }: { me: Profile; availability: AvailabilityPublic }) {
  const queryClient = useQueryClient();
  const cohortsQuery = useQuery(openCohortsQuery);
  const cohorts = cohortsQuery.data ?? [];
  const [cohortId, setCohortId] = useState<number | null>(null);
  const [role, setRole] = useState<Role>("learner");
  const [timezone, setTimezone] = useState(availability.timezone || me.timezone);
  const [week, setWeek] = useState(() => blocksToWeek(fromWire(availability.intervals)));
  const cohort = cohorts.find((c) => c.id === cohortId);
  const [inviteCode, setInviteCode] = useState("");
  // A gate that cannot be read is treated as open: enrolling then says what is wrong.
  const gate = useQuery({ ...gateViewQuery(cohortId ?? 0), enabled: cohortId !== null && !cohort?.my_role }).data;
  const waitlist = gate?.mode === "closed";
  const submit = useMutation({
    mutationFn: async () => {
      await saveAvailability(timezone, weekToBlocks(week));
      return cohortId !== null ? enroll(cohortId, role, inviteCode.trim() || undefined) : null;
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["me"] }),
  });
  const problem = availabilityProblem(week, timezone);

  if (submit.data?.waitlisted && cohort) {
    return (
      <div className="card" role="status">
        <h2>You're on the waiting list for {cohort.name}</h2>
        <p>
          Signups for this cohort are closed for now. An organiser admits people from the waiting list; you'll get a
          welcome message by email and Discord when you're in. Your availability is saved.
        </p>
      </div>
    );
  }

  if (submit.isSuccess && cohort) {
    return (
      <div className="card" role="status">
        <h2>You're enrolled in {cohort.name}</h2>
        <p>
          We'll put you in a group at a time that fits your availability and let you know by email and
          Discord. Meanwhile, you can <Link to={`/course/${cohort.course_slug}`}>start the course</Link>.
        </p>
        <Link to="/group" className="button">
          Go to my group page
        </Link>
      </div>
    );
  }

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (!problem) submit.mutate();
      }}
    >
      <QueryState query={cohortsQuery} label="Loading open cohorts…">
        {() => <CohortChoice {...{ cohorts, me, cohortId, setCohortId, role, setRole }} />}
      </QueryState>
      {cohort && !cohort.my_role && <GateFields gate={gate} inviteCode={inviteCode} setInviteCode={setInviteCode} />}
      <h2>When can you meet each week?</h2>
      <AvailabilityEditor
        week={week}
        onWeekChange={setWeek}
        timezone={timezone}
        onTimezoneChange={setTimezone}
        otherZone={cohort && cohort.anchor_timezone !== "per_group" ? cohort.anchor_timezone : "UTC"}
      />
      {submit.error && <ErrorMessage error={submit.error} title="Not saved." />}
      {problem && <p className="hint">{problem}</p>}
      {submit.isSuccess && !cohort && (
        <p role="status" className="success">
          Your availability is saved.
        </p>
      )}
      <button type="submit" disabled={Boolean(problem) || submit.isPending}>
        {submit.isPending
          ? "Saving…"
          : !cohort
            ? "Save availability"
            : waitlist && !cohort.my_role
              ? "Save availability and join the waiting list"
              : "Save availability and enroll"}
      </button>
    </form>
  );
}

export function EnrollPage() {
  const { me } = useMe();
  const availability = useQuery(availabilityQuery);
  if (!me) return <Loading />;
  return (
    <section>
      <h1>Enroll and availability</h1>
      <QueryState query={availability} label="Loading your availability…">
        {(a) => <EnrollForm me={me} availability={a} />}
      </QueryState>
    </section>
  );
}
