import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { devLogin, devLoginAvailable } from "../api/users";
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

export function SignInPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const { me } = useMe();
  const dev = useQuery({ queryKey: ["auth", "dev-login"], queryFn: devLoginAvailable, staleTime: Infinity });
  const error = params.get("error");
  if (me) return <Navigate to={next} replace />;
  return (
    <section className="narrow">
      <h1>Sign in</h1>
      {error && (
        <p role="alert" className="error-box">
          Signing in with Discord didn't work ({error.replace(/_/g, " ")}). Please try again.
        </p>
      )}
      <p>Roundtable uses your Discord account: your group meets on Discord.</p>
      <a className="button discord" href={`/auth/discord?next=${encodeURIComponent(next)}`}>
        Sign in with Discord
      </a>
      {dev.data && <DevLoginForm next={next} />}
    </section>
  );
}
