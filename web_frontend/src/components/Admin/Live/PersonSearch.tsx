import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { userSearchQuery } from "../../../api/staff";
import type { UserMatchPublic } from "../../../client/schema";
import { ErrorMessage } from "../../Feedback/Feedback";

/** Find a person by name, Discord username or email; `onPick` with the one chosen. */
export function PersonSearch({ label, actionLabel, onPick, disabled }: {
  label: string;
  actionLabel: string;
  onPick: (person: UserMatchPublic) => void;
  disabled?: boolean;
}) {
  const id = useId();
  const [text, setText] = useState("");
  const [asked, setAsked] = useState("");
  const found = useQuery(userSearchQuery(asked));
  return (
    <div className="person-search">
      <form
        role="search"
        aria-label={`Find people: ${label}`}
        onSubmit={(e) => {
          e.preventDefault();
          setAsked(text.trim());
        }}
      >
        <label htmlFor={id}>{label}</label>
        <div className="row">
          <input id={id} value={text} onChange={(e) => setText(e.target.value)} placeholder="Name, Discord name or email" />
          <button type="submit" className="secondary small" disabled={!text.trim()}>
            Search
          </button>
        </div>
      </form>
      {found.error && <ErrorMessage error={found.error} />}
      {asked && found.data && found.data.length === 0 && <p className="muted small">Nobody matches “{asked}”.</p>}
      {found.data && found.data.length > 0 && (
        <ul>
          {found.data.map((p) => (
            <li key={p.id}>
              {p.display_name}
              {p.discord_username && <span className="muted"> @{p.discord_username}</span>}
              {p.email && <span className="muted"> {p.email}</span>}{" "}
              <button type="button" className="small" onClick={() => onPick(p)} disabled={disabled}>
                {actionLabel} {p.display_name}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
