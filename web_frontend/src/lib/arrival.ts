// Where a visitor arrived from: a referral link (/r/<code> or ?ref=<code> on any page)
// and utm_* parameters. Sent once per page load that carries them; the API counts the
// click and keeps the referral and UTM values in a first-party cookie until signup.
import type { ArrivalCreate } from "../client/schema";

const UTM_FIELDS = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"] as const;

/** The arrival an address carries, or null when it has no referral and no UTM parameter. */
export function arrivalFrom(pathname: string, search: string): ArrivalCreate | null {
  const params = new URLSearchParams(search);
  const arrival: ArrivalCreate = {};
  const ref = /^\/r\/([^/]+)\/?$/.exec(pathname)?.[1] ?? params.get("ref");
  if (ref) arrival.ref = safeDecode(ref);
  for (const field of UTM_FIELDS) {
    const value = params.get(field);
    if (value) arrival[field] = value;
  }
  return Object.keys(arrival).length > 0 ? arrival : null;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // malformed escapes: the API ignores a code it does not know
  }
}

/** Send the arrival of this page load, if it has one; a failure is not the visitor's problem. */
export function captureArrival(
  location: { pathname: string; search: string },
  send: (arrival: ArrivalCreate) => Promise<unknown>,
): void {
  const arrival = arrivalFrom(location.pathname, location.search);
  if (arrival) void send(arrival).catch(() => {});
}
