import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Suspense, useEffect, useRef, useState } from "react";
import { Link, NavLink, Navigate, Outlet, useLocation, useNavigate } from "react-router";
import { logout } from "../../api/users";
import { useMe } from "../../hooks/useMe";
import { PersonSwitcher } from "../Dev/PersonSwitcher";
import { ErrorMessage, Loading } from "../Feedback/Feedback";

function NavLinks({ onNavigate }: { onNavigate: () => void }) {
  const { me } = useMe();
  const links: [string, string][] = [];
  if (!me) links.push(["/course", "Course"]);
  if (me) {
    links.push(["/group", "My group"], ["/course", "Course"], ["/enroll", "Enroll"], ["/settings", "Settings"]);
    if (me.facilitator || me.is_admin) links.push(["/facilitator", "Facilitate"]);
    if (me.is_admin) links.push(["/admin", "Admin"]);
  }
  return (
    <ul>
      {links.map(([to, label]) => (
        <li key={to}>
          <NavLink to={to} onClick={onNavigate}>
            {label}
          </NavLink>
        </li>
      ))}
    </ul>
  );
}

/** The brand mark: a round table with seats around it. */
function BrandMark() {
  return (
    <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <circle cx="16" cy="16" r="7" fill="currentColor" />
      {[0, 60, 120, 180, 240, 300].map((angle) => (
        <circle key={angle} cx="16" cy="3.5" r="3" fill="currentColor" opacity="0.55" transform={`rotate(${angle} 16 16)`} />
      ))}
    </svg>
  );
}

function Footer() {
  return (
    <footer className="site-footer">
      <div className="site-footer-inner">
        <p className="small">Learn together, one small group at a time.</p>
        <nav aria-label="Site">
          <ul>
            <li>
              <Link to="/privacy">Privacy policy</Link>
            </li>
            <li>
              <Link to="/terms">Terms of use</Link>
            </li>
          </ul>
        </nav>
      </div>
    </footer>
  );
}

export function Layout() {
  const { me } = useMe();
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const mainRef = useRef<HTMLElement>(null);
  const signOut = useMutation({
    mutationFn: logout,
    onSettled: () => {
      queryClient.clear();
      navigate("/");
    },
  });

  // Move focus to the page on navigation, so screen readers announce it.
  useEffect(() => {
    mainRef.current?.focus({ preventScroll: true });
    setMenuOpen(false);
  }, [location.pathname]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <NavLink to="/" className="brand">
          <BrandMark />
          Roundtable
        </NavLink>
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="site-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <nav id="site-nav" aria-label="Main" className={menuOpen ? "open" : ""}>
          <NavLinks onNavigate={() => setMenuOpen(false)} />
          {me ? (
            <button type="button" className="secondary small" onClick={() => signOut.mutate()}>
              Sign out {me.display_name}
            </button>
          ) : (
            <NavLink to="/signin" className="button small">
              Sign in
            </NavLink>
          )}
        </nav>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
      <PersonSwitcher />
      <Footer />
    </>
  );
}

/** Pages for signed-in people: sends others to sign in, and new people to their profile first. */
export function RequireUser({ admin = false, staff = false }: { admin?: boolean; staff?: boolean }) {
  const { me, isPending, error, refetch } = useMe();
  const location = useLocation();
  if (isPending) return <Loading />;
  if (error) return <ErrorMessage error={error} retry={() => void refetch()} />;
  if (!me) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/signin?next=${next}`} replace />;
  }
  if (!me.tos_accepted_at && location.pathname !== "/profile") {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/profile?next=${next}`} replace />;
  }
  if (admin && !me.is_admin) {
    return <p role="alert" className="error-box">This page is for admins.</p>;
  }
  if (staff && !me.is_admin && !me.facilitator) {
    return <p role="alert" className="error-box">This page is for facilitators.</p>;
  }
  return <Outlet />;
}
