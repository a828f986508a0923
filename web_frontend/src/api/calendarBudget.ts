// Google Calendar's invitation budget per organiser user before publishing a cohort (issue 22).
import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "./http";

/** What publishing the cohort's Google series would send from each organiser user. */
export const invitationBudgetQuery = (cohortId: number) =>
  queryOptions({
    queryKey: ["admin", "cohorts", cohortId, "calendar-budget"],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/admin/cohorts/{cohort_id}/calendar-budget", {
          params: { path: { cohort_id: cohortId } },
        }),
      ),
  });
