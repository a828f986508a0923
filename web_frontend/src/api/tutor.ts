// The tutor_chat function's own generated client (src/client/tutor.d.ts).
import createClient from "openapi-fetch";
import type { paths } from "../client/tutor";
import { env } from "../config/env";
import { fetchWithRefresh } from "./http";

export const tutorApi = createClient<paths>({
  baseUrl: env.apiBase || globalThis.location?.origin,
  fetch: (request: Request) => fetchWithRefresh(request),
});
