// The one way the SPA sends requests to the tutor_chat function: its generated
// client (src/client/tutor.d.ts) and the streaming and transcription calls in
// chat.ts all go through tutorFetch.
import createClient from "openapi-fetch";
import type { paths } from "../client/tutor";
import { env } from "../config/env";
import { fetchWithRefresh } from "./http";

/** Lowercase hex SHA-256 of some bytes (WebCrypto). */
export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new Uint8Array(bytes));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

const SIGNED_METHODS = new Set(["POST", "PUT", "PATCH"]);

/**
 * Add `x-amz-content-sha256` (the hex SHA-256 of the exact body) to a request
 * that has a body. In AWS the tutor is a Lambda Function URL behind
 * CloudFront with Origin Access Control: CloudFront signs the request for
 * Lambda but does not hash the body, so the browser must send its hash or
 * the URL refuses the request. WebCrypto exists only in secure contexts
 * (HTTPS, localhost); a local stack opened over plain HTTP from another
 * machine has no OAC in front, so the header is left out there.
 */
export async function withContentHash(request: Request): Promise<Request> {
  if (!SIGNED_METHODS.has(request.method) || !globalThis.crypto?.subtle) return request;
  const bytes = await request.clone().arrayBuffer();
  const headers = new Headers(request.headers);
  headers.set("x-amz-content-sha256", await sha256Hex(bytes));
  return new Request(request, { headers, body: bytes });
}

/** fetch for the tutor: the body's hash, then the session rules of fetchWithRefresh. */
export async function tutorFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = new Request(input, { credentials: "include", ...init });
  return fetchWithRefresh(await withContentHash(request));
}

export const tutorApi = createClient<paths>({
  baseUrl: env.apiBase || globalThis.location?.origin,
  fetch: (request: Request) => tutorFetch(request),
});
