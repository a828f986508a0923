import type { ReactNode } from "react";

/** What an empty list or page says instead: what is missing, why, and what to do next. */
export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty-state">
      <p className="empty-state-title">{title}</p>
      {children && <div>{children}</div>}
      {action && <div className="cluster">{action}</div>}
    </div>
  );
}
