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
  return { ...query, me, timeZone: me?.timezone ?? detectTimeZone() };
}
