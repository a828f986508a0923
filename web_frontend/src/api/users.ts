import { queryOptions } from "@tanstack/react-query";
import { ApiError, request } from "./http";
import type { AvailabilityBlock } from "../lib/availability";
import { formatMinute } from "../lib/time";
import type { AvailabilityPublic, Profile, ProfileChanges, WireInterval } from "./types";

/** The signed-in user, or null when nobody is signed in. */
export async function fetchMe(): Promise<Profile | null> {
  try {
    return await request<Profile>("GET", "/api/users/me");
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export const meQuery = queryOptions({ queryKey: ["me"], queryFn: fetchMe, staleTime: 30_000 });

export const updateMe = (changes: ProfileChanges) =>
  request<Profile>("PATCH", "/api/users/me", { body: changes });

export const devLoginAvailable = async (): Promise<boolean> => {
  try {
    const r = await request<{ enabled?: boolean }>("GET", "/auth/dev-login");
    return r?.enabled !== false;
  } catch {
    return false;
  }
};

export const devLogin = (display_name: string, as_admin: boolean) =>
  request<unknown>("POST", "/auth/dev-login", { body: { display_name, as_admin } });

export const logout = () => request<unknown>("POST", "/auth/logout");

const toMinute = (hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

export function fromWire(intervals: WireInterval[]): AvailabilityBlock[] {
  return intervals.map((i) => ({
    weekday: i.weekday,
    start_minute: toMinute(i.start),
    end_minute: toMinute(i.end),
    kind: i.kind,
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
  queryFn: () => request<AvailabilityPublic>("GET", "/api/users/me/availability"),
});

export const saveAvailability = (timezone: string, blocks: AvailabilityBlock[]) =>
  request<AvailabilityPublic>("PUT", "/api/users/me/availability", {
    body: { timezone, intervals: toWire(blocks) },
  });

export const applyAsFacilitator = (note: string) =>
  request<unknown>("POST", "/api/users/me/facilitator-application", { body: { note } });
