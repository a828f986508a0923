import type { ReactNode } from "react";

type Head =
  /** The header cells of a plain header row, each a `<th scope="col">`. */
  | { columns: ReactNode[]; head?: never }
  /** The whole `<thead>` content, for a header that is not one plain row. */
  | { head: ReactNode; columns?: never };

/**
 * A table in a region that scrolls sideways instead of the page. The region is
 * focusable, so a keyboard can scroll it, and named by `label`.
 */
export function DataTable({
  label,
  caption,
  className,
  children,
  ...head
}: {
  label: string;
  caption?: ReactNode;
  className?: string;
  children: ReactNode;
} & Head) {
  return (
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      <table className={className}>
        {caption && <caption>{caption}</caption>}
        <thead>
          {head.columns ? (
            <tr>
              {head.columns.map((column, i) => (
                <th scope="col" key={i}>
                  {column}
                </th>
              ))}
            </tr>
          ) : (
            head.head
          )}
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
