import type { ReactNode } from "react";
import { errorMessage } from "../../api/http";

/** A failed request, in words; with a retry button when one is given. */
export function ErrorMessage({ error, retry, title }: { error: unknown; retry?: () => void; title?: string }) {
  return (
    <div role="alert" className="error-box">
      {title && <strong>{title} </strong>}
      {errorMessage(error)}
      {retry && (
        <button type="button" className="secondary small" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

/** Render a query's states: loading, error (with retry), or the data. */
export function QueryState<T>({
  query,
  children,
  label,
}: {
  query: { data: T | undefined; error: unknown; isPending: boolean; refetch: () => unknown };
  children: (data: T) => ReactNode;
  label?: string;
}) {
  if (query.isPending) return <Loading label={label} />;
  if (query.error) return <ErrorMessage error={query.error} retry={() => void query.refetch()} />;
  return <>{children(query.data as T)}</>;
}

export function Notice({ children }: { children: ReactNode }) {
  return <p className="notice">{children}</p>;
}
