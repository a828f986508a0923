import { ApiError } from "../../../api/http";
import { ErrorMessage } from "../../Feedback/Feedback";

/** A time-fit refusal: someone cannot make every meeting, and `force` would override it. */
export const isAvailabilityConflict = (error: unknown) =>
  error instanceof ApiError && error.code === "availability_conflict";

/** A refusal; when it is a time-fit refusal (422 that `force` would override), offer to do it anyway. */
export function ForceableError({ error, title, actionLabel, onForce, disabled }: {
  error: unknown;
  title: string;
  actionLabel: string;
  onForce: () => void;
  disabled?: boolean;
}) {
  const forceable = isAvailabilityConflict(error);
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
