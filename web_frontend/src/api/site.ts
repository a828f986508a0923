import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "./http";

/** A page the organisation writes in its content repository: `privacy` or `terms`. */
export const sitePageQuery = (slug: string) =>
  queryOptions({
    queryKey: ["site", slug],
    queryFn: async () => unwrap(await api.GET("/api/site/{slug}", { params: { path: { slug } } })),
    staleTime: 10 * 60_000,
  });
