import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { gateQuery, setGate } from "../../api/growth";
import type { GatePublic, GateUpdate } from "../../client/schema";
import { ErrorMessage, QueryState } from "../Feedback/Feedback";
import { Card } from "../ui/Card";

type Mode = GateUpdate["mode"];

const MODES: { mode: Mode; label: string; hint: string }[] = [
  { mode: "open", label: "Open", hint: "anyone signed in can sign up" },
  { mode: "invite_only", label: "Invite-only", hint: "signups must give the invite code" },
  { mode: "closed", label: "Closed", hint: "people join the waiting list; you admit them" },
];

function GateForm({ cohortId, gate }: { cohortId: number; gate: GatePublic }) {
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<Mode>(gate.mode);
  const save = useMutation({
    mutationFn: (rotate: boolean) => setGate(cohortId, { mode, rotate }),
    onSuccess: (saved) => queryClient.setQueryData(gateQuery(cohortId).queryKey, saved),
  });
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(false);
      }}
    >
      <fieldset className="choices">
        <legend>Who may sign up</legend>
        {MODES.map((m) => (
          <label key={m.mode} className="choice">
            <input type="radio" name="gate-mode" checked={mode === m.mode} onChange={() => setMode(m.mode)} />
            {m.label} <span className="muted">({m.hint})</span>
          </label>
        ))}
      </fieldset>
      {gate.mode === "invite_only" && gate.invite_code && (
        <p>
          Invite code: <code>{gate.invite_code}</code>{" "}
          <button type="button" className="secondary small" onClick={() => save.mutate(true)} disabled={save.isPending}>
            Make a new code
          </button>
          <br />
          <span className="hint">A new code replaces this one: people who have the old one can no longer use it.</span>
        </p>
      )}
      {save.error && <ErrorMessage error={save.error} title="Not saved:" />}
      <div className="cluster">
        <button type="submit" disabled={save.isPending || mode === gate.mode}>
          Save
        </button>
      </div>
    </form>
  );
}

/** The cohort's signup gate: open, invite-only with a code, or closed with a waiting list. */
export function GateCard({ cohortId }: { cohortId: number }) {
  const gate = useQuery(gateQuery(cohortId));
  return (
    <Card title="Signup gate">
      <QueryState query={gate} label="Loading the gate…">
        {(g) => <GateForm key={`${g.mode}-${g.invite_code}`} cohortId={cohortId} gate={g} />}
      </QueryState>
    </Card>
  );
}
