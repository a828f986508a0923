import { StrictMode, startTransition } from "react";
import { createRoot } from "react-dom/client";
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { BrowserRouter } from "react-router";
import { moduleQuery } from "./api/content";
import { recordArrival } from "./api/growth";
import { ApiError } from "./api/http";
import { App, openingPage } from "./App";
import { captureArrival } from "./lib/arrival";
import "./styles.css";

// One global handler: a request that still gets 401 after the refresh retry
// means the session is gone, so "who am I" is re-read and pages that need a
// user send the person to sign in.
function onApiError(error: unknown) {
  if (error instanceof ApiError && error.status === 401) {
    void queryClient.invalidateQueries({ queryKey: ["me"] });
  }
}

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: onApiError }),
  mutationCache: new MutationCache({ onError: onApiError }),
  defaultOptions: {
    queries: {
      // Retrying a 4xx never helps; network blips and 5xx get one more try.
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 1,
      refetchOnWindowFocus: false,
    },
  },
});

// A referral link (/r/<code>, ?ref=) or utm_* parameters: counted, and kept until signup.
captureArrival(window.location, recordArrival);

// A module opened directly (a link in an email, a reload): index.html has already asked for
// its page's code and its content (vite.config.ts), so the first render waits for them (a
// moment at most) and shows the module at once, rather than the header, then a "Loading…",
// then the module, each a render of its own.
const OPENING_WAIT_MS = 1_000;
const openedModule = /^\/course\/[^/]+\/module\/([\w-]+)\/?$/.exec(window.location.pathname)?.[1];
const opening = Promise.all([
  openingPage(window.location.pathname),
  openedModule && queryClient.prefetchQuery(moduleQuery(openedModule)),
]).catch(() => {}); // a chunk that fails to load fails again, visibly, in the page

// The first render as a transition: React then renders in slices and lets the browser in
// between (a phone would otherwise be blocked for the whole first render of a page).
function render() {
  const root = createRoot(document.getElementById("root")!);
  startTransition(() =>
    root.render(
      <StrictMode>
        <QueryClientProvider client={queryClient}>
          <BrowserRouter>
            <App />
          </BrowserRouter>
        </QueryClientProvider>
      </StrictMode>,
    ),
  );
}

if (openedModule) {
  void Promise.race([opening, new Promise((resolve) => window.setTimeout(resolve, OPENING_WAIT_MS))]).then(render);
} else {
  render();
}
