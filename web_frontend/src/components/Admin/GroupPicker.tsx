import { useInfiniteQuery } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { groupChoicesQuery } from "../../api/staff";
import type { GroupChoicePublic } from "../../client/schema";

export type GroupChoice = GroupChoicePublic;

/** `value`, once it has stopped changing for `ms` (a search asked as the admin pauses typing). */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Choose any preview or live group of the cohort: the server searches every group by part of
 * its name, a page at a time, so the choice is not limited to the groups loaded on the page. */
export function GroupPicker({
  cohortId,
  status,
  label,
  exclude,
  value,
  onChange,
}: {
  cohortId: number;
  status: "preview" | "active";
  label: string;
  exclude?: number;
  value: GroupChoice | null;
  onChange: (group: GroupChoice | null) => void;
}) {
  const id = useId();
  const [text, setText] = useState("");
  const name = useSettled(text.trim(), 250);
  const found = useInfiniteQuery(groupChoicesQuery(cohortId, status, name));
  const matches = (found.data?.pages.flatMap((page) => page.groups) ?? []).filter((g) => g.id !== exclude);
  // The chosen group stays choosable while the admin searches for something else.
  const options = value && !matches.some((g) => g.id === value.id) ? [value, ...matches] : matches;
  const placeholder = found.isPending ? "Loading groups…" : matches.length ? "Choose a group…" : "No group matches";
  return (
    <div className="group-picker">
      <label htmlFor={`${id}-group`}>{label}</label>
      <input
        type="search"
        aria-label={`Find a group by name (${label})`}
        placeholder="Part of a group's name"
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <select
        id={`${id}-group`}
        value={value?.id ?? ""}
        onChange={(e) => onChange(options.find((g) => g.id === Number(e.target.value)) ?? null)}
      >
        <option value="">{placeholder}</option>
        {options.map((g) => (
          <option key={g.id} value={g.id}>
            {g.name} ({g.anchor_label}, {g.learner_count} learner{g.learner_count === 1 ? "" : "s"})
          </option>
        ))}
      </select>
      {found.hasNextPage && (
        <button type="button" className="secondary small" onClick={() => void found.fetchNextPage()} disabled={found.isFetchingNextPage}>
          {found.isFetchingNextPage ? "Loading…" : "More groups"}
        </button>
      )}
    </div>
  );
}
