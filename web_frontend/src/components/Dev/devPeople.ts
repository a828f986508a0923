// The local stack's person switcher (devserver/dev_api.py): the demo world's people,
// and signing in as one of them. These routes exist only in the devserver, so they
// are not in the API's OpenAPI document and are called with plain fetch.
import { env } from "../../config/env";
import { toApiError } from "../../api/http";

export type DemoRole = "admin" | "facilitator" | "learner";

export interface DemoPerson {
  user_id: number;
  display_name: string;
  role: DemoRole;
  timezone: string;
  group: string | null;
}

const url = (path: string) => new URL(`${env.apiBase}${path}`, globalThis.location.origin);

/** The demo's people; an empty list when the demo world is not loaded. */
export async function fetchDemoPeople(): Promise<DemoPerson[]> {
  const response = await fetch(url("/api/dev/people"), { credentials: "include" });
  if (!response.ok) throw await toApiError(response);
  return ((await response.json()) as { people: DemoPerson[] }).people;
}

/** Sign in as one of them (the devserver sets the session cookies). */
export async function signInAs(userId: number): Promise<DemoPerson> {
  const response = await fetch(url(`/api/dev/people/${userId}/sign-in`), {
    method: "POST",
    credentials: "include",
    headers: { "Content-Type": "application/json" },
    body: "{}",
  });
  if (!response.ok) throw await toApiError(response);
  return (await response.json()) as DemoPerson;
}

/** Where each kind of person starts: their own page. */
export const HOME: Record<DemoRole, string> = {
  admin: "/admin",
  facilitator: "/facilitator",
  learner: "/group",
};
