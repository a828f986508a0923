import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "./http";

/**
 * Which sign-in methods work on this site (GET /auth/sign-in-methods). When it
 * cannot say, Discord is offered: /auth/discord itself sends a browser back to
 * the sign-in page with the reason if it is not set up.
 */
export const signInMethodsQuery = queryOptions({
  queryKey: ["auth", "sign-in-methods"],
  queryFn: async () => {
    try {
      return unwrap(await api.GET("/auth/sign-in-methods"));
    } catch {
      return { discord: true, dev_login: false };
    }
  },
  staleTime: Infinity,
});
