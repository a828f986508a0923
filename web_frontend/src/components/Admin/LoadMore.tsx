/** How to load the next page of a list, when there is one. */
export type More = { hasMore: boolean; loading: boolean; onMore: () => void };

/** The `More` of an infinite query (TanStack's `useInfiniteQuery`). */
export function moreOf(query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown }): More {
  return { hasMore: query.hasNextPage, loading: query.isFetchingNextPage, onMore: () => void query.fetchNextPage() };
}

/** "Showing 500 of 12,000 signups" and a button for the next page of a paged list. */
export function LoadMore({
  shown,
  total,
  noun,
  hasMore,
  loading,
  onMore,
}: {
  shown: number;
  total?: number;
  noun: string;
  hasMore: boolean;
  loading: boolean;
  onMore: () => void;
}) {
  if (!hasMore) return null;
  const of = total === undefined ? "" : ` of ${total.toLocaleString()}`;
  return (
    <div className="row">
      <span className="muted small" role="status">
        Showing {shown.toLocaleString()}
        {of} {noun}.
      </span>
      <button type="button" onClick={onMore} disabled={loading}>
        {loading ? "Loading…" : `Load more ${noun}`}
      </button>
    </div>
  );
}
