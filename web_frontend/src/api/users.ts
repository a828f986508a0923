import { queryOptions } from "@tanstack/react-query";
import { ApiError, api, unwrap } from "./http";
import type { AvailabilityBlock } from "../lib/availability";
import { formatMinute } from "../lib/time";
import type { Profile, ProfileChanges, WireInterval } from "./types";

/** The signed-in user, or null when nobody is signed in. */
export async function fetchMe(): Promise<Profile | null> {
  try {
    return unwrap(await api.GET("/api/users/me"));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export const meQuery = queryOptions({ queryKey: ["me"], queryFn: fetchMe, staleTime: 30_000 });

export const updateMe = async (changes: ProfileChanges): Promise<Profile> =>
  unwrap(await api.PATCH("/api/users/me", { body: changes }));

/** Whether this stack offers the dev login (GET /auth/dev-login); false when it cannot say. */
export const devLoginAvailable = async (): Promise<boolean> => {
  try {
    return unwrap(await api.GET("/auth/dev-login")).enabled;
  } catch {
    return false;
  }
};

export const devLogin = async (display_name: string, as_admin: boolean) =>
  unwrap(await api.POST("/auth/dev-login", { body: { display_name, as_admin } }));

export const logout = async () => unwrap(await api.POST("/auth/logout"));

const toMinute = (hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

export function fromWire(intervals: WireInterval[]): AvailabilityBlock[] {
  return intervals.map((i) => ({
    weekday: i.weekday,
    start_minute: toMinute(i.start),
    end_minute: toMinute(i.end),
    kind: i.kind ?? "available",
  }));
}

export function toWire(blocks: AvailabilityBlock[]): WireInterval[] {
  return blocks.map((b) => ({
    weekday: b.weekday,
    start: formatMinute(b.start_minute),
    end: formatMinute(b.end_minute),
    kind: b.kind,
  }));
}

export const availabilityQuery = queryOptions({
  queryKey: ["me", "availability"],
  queryFn: async () => unwrap(await api.GET("/api/users/me/availability")),
});

export const saveAvailability = async (timezone: string, blocks: AvailabilityBlock[]) =>
  unwrap(await api.PUT("/api/users/me/availability", { body: { timezone, intervals: toWire(blocks) } }));

export const applyAsFacilitator = async (note: string) =>
  unwrap(await api.POST("/api/users/me/facilitator-application", { body: { note } }));
