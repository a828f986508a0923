import type { ReactNode } from "react";

type Level = 2 | 3 | 4;

/**
 * A card: a paper panel with an optional heading row (title, then actions on
 * the right). Its first heading sits at the card's top edge (styles.css).
 */
export function Card({
  title,
  level = 2,
  actions,
  className,
  children,
  labelledBy,
}: {
  title?: ReactNode;
  level?: Level;
  actions?: ReactNode;
  className?: string;
  children?: ReactNode;
  labelledBy?: string;
}) {
  const Heading = `h${level}` as const;
  return (
    <section className={className ? `card ${className}` : "card"} aria-labelledby={labelledBy}>
      {(title || actions) && (
        <div className="card-header">
          {title && <Heading id={labelledBy}>{title}</Heading>}
          {actions && <div className="cluster">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}
