import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import type { AvailabilityPublic } from "../api/types";
import { availabilityQuery, fromWire, saveAvailability } from "../api/users";
import { AvailabilityEditor, availabilityProblem } from "../components/Availability/AvailabilityEditor";
import { ErrorMessage, QueryState } from "../components/Feedback/Feedback";
import { useMe } from "../hooks/useMe";
import { blocksToWeek, weekToBlocks } from "../lib/availability";

function AvailabilityForm({ availability, fallbackZone }: { availability: AvailabilityPublic; fallbackZone: string }) {
  const queryClient = useQueryClient();
  const [timezone, setTimezone] = useState(availability.timezone || fallbackZone);
  const [week, setWeek] = useState(() => blocksToWeek(fromWire(availability.intervals)));
  const save = useMutation({
    mutationFn: () => saveAvailability(timezone, weekToBlocks(week)),
    onSuccess: (saved) => {
      queryClient.setQueryData(availabilityQuery.queryKey, saved);
      // The zone is the profile's too.
      void queryClient.invalidateQueries({ queryKey: ["me"], exact: true });
    },
  });
  const problem = availabilityProblem(week, timezone);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (!problem) save.mutate();
      }}
    >
      <AvailabilityEditor week={week} onWeekChange={setWeek} timezone={timezone} onTimezoneChange={setTimezone} />
      {save.error && <ErrorMessage error={save.error} title="Not saved." />}
      {problem && <p className="hint">{problem}</p>}
      {save.isSuccess && (
        <p role="status" className="success">
          Your availability is saved.
        </p>
      )}
      <button type="submit" disabled={Boolean(problem) || save.isPending}>
        {save.isPending ? "Saving…" : "Save availability"}
      </button>
    </form>
  );
}

/** /availability: the weekly availability editor on its own (Discord's /availability links here). */
export function AvailabilityPage() {
  const { timeZone } = useMe();
  const availability = useQuery(availabilityQuery);
  return (
    <section>
      <h1>Your availability</h1>
      <p className="hint">
        The times you can meet each week, in your own time zone. Groups are formed from them; to join a cohort, go to{" "}
        <Link to="/enroll">Enroll</Link>.
      </p>
      <QueryState query={availability} label="Loading your availability…">
        {(a) => <AvailabilityForm availability={a} fallbackZone={timeZone} />}
      </QueryState>
    </section>
  );
}
