import { useQuery } from "@tanstack/react-query";
import { meQuery } from "../api/users";
import { detectTimeZone } from "../lib/time";

/** The signed-in user (null when signed out) and the zone to show times in. */
export function useMe() {
  const query = useQuery(meQuery);
  const me = query.data ?? null;
  return { ...query, me, timeZone: me?.timezone ?? detectTimeZone() };
}
