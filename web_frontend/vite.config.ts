/// <reference types="vitest/config" />
import { defineConfig, type Plugin, type Rollup } from "vite";
import react from "@vitejs/plugin-react";

// The SPA is served from the same origin as /api and /auth (CloudFront in AWS,
// the devserver locally), so relative URLs and host-only cookies just work.
// `npm run dev` proxies those paths to a running local stack.
const apiTarget = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env
  .ROUNDTABLE_API ?? "http://127.0.0.1:8000";

const MODULE_PAGE = "/src/routes/ModulePage.tsx";

/**
 * A module opened directly would load one thing after another: the app's script, then (once
 * it has run) the page's chunk and the Markdown chunk, then the module's content. This puts a
 * small script in index.html, before the app's, that on a module URL only preloads the page's
 * chunks and CSS and the module's content (GET /api/modules/<slug>, which the page's own
 * request then takes from the preload), all beside the app's script; elsewhere it does nothing.
 */
function preloadModulePage(): Plugin {
  let base = "/";
  let apiBase = "";
  return {
    name: "roundtable:preload-module-page",
    apply: "build",
    configResolved(config) {
      base = config.base;
      apiBase = String(config.env.VITE_API_BASE ?? "").replace(/\/$/, "");
    },
    transformIndexHtml: {
      order: "post",
      handler(html, { bundle }) {
        const chunks = Object.values(bundle ?? {}).filter((c): c is Rollup.OutputChunk => c.type === "chunk");
        const page = chunks.find((c) => c.facadeModuleId?.endsWith(MODULE_PAGE));
        const entry = chunks.find((c) => c.isEntry);
        if (!page || !entry) throw new Error(`preload-module-page: no chunk for ${MODULE_PAGE} or no entry`);
        const byName = new Map(chunks.map((c) => [c.fileName, c]));
        const inPage = new Set([entry.fileName, ...entry.imports]);
        const scripts: string[] = [];
        const styles = new Set<string>();
        const visit = (chunk: Rollup.OutputChunk) => {
          if (inPage.has(chunk.fileName) || scripts.includes(chunk.fileName)) return;
          scripts.push(chunk.fileName);
          for (const css of chunk.viteMetadata?.importedCss ?? []) styles.add(css);
          for (const name of chunk.imports) visit(byName.get(name)!);
        };
        visit(page);
        scripts.sort((a, b) => byName.get(b)!.code.length - byName.get(a)!.code.length); // the longest download first
        // [rel, href, as, crossorigin], as the requests they stand for are made (else they are
        // not used): Vite adds the CSS with crossorigin="", the page asks for content with cookies.
        const links = [
          ...scripts.map((f) => ["modulepreload", base + f]),
          ...[...styles].map((f) => ["preload", base + f, "style", ""]),
        ];
        const script =
          `<script>(() => {` +
          `const slug = /^\\/course\\/[^/]+\\/module\\/([\\w-]+)\\/?$/.exec(location.pathname)?.[1]; if (!slug) return;` +
          // The content first: it is the smallest and the page needs it as much as its code, and
          // over HTTP/1.1 the last of these may wait for a free connection.
          `const links = [["preload", ${JSON.stringify(apiBase)} + "/api/modules/" + slug, "fetch", "use-credentials"]].concat(${JSON.stringify(links)});` +
          `for (const [rel, href, as, cors] of links) {` +
          `const l = document.createElement("link"); l.rel = rel; l.href = href; if (as) l.as = as; if (cors !== undefined) l.crossOrigin = cors;` +
          `document.head.appendChild(l); }` +
          `})();</script>\n    `;
        const at = html.indexOf("<script type=\"module\"");
        if (at < 0) throw new Error("preload-module-page: no app script in index.html");
        return html.slice(0, at) + script + html.slice(at);
      },
    },
  };
}

/**
 * The app's stylesheet goes into index.html itself (about 5 kB compressed): an SPA paints
 * nothing before its script has run, and a separate stylesheet only adds a request that
 * blocks the first paint (and takes one of HTTP/1.1's six connections) beside it.
 */
function inlineAppStylesheet(): Plugin {
  return {
    name: "roundtable:inline-app-stylesheet",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler(html, { bundle }) {
        const link = /<link rel="stylesheet" crossorigin href="[^"]*\/(assets\/[^"/]+\.css)">/.exec(html);
        const asset = link && bundle?.[link[1]!];
        if (!link || asset?.type !== "asset") throw new Error("inline-app-stylesheet: no app stylesheet in index.html");
        delete bundle![link[1]!]; // nothing else asks for it
        return html.replace(link[0], () => `<style>${String(asset.source).replace(/<\/style/gi, "<\\/style")}</style>`);
      },
    },
  };
}

export default defineConfig({
  plugins: [react(), preloadModulePage(), inlineAppStylesheet()],
  server: {
    proxy: {
      "/api": apiTarget,
      "/auth": apiTarget,
    },
  },
  // One stylesheet for every page (about 6 kB compressed, inlined above): no page waits for
  // a stylesheet of its own before it can show.
  build: { outDir: "dist", sourcemap: true, cssCodeSplit: false },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    env: { TZ: "UTC" },
    // user-event drives real key sequences; on a busy 2-core machine they can take seconds.
    testTimeout: 20_000,
  },
});
