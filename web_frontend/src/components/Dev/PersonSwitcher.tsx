import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useNavigate } from "react-router";
import { devLoginAvailable } from "../../api/users";
import { type DemoPerson, type DemoRole, HOME, fetchDemoPeople, signInAs } from "./devPeople";

const GROUPS: [DemoRole, string][] = [
  ["admin", "Admin"],
  ["facilitator", "Facilitators"],
  ["learner", "Learners"],
];

function label(person: DemoPerson): string {
  const where = person.group ? `${person.group}, ` : "";
  return `${person.display_name} (${where}${person.timezone})`;
}

/**
 * Local stack only: sign in as any of the demo world's people (`make run ARGS=--demo`)
 * without the dev login's per-address limit. Shown only where the server offers the
 * dev login and has demo people; a deployed stack has neither, so this renders nothing.
 */
export function PersonSwitcher() {
  const id = useId();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [chosen, setChosen] = useState("");
  const dev = useQuery({ queryKey: ["auth", "dev-login"], queryFn: devLoginAvailable, staleTime: Infinity });
  const people = useQuery({
    queryKey: ["dev", "people"],
    queryFn: fetchDemoPeople,
    enabled: dev.data === true,
    staleTime: Infinity,
    retry: false,
  });
  const switchTo = useMutation({
    mutationFn: signInAs,
    onSuccess: (person) => {
      queryClient.clear(); // everything cached belonged to the previous person
      navigate(HOME[person.role]);
    },
  });
  const list = people.data ?? [];
  if (!list.length) return null;
  const selected = chosen || String(list[0]!.user_id);
  return (
    <aside className="dev-switcher card" aria-labelledby={`${id}-title`}>
      <details>
        <summary id={`${id}-title`}>Demo people (local only): sign in as someone else</summary>
        <form
          className="cluster"
          onSubmit={(event) => {
            event.preventDefault();
            switchTo.mutate(Number(selected));
          }}
        >
          <label htmlFor={`${id}-person`}>Person</label>
          <select id={`${id}-person`} value={selected} onChange={(e) => setChosen(e.target.value)}>
            {GROUPS.map(([role, title]) => (
              <optgroup key={role} label={title}>
                {list
                  .filter((p) => p.role === role)
                  .map((p) => (
                    <option key={p.user_id} value={p.user_id}>
                      {label(p)}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
          <button type="submit" className="small" disabled={switchTo.isPending}>
            {switchTo.isPending ? "Signing in…" : "Sign in as them"}
          </button>
        </form>
        {switchTo.error ? (
          <p role="alert" className="error-box">
            {switchTo.error.message}
          </p>
        ) : null}
      </details>
    </aside>
  );
}
