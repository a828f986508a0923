// The one place that talks HTTP to the API: session refresh on 401 (when a
// session may exist), and
// turning failures into ApiError with a message a person can act on.
import createClient from "openapi-fetch";
import type { paths } from "../client/schema";
import { env } from "../config/env";

/** A failed API call: the API's own error code and message when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

const FALLBACK_MESSAGES: Record<number, string> = {
  400: "The request was not accepted. Please check what you entered.",
  401: "Please sign in to continue.",
  403: "You don't have access to this.",
  404: "We couldn't find that. It may have been removed.",
  409: "That conflicts with a change made elsewhere. Reload and try again.",
  413: "That is too large to upload.",
  422: "Some of what you entered isn't valid.",
  429: "Too many requests. Please wait a moment and try again.",
  500: "Something went wrong on our side. Please try again in a moment.",
  502: "A service we depend on didn't answer. Please try again in a moment.",
  503: "Roundtable is temporarily unavailable. Please try again in a moment.",
  504: "The server took too long to answer. Please try again.",
};

/** A human message for a status, when the API sent none we can use. */
export function fallbackMessage(status: number): string {
  return (
    FALLBACK_MESSAGES[status] ??
    (status >= 500 ? FALLBACK_MESSAGES[500]! : `The request failed (HTTP ${status}).`)
  );
}

/** Build an ApiError from a failed response's status, headers and parsed body. */
export function apiErrorFrom(status: number, headers: Headers, body: unknown): ApiError {
  const retryHeader = headers.get("Retry-After");
  const retryAfter = retryHeader && /^\d+$/.test(retryHeader) ? Number(retryHeader) : undefined;
  const error = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } } | null)
    ?.error;
  const code = typeof error?.code === "string" ? error.code : `http_${status}`;
  let message =
    typeof error?.message === "string" && error.message.trim()
      ? error.message
      : fallbackMessage(status);
  if (status === 429 && retryAfter) {
    message = `${message} (You can try again in ${retryAfter} s.)`;
  }
  const field = typeof error?.field === "string" ? error.field : undefined;
  return new ApiError(status, code, message, field, retryAfter);
}

/** Read {"error": {"code", "message", "field"?}} from a failed response. */
export async function toApiError(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.clone().json();
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): use the fallback message.
  }
  return apiErrorFrom(response.status, response.headers, body);
}

/** The data of a generated-client call, or its failure as ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (!result.response.ok) {
    throw apiErrorFrom(result.response.status, result.response.headers, result.error ?? null);
  }
  return result.data as T;
}

export const NETWORK_ERROR_MESSAGE =
  "Can't reach Roundtable. Check your internet connection and try again.";

let refreshing: Promise<boolean> | null = null;

/** POST /auth/refresh once, shared by every request that got a 401 meanwhile. */
function refreshSession(baseFetch: typeof fetch, relativeTo: string): Promise<boolean> {
  refreshing ??= baseFetch(new URL(`${env.apiBase}/auth/refresh`, relativeTo), {
    method: "POST",
    credentials: "include",
  })
    .then((r) => r.ok)
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

const NO_RETRY_PATHS = ["/auth/refresh", "/auth/logout", "/auth/dev-login"];

/** Set with the session cookies and cleared with them (roundtable_edge/web/cookies.py). */
export const SIGNED_IN_HINT = "signed_in";

/**
 * Whether this browser may have a session: the API's `signed_in` cookie says so.
 * Only a hint: it spares signed-out pages requests that can only fail with 401
 * (red console errors); the API alone decides who is signed in.
 */
export function mayBeSignedIn(cookies: string = globalThis.document?.cookie ?? ""): boolean {
  return cookies.split(";").some((c) => c.trim().startsWith(`${SIGNED_IN_HINT}=`));
}

/**
 * fetch with the session rules: cookies always sent; on a 401 the session is
 * refreshed once (POST /auth/refresh, deduplicated) and the request retried
 * once. A failed refresh returns the original 401 to the caller.
 */
export function makeFetchWithRefresh(baseFetch: typeof fetch = (...a) => fetch(...a)) {
  return async function fetchWithRefresh(
    input: RequestInfo | URL,
    init?: RequestInit,
  ): Promise<Response> {
    const request = new Request(input, { credentials: "include", ...init });
    const retry = request.clone();
    let response: Response;
    try {
      response = await baseFetch(request);
    } catch {
      throw new ApiError(0, "network_error", NETWORK_ERROR_MESSAGE);
    }
    const path = new URL(request.url, "http://x").pathname;
    if (response.status !== 401 || NO_RETRY_PATHS.some((p) => path.endsWith(p)) || !mayBeSignedIn()) {
      return response; // without the hint there is no session to refresh
    }
    if (!(await refreshSession(baseFetch, request.url))) return response;
    try {
      return await baseFetch(retry);
    } catch {
      throw new ApiError(0, "network_error", NETWORK_ERROR_MESSAGE);
    }
  };
}

export const fetchWithRefresh = makeFetchWithRefresh();

/** The generated, typed client (paths from src/client/schema.d.ts). */
export const api = createClient<paths>({
  baseUrl: env.apiBase || globalThis.location?.origin,
  fetch: (request: Request) => fetchWithRefresh(request),
});

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/**
 * Call an API route and return its JSON body, or throw ApiError. Used for
 * routes until they are in the generated schema; see src/api/README.md.
 */
export async function request<T>(
  method: Method,
  path: string,
  options: { body?: unknown; query?: Record<string, string | number | undefined> } = {},
): Promise<T> {
  const url = new URL(`${env.apiBase}${path}`, globalThis.location?.origin ?? "http://localhost");
  for (const [k, v] of Object.entries(options.query ?? {})) {
    if (v !== undefined) url.searchParams.set(k, String(v));
  }
  const response = await fetchWithRefresh(url, {
    method,
    headers: options.body === undefined ? undefined : { "Content-Type": "application/json" },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (!response.ok) throw await toApiError(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The message to show for any error thrown by an API call. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return NETWORK_ERROR_MESSAGE;
  return "Something unexpected went wrong. Please reload the page.";
}
