import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import type { Profile } from "../api/types";
import { updateMe } from "../api/users";
import { ErrorMessage, Loading } from "../components/Feedback/Feedback";
import { TimeZoneField } from "../components/Forms/TimeZoneField";
import { ReferralLinkCard } from "../components/Growth/ReferralLinkCard";
import { useMe } from "../hooks/useMe";
import { isValidTimeZone } from "../lib/time";

function SettingsForm({ me }: { me: Profile }) {
  const queryClient = useQueryClient();
  const [emailOn, setEmailOn] = useState(me.email_notifications);
  const [dmOn, setDmOn] = useState(me.dm_notifications);
  const [timezone, setTimezone] = useState(me.timezone);
  const save = useMutation({
    mutationFn: () => updateMe({ email_notifications: emailOn, dm_notifications: dmOn, timezone }),
    onSuccess: (profile) => queryClient.setQueryData(["me"], profile),
  });
  return (
    <form
      className="card narrow"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <fieldset>
        <legend>Notifications</legend>
        <label className="checkbox">
          <input type="checkbox" checked={emailOn} onChange={(e) => setEmailOn(e.target.checked)} />
          Email {me.email ? `(${me.email})` : "(add an email address in your profile)"}
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={dmOn} onChange={(e) => setDmOn(e.target.checked)} />
          Discord direct messages
        </label>
        <p className="hint">Reminders before each meeting, and news about your group.</p>
      </fieldset>
      <TimeZoneField value={timezone} onChange={setTimezone} />
      <p className="hint">
        Your availability is kept as local times in this zone. <Link to="/availability">Edit availability</Link> ·{" "}
        <Link to="/profile">Edit profile</Link>
      </p>
      {save.error && <ErrorMessage error={save.error} />}
      {save.isSuccess && (
        <p role="status" className="success">
          Settings saved.
        </p>
      )}
      <button type="submit" disabled={save.isPending || !isValidTimeZone(timezone)}>
        {save.isPending ? "Saving…" : "Save settings"}
      </button>
    </form>
  );
}

export function SettingsPage() {
  const { me } = useMe();
  if (!me) return <Loading />;
  return (
    <section>
      <h1>Settings</h1>
      <SettingsForm me={me} />
      <ReferralLinkCard />
    </section>
  );
}
