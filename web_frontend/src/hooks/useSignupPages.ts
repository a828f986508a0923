import { useInfiniteQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { signupPagesQuery } from "../api/staff";

/** A cohort's signups loaded so far (pages flattened), and how to load the next page. */
export function useSignupPages(cohortId: number) {
  const query = useInfiniteQuery(signupPagesQuery(cohortId));
  const signups = useMemo(() => query.data?.pages.flatMap((page) => page.signups) ?? [], [query.data]);
  return {
    query,
    signups,
    hasMore: query.hasNextPage,
    loadingMore: query.isFetchingNextPage,
    loadMore: () => void query.fetchNextPage(),
  };
}
