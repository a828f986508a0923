import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env";

describe("parseEnv", () => {
  it("defaults to the same origin and no Discord invite", () => {
    expect(parseEnv({})).toEqual({ apiBase: "", discordInviteUrl: null });
  });

  it("drops a trailing slash from the API base", () => {
    expect(parseEnv({ VITE_API_BASE: "https://roundtable.example.org/" }).apiBase).toBe(
      "https://roundtable.example.org",
    );
  });

  it("lists every invalid variable at once", () => {
    expect(() => parseEnv({ VITE_API_BASE: "roundtable", VITE_DISCORD_INVITE_URL: "discord" })).toThrowError(
      new EnvError(
        'Invalid frontend configuration:\n- VITE_API_BASE must be empty (same origin) or an http(s) URL, got "roundtable"\n- VITE_DISCORD_INVITE_URL must be an http(s) URL, got "discord"',
      ),
    );
  });
});
