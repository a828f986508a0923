// import.meta.env validated once at start-up: a misconfigured build fails
// loudly with the list of what is wrong, instead of half-working.

export interface Env {
  /** Prefix for /api and /auth; empty = same origin (the deployed and local setup). */
  apiBase: string;
  /** Invite link to the course's Discord server, shown on the landing page. */
  discordInviteUrl: string | null;
}

type RawEnv = Record<string, string | boolean | undefined>;

export class EnvError extends Error {}

function optionalUrl(raw: RawEnv, key: string, problems: string[]): string | null {
  const value = raw[key];
  if (value === undefined || value === "") return null;
  if (typeof value !== "string" || !/^https?:\/\/\S+$/.test(value)) {
    problems.push(`${key} must be an http(s) URL, got ${JSON.stringify(value)}`);
    return null;
  }
  return value;
}

/** Check the raw environment and return typed settings, or throw EnvError listing every problem. */
export function parseEnv(raw: RawEnv): Env {
  const problems: string[] = [];
  const apiBase = typeof raw.VITE_API_BASE === "string" ? raw.VITE_API_BASE.replace(/\/$/, "") : "";
  if (apiBase && !/^https?:\/\/\S+$/.test(apiBase)) {
    problems.push(`VITE_API_BASE must be empty (same origin) or an http(s) URL, got "${apiBase}"`);
  }
  const discordInviteUrl = optionalUrl(raw, "VITE_DISCORD_INVITE_URL", problems);
  if (problems.length) {
    throw new EnvError(`Invalid frontend configuration:\n- ${problems.join("\n- ")}`);
  }
  return { apiBase, discordInviteUrl };
}

export const env: Env = parseEnv(import.meta.env as RawEnv);
