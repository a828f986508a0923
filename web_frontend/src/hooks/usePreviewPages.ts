import { useInfiniteQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { previewPagesQuery, unplacedPagesQuery } from "../api/staff";
import { moreOf } from "../components/Admin/LoadMore";
import type { LoadedPreview } from "../components/Admin/PreviewView";

/** A cohort's preview as loaded so far: the run and summary of the first page, the groups
 * and the unplaced of every page loaded, and how to load more of each. */
export function usePreviewPages(cohortId: number) {
  const groups = useInfiniteQuery(previewPagesQuery(cohortId));
  const unplaced = useInfiniteQuery(unplacedPagesQuery(cohortId));
  const preview = useMemo((): LoadedPreview | undefined => {
    const first = groups.data?.pages[0];
    if (!first) return undefined;
    return {
      cohort_id: first.cohort_id,
      run: first.run,
      summary: first.summary,
      groups: groups.data?.pages.flatMap((page) => page.groups) ?? [],
      unplaced: unplaced.data?.pages.flatMap((page) => page.unplaced) ?? [],
    };
  }, [groups.data, unplaced.data]);
  return { query: groups, preview, more: { groups: moreOf(groups), unplaced: moreOf(unplaced) } };
}
