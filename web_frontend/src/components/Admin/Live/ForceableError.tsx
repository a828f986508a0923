import { ApiError } from "../../../api/http";
import { ErrorMessage } from "../../Feedback/Feedback";

/** A refusal; when it is a time-fit refusal (422 that `force` would override), offer to do it anyway. */
export function ForceableError({ error, title, actionLabel, onForce, disabled }: {
  error: unknown;
  title: string;
  actionLabel: string;
  onForce: () => void;
  disabled?: boolean;
}) {
  const forceable = error instanceof ApiError && error.status === 422 && error.message.includes("force=true");
  return (
    <>
      <ErrorMessage error={error} title={title} />
      {forceable && (
        <button type="button" className="secondary small" onClick={onForce} disabled={disabled}>
          {actionLabel}
        </button>
      )}
    </>
  );
}

/** What a forced change overrode, said back to the admin. */
export function ForcedNote({ reasons }: { reasons: string[] | undefined }) {
  if (!reasons || reasons.length === 0) return null;
  return <span className="notice small"> Done despite: {reasons.join("; ")}.</span>;
}
