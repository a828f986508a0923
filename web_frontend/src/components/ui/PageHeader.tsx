import type { ReactNode } from "react";

/** A page's title row: the one h1, an optional lead sentence, and actions beside it. */
export function PageHeader({ title, lead, actions }: { title: ReactNode; lead?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {lead && <p className="lead">{lead}</p>}
      </div>
      {actions && <div className="cluster">{actions}</div>}
    </header>
  );
}
