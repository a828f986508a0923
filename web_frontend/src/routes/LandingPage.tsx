import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { courseQuery, coursesQuery } from "../api/content";
import type { CourseDocument } from "../api/types";
import { env } from "../config/env";
import { useMe } from "../hooks/useMe";

/**
 * One example group's weekly time, a Monday at 17:00 UTC, as each member's clock
 * shows it. Written out rather than computed: formatting in six time zones costs
 * a phone hundreds of milliseconds at start-up. LandingPage.test.tsx checks these
 * against Intl for EXAMPLE_MEETING.
 */
export const EXAMPLE_MEETING = "2026-03-02T17:00:00Z";
export const EXAMPLE_GROUP: [name: string, city: string, zone: string, time: string][] = [
  ["Ada", "London", "Europe/London", "Mon 17:00"],
  ["Jonas", "Berlin", "Europe/Berlin", "Mon 18:00"],
  ["Wanjiru", "Nairobi", "Africa/Nairobi", "Mon 20:00"],
  ["Priya", "Kolkata", "Asia/Kolkata", "Mon 22:30"],
  ["Lucas", "São Paulo", "America/Sao_Paulo", "Mon 14:00"],
  ["Sam", "New York", "America/New_York", "Mon 12:00"],
];

/** What a group looks like: six people on four continents, one weekly time, each in their own zone. */
function ExampleGroup() {
  return (
    <figure className="example-group card">
      <figcaption>
        <strong>An example group</strong>
        <span className="muted"> · one weekly meeting, on everyone's own clock</span>
      </figcaption>
      <ul>
        {EXAMPLE_GROUP.map(([name, city, zone, time], i) => (
          <li key={zone}>
            <span className="avatar" aria-hidden="true">
              {name[0]}
            </span>
            <span className="who">
              {name}
              {i === 0 && <span className="badge badge-accent">Facilitator</span>}
              <span className="muted small"> {city}</span>
            </span>
            <span className="when">{time}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}

function Icon({ children }: { children: ReactNode }) {
  return (
    <svg className="feature-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

const FEATURES: { title: string; icon: ReactNode; text: string }[] = [
  {
    title: "A cohort that starts together",
    icon: (
      <Icon>
        <rect x="3" y="5" width="18" height="16" rx="2" />
        <path d="M3 10h18M8 3v4M16 3v4" />
      </Icon>
    ),
    text: "Everyone in a cohort starts on the same date and follows the same weekly rhythm, so you always have people at the same point as you.",
  },
  {
    title: "A small group at a time that suits you",
    icon: (
      <Icon>
        <circle cx="12" cy="12" r="9" />
        <path d="M12 7v5l3 2" />
      </Icon>
    ),
    text: "Tell us when you are free, in your own time zone. We place you in a group of 4–8 people with a facilitator, at a weekly time every member can make, wherever they live.",
  },
  {
    title: "An AI tutor beside every module",
    icon: (
      <Icon>
        <path d="M4 5h16v11H9l-5 4z" />
        <path d="M8 9h8M8 12h5" />
      </Icon>
    ),
    text: "Read a short module each week and talk it through with a tutor that knows the text: ask questions, check your understanding, try the ideas out.",
  },
  {
    title: "Reminders, so nothing slips",
    icon: (
      <Icon>
        <path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4z" />
        <path d="M10 20a2 2 0 0 0 4 0" />
      </Icon>
    ),
    text: "A calendar invitation for your group's time, and reminders by email and Discord before each meeting and when a module is due.",
  },
];

/** The course a newcomer would take: its description and its modules, week by week. */
function CourseOutline({ course }: { course: CourseDocument }) {
  return (
    <>
      {/* Plain text, as on the course page: the Markdown renderer is not in the first download. */}
      {course.description && <p className="lead">{course.description}</p>}
      <ol className="outline">
        {course.units.map((unit, i) => (
          <li key={i} className="card">
            <h3>{unit.meeting ? `Week ${unit.meeting}` : "After the last meeting"}</h3>
            <ul>
              {unit.modules.map((m) => (
                <li key={m.slug}>
                  <Link to={`/course/${course.slug}/module/${m.slug}`}>{m.title}</Link>
                  {m.optional && <span className="badge badge-muted">Optional</span>}
                  {m.summary && <span className="muted small"> — {m.summary}</span>}
                </li>
              ))}
            </ul>
            {unit.meeting && <p className="muted small">Then your group meets to discuss it.</p>}
          </li>
        ))}
      </ol>
    </>
  );
}

/** The course section: shown when the site has exactly one course, else a link to the list. */
function TheCourse() {
  const courses = useQuery(coursesQuery);
  const only = courses.data?.length === 1 ? courses.data[0]!.slug : "";
  const course = useQuery({ ...courseQuery(only), enabled: Boolean(only) });
  if (!course.data) return null;
  return (
    <section className="landing-section" aria-labelledby="the-course">
      <p className="eyebrow">The course</p>
      <h2 id="the-course">{course.data.title}</h2>
      <CourseOutline course={course.data} />
    </section>
  );
}

function CallToAction({ signedIn }: { signedIn: boolean }) {
  return signedIn ? (
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
  );
}

export function LandingPage() {
  const { me } = useMe();
  return (
    <div className="landing">
      <section className="hero">
        <div className="hero-text">
          <p className="eyebrow">Cohort-based courses with weekly small groups</p>
          <h1>Learn together, one small group at a time</h1>
          <p className="lead">
            Read a short module each week with an AI tutor to talk it through, then meet a small group and a facilitator
            at a weekly time that suits everyone in it — wherever in the world they are.
          </p>
          <div className="cluster">
            <CallToAction signedIn={Boolean(me)} />
            {env.discordInviteUrl && (
              <a className="button secondary" href={env.discordInviteUrl}>
                Join our Discord
              </a>
            )}
          </div>
          {!me && <p className="hint">Free to try: open the course without an account; sign up to join a group.</p>}
        </div>
        <ExampleGroup />
      </section>

      <section className="landing-section" aria-labelledby="what-you-get">
        <p className="eyebrow">What you get</p>
        <h2 id="what-you-get">Everything a study group needs, arranged for you</h2>
        <ul className="feature-grid">
          {FEATURES.map((f) => (
            <li key={f.title} className="card feature">
              {f.icon}
              <h3>{f.title}</h3>
              <p>{f.text}</p>
            </li>
          ))}
        </ul>
      </section>

      <TheCourse />

      <section className="landing-section" aria-labelledby="how-it-works">
        <p className="eyebrow">How it works</p>
        <h2 id="how-it-works">Three steps to your first meeting</h2>
        <ol className="steps-grid">
          <li>
            <strong>Sign up</strong> and tell us when you are free each week, in your own time zone.
          </li>
          <li>
            <strong>Get a group</strong>: once enrollment closes we find the weekly time that works for everyone in it,
            and send you the invitation.
          </li>
          <li>
            <strong>Learn and meet</strong>: a module and a tutor chat before each meeting, then an hour with your group
            on Discord.
          </li>
        </ol>
      </section>

      {!me && (
        <section className="cta-band" aria-labelledby="join">
          <h2 id="join">Join the next cohort</h2>
          <p>It takes two minutes: your name, your time zone and the hours you are free each week.</p>
          <Link className="button" to="/signin?next=/enroll">
            Sign up now
          </Link>
        </section>
      )}
    </div>
  );
}
