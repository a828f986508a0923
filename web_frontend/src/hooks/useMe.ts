import { queryOptions, useQuery } from "@tanstack/react-query";
import { mayBeSignedIn } from "../api/http";
import { fetchMe, meQuery } from "../api/users";
import { detectTimeZone } from "../lib/time";

/**
 * Who is signed in. Without the session hint nobody is, and asking would only
 * log a 401 on every signed-out page; a login sets the hint and refetches ["me"].
 */
export const signedInQuery = queryOptions({
  ...meQuery,
  queryFn: () => (mayBeSignedIn() ? fetchMe() : Promise.resolve(null)),
});

/** The signed-in user (null when signed out) and the zone to show times in. */
export function useMe() {
  const query = useQuery(signedInQuery);
  const me = query.data ?? null;
  // Asked only when read: the browser's zone costs a first Intl set-up (~100 ms at Lighthouse's phone CPU) that
  // pages showing no times (the layout, a module) need not pay before their first paint.
  return Object.defineProperty({ ...query, me }, "timeZone", {
    get: () => me?.timezone ?? detectTimeZone(),
    enumerable: true,
  }) as typeof query & { me: typeof me; timeZone: string };
}
