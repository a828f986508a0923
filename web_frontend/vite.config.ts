/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The SPA is served from the same origin as /api and /auth (CloudFront in AWS,
// the devserver locally), so relative URLs and host-only cookies just work.
// `npm run dev` proxies those paths to a running local stack.
const apiTarget = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env
  .ROUNDTABLE_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/api": apiTarget,
      "/auth": apiTarget,
    },
  },
  build: { outDir: "dist", sourcemap: true },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    env: { TZ: "UTC" },
    // user-event drives real key sequences; on a busy 2-core machine they can take seconds.
    testTimeout: 20_000,
  },
});
