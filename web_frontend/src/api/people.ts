// The admin's People pages: search, and a person's dossier (issue 14, item 3).
import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "./http";

export const searchPeopleQuery = (query: string) =>
  queryOptions({
    queryKey: ["admin", "people", "search", query],
    queryFn: async () => unwrap(await api.GET("/api/admin/users", { params: { query: { query, limit: 50 } } })).users,
    enabled: query.trim().length > 0,
  });

export const dossierQuery = (userId: number) =>
  queryOptions({
    queryKey: ["admin", "people", userId, "dossier"],
    queryFn: async () =>
      unwrap(await api.GET("/api/admin/users/{user_id}/dossier", { params: { path: { user_id: userId } } })),
  });
