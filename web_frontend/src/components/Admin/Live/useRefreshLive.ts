import { useQueryClient } from "@tanstack/react-query";

/** After a live change: re-read the admin's cohort data (live page, preview, signups, counts). */
export function useRefreshLive(): () => void {
  const queryClient = useQueryClient();
  return () => void queryClient.invalidateQueries({ queryKey: ["admin", "cohorts"] });
}
