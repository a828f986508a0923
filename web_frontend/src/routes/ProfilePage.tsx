import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { ApiError } from "../api/http";
import type { Profile } from "../api/types";
import { updateMe } from "../api/users";
import { ErrorMessage, Loading } from "../components/Feedback/Feedback";
import { TimeZoneField } from "../components/Forms/TimeZoneField";
import { LeaveCohort, type LeftCohort, LeftCohortMessage } from "../components/Groups/LeaveCohort";
import { useMe } from "../hooks/useMe";
import { detectTimeZone, isValidTimeZone } from "../lib/time";
import { safeNext } from "./SignInPage";

const FIELDS = ["display_name", "email", "timezone"];

function ProfileForm({ me }: { me: Profile }) {
  const firstRun = !me.tos_accepted_at;
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [displayName, setDisplayName] = useState(me.display_name);
  const [email, setEmail] = useState(me.email ?? "");
  // New people get the browser's zone; they can change it.
  const [timezone, setTimezone] = useState(firstRun && me.timezone === "UTC" ? detectTimeZone() : me.timezone);
  const [terms, setTerms] = useState(!firstRun);
  const save = useMutation({
    mutationFn: () =>
      updateMe({
        display_name: displayName.trim(),
        email: email.trim() || undefined,
        timezone,
        ...(firstRun ? { tos_accepted: true } : {}),
      }),
    onSuccess: (profile) => {
      queryClient.setQueryData(["me"], profile);
      if (firstRun) navigate(safeNext(params.get("next") ?? "/enroll"));
    },
  });
  const fieldError = (field: string) =>
    save.error instanceof ApiError && save.error.field === field ? save.error.message : undefined;

  return (
    <form
      className="card narrow"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
      noValidate
    >
      <div className="field">
        <label htmlFor="display-name">Display name</label>
        <input
          id="display-name"
          required
          value={displayName}
          aria-invalid={Boolean(fieldError("display_name"))}
          onChange={(e) => setDisplayName(e.target.value)}
        />
        <p className="hint">What your group sees, here and on Discord.</p>
        {fieldError("display_name") && <p className="field-error">{fieldError("display_name")}</p>}
      </div>
      <div className="field">
        <label htmlFor="email">Email</label>
        <input
          id="email"
          type="email"
          autoComplete="email"
          value={email}
          aria-invalid={Boolean(fieldError("email"))}
          onChange={(e) => setEmail(e.target.value)}
        />
        <p className="hint">For meeting reminders and calendar invitations.</p>
        {fieldError("email") && <p className="field-error">{fieldError("email")}</p>}
      </div>
      <TimeZoneField value={timezone} onChange={setTimezone} error={fieldError("timezone")} />
      {firstRun && (
        <label className="checkbox">
          <input type="checkbox" checked={terms} onChange={(e) => setTerms(e.target.checked)} />
          <span>
            I accept the{" "}
            <Link to="/terms" target="_blank">
              terms of use
            </Link>{" "}
            and the{" "}
            <Link to="/privacy" target="_blank">
              privacy policy
            </Link>
            .
          </span>
        </label>
      )}
      {save.error && !FIELDS.some((f) => fieldError(f)) && <ErrorMessage error={save.error} />}
      {save.isSuccess && !firstRun && (
        <p role="status" className="success">
          Saved.
        </p>
      )}
      <button type="submit" disabled={save.isPending || !terms || !displayName.trim() || !isValidTimeZone(timezone)}>
        {save.isPending ? "Saving…" : firstRun ? "Continue" : "Save profile"}
      </button>
    </form>
  );
}

/** The cohorts I am enrolled in, each with a way out; after leaving one, what happened. */
function MyCohorts({ me }: { me: Profile }) {
  const [left, setLeft] = useState<LeftCohort | null>(null);
  if (me.enrollments.length === 0 && !left) return null;
  return (
    <>
      <h2>Your cohorts</h2>
      {left && <LeftCohortMessage left={left} />}
      <ul className="cards">
        {me.enrollments.map((e) => (
          <li key={e.cohort_id} className="card">
            <strong>{e.cohort_name}</strong>
            <span className="muted">
              {" "}
              · {e.role}
              {e.group_name ? ` in ${e.group_name}` : ""}
            </span>
            <LeaveCohort cohortId={e.cohort_id} cohortName={e.cohort_name} onLeft={setLeft} />
          </li>
        ))}
      </ul>
    </>
  );
}

export function ProfilePage() {
  const { me } = useMe();
  if (!me) return <Loading />;
  return (
    <section>
      <h1>{me.tos_accepted_at ? "Your profile" : "Welcome! Tell us about you"}</h1>
      <ProfileForm me={me} />
      {me.tos_accepted_at && <MyCohorts me={me} />}
    </section>
  );
}
