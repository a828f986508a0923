import { Link } from "react-router";
import { env } from "../config/env";
import { useMe } from "../hooks/useMe";

export function LandingPage() {
  const { me } = useMe();
  return (
    <section className="landing">
      <h1>Learn together, one small group at a time</h1>
      <p className="lead">
        Roundtable runs cohort-based courses. Read a short module each week with an AI tutor to talk
        it through, then meet a small group of 4–8 people and a facilitator at a weekly time that
        suits everyone.
      </p>
      <ol className="steps">
        <li>
          <strong>Sign up</strong> and tell us when you are free each week, in your own time zone.
        </li>
        <li>
          <strong>Get a group</strong>: we find the weekly time that works for everyone in it.
        </li>
        <li>
          <strong>Learn and meet</strong>: modules, tutor chats, and a weekly discussion on Discord.
        </li>
      </ol>
      <div className="row">
        {me ? (
          <>
            <Link className="button" to="/group">
              Go to my group
            </Link>
            <Link className="button secondary" to="/course">
              Open the course
            </Link>
          </>
        ) : (
          <>
            <Link className="button" to="/signin?next=/enroll">
              Sign up for a cohort
            </Link>
            <Link className="button secondary" to="/course">
              Try the course
            </Link>
          </>
        )}
        {env.discordInviteUrl && (
          <a className="button secondary" href={env.discordInviteUrl}>
            Join our Discord
          </a>
        )}
      </div>
    </section>
  );
}
