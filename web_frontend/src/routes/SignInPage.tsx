import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { signInMethodsQuery } from "../api/auth";
import { devLogin } from "../api/users";
import { ErrorMessage } from "../components/Feedback/Feedback";
import { useMe } from "../hooks/useMe";

/** Only same-site paths: never send someone to another origin after login. */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/group";
}

function DevLoginForm({ next }: { next: string }) {
  const [name, setName] = useState("");
  const [asAdmin, setAsAdmin] = useState(false);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const login = useMutation({
    mutationFn: () => devLogin(name, asAdmin),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["me"] });
      navigate(next);
    },
  });
  return (
    <form
      className="card"
      aria-labelledby="dev-login-title"
      onSubmit={(e) => {
        e.preventDefault();
        login.mutate();
      }}
    >
      <h2 id="dev-login-title">Dev login (local stack only)</h2>
      <p className="hint">Sign in by name without Discord. The same name signs in as the same person.</p>
      <div className="field">
        <label htmlFor="dev-name">Name</label>
        <input id="dev-name" required value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={asAdmin} onChange={(e) => setAsAdmin(e.target.checked)} />
        Sign in as an admin
      </label>
      {login.error && <ErrorMessage error={login.error} />}
      <button type="submit" disabled={login.isPending || !name.trim()}>
        {login.isPending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

/** Why signing in with Discord did not work (?error=<reason> from /auth/discord and its callback). */
const SIGN_IN_ERRORS: Record<string, string> = {
  login_unavailable: "Discord sign-in is not set up on this site.",
  access_denied: "Discord sign-in was cancelled on Discord.",
  invalid_state: "The sign-in link expired or was opened in another browser. Please try again.",
  token_exchange: "Discord didn't confirm who you are. Please try again in a moment.",
  user_fetch: "Discord didn't tell us who you are. Please try again in a moment.",
  missing_params: "Discord's answer was incomplete. Please try again.",
};

export function signInError(reason: string): string {
  return SIGN_IN_ERRORS[reason] ?? `Signing in with Discord didn't work (${reason.replace(/_/g, " ")}). Please try again.`;
}

function DiscordButton({ configured, devLogin, next }: { configured: boolean; devLogin: boolean; next: string }) {
  if (configured) {
    return (
      <a className="button discord" href={`/auth/discord?next=${encodeURIComponent(next)}`}>
        Sign in with Discord
      </a>
    );
  }
  return (
    <>
      <button type="button" className="discord" disabled aria-describedby="discord-unavailable">
        Sign in with Discord
      </button>
      <p id="discord-unavailable" className="hint">
        Discord sign-in is not set up on this site
        {devLogin ? "; use the dev login below." : "; ask the people who run it."}
      </p>
    </>
  );
}

export function SignInPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const { me } = useMe();
  const methods = useQuery(signInMethodsQuery);
  const error = params.get("error");
  if (me) return <Navigate to={next} replace />;
  return (
    <section className="narrow">
      <h1>Sign in</h1>
      {error && (
        <p role="alert" className="error-box">
          {signInError(error)}
        </p>
      )}
      <p>Roundtable uses your Discord account: your group meets on Discord.</p>
      {methods.data && (
        <DiscordButton configured={methods.data.discord} devLogin={methods.data.dev_login} next={next} />
      )}
      {methods.data?.dev_login && <DevLoginForm next={next} />}
    </section>
  );
}
