import { lazy, useState, type ComponentProps, type ComponentType } from "react";
import { Navigate, Route, Routes } from "react-router";
import { Layout, RequireUser } from "./components/Layout/Layout";
import { CourseOverviewPage, CourseRedirect } from "./routes/CourseOverviewPage";
import { LandingPage } from "./routes/LandingPage";
import { NotFoundPage } from "./routes/NotFoundPage";

// Only the landing and course pages are in the first download (what a visitor
// opens first; Lighthouse measures them); every other page, and the Markdown
// renderer the module and site pages need, load on demand.
// A page whose code has already arrived (see openingPage) renders at once, with no
// "Loading…" in between; until then it is React.lazy's (any props, as lazy itself takes).
const page = <K extends string, C extends ComponentType<any>>(load: () => Promise<Record<K, C>>, name: K) => {
  let loaded: C | undefined;
  const code = () => load().then((m) => (loaded = m[name]));
  const Lazy = lazy(() => code().then((component) => ({ default: component })));
  function Page(props: ComponentProps<C>) {
    // Chosen once per mount: switching from Lazy to the loaded component would remount the page.
    const [Component] = useState<ComponentType<any>>(() => loaded ?? Lazy);
    return <Component {...props} />;
  }
  return Object.assign(Page, { code });
};
const AvailabilityPage = page(() => import("./routes/AvailabilityPage"), "AvailabilityPage");
const EnrollPage = page(() => import("./routes/EnrollPage"), "EnrollPage");
const ModulePage = page(() => import("./routes/ModulePage"), "ModulePage");
const MyGroupPage = page(() => import("./routes/MyGroupPage"), "MyGroupPage");
const FeedbackPage = page(() => import("./routes/FeedbackPage"), "FeedbackPage");
const ProfilePage = page(() => import("./routes/ProfilePage"), "ProfilePage");
const SettingsPage = page(() => import("./routes/SettingsPage"), "SettingsPage");
const SignInPage = page(() => import("./routes/SignInPage"), "SignInPage");
const SitePage = page(() => import("./routes/SitePage"), "SitePage");

/**
 * The code of the page at `pathname` when it is not in the first download and is worth
 * waiting for before the first render: a module opened directly (a link in an email, a
 * reload), whose chunks index.html has already asked for (vite.config.ts).
 */
export function openingPage(pathname: string): Promise<unknown> | null {
  return /^\/course\/[^/]+\/module\//.test(pathname) ? ModulePage.code() : null;
}
const AdminCohortPage = page(() => import("./routes/admin/AdminCohortPage"), "AdminCohortPage");
const AdminCohortsPage = page(() => import("./routes/admin/AdminCohortsPage"), "AdminCohortsPage");
const AdminContentPage = page(() => import("./routes/admin/AdminContentPage"), "AdminContentPage");
const AdminGrowthPage = page(() => import("./routes/admin/AdminGrowthPage"), "AdminGrowthPage");
const AdminFacilitatorsPage = page(() => import("./routes/admin/AdminFacilitatorsPage"), "AdminFacilitatorsPage");
const AdminJobsPage = page(() => import("./routes/admin/AdminJobsPage"), "AdminJobsPage");
const AdminOutboxPage = page(() => import("./routes/admin/AdminOutboxPage"), "AdminOutboxPage");
const AdminPeoplePage = page(() => import("./routes/admin/AdminPeoplePage"), "AdminPeoplePage");
const AdminPersonPage = page(() => import("./routes/admin/AdminPersonPage"), "AdminPersonPage");
const FacilitatorGroupPage = page(() => import("./routes/facilitator/FacilitatorGroupPage"), "FacilitatorGroupPage");
const FacilitatorGroupsPage = page(() => import("./routes/facilitator/FacilitatorGroupsPage"), "FacilitatorGroupsPage");
const FacilitatorMemberPage = page(() => import("./routes/facilitator/FacilitatorMemberPage"), "FacilitatorMemberPage");

export function App() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<LandingPage />} />
        <Route path="signin" element={<SignInPage />} />
        <Route path="privacy" element={<SitePage slug="privacy" />} />
        <Route path="terms" element={<SitePage slug="terms" />} />
        {/* A referral link: main.tsx has already counted it; the visitor lands on the front page. */}
        <Route path="r/:code" element={<Navigate to="/" replace />} />
        {/* Courses are open to everyone: the API tracks anonymous progress and claims it at login. */}
        <Route path="course" element={<CourseRedirect />} />
        <Route path="course/:courseSlug" element={<CourseOverviewPage />} />
        <Route path="course/:courseSlug/module/:moduleSlug" element={<ModulePage />} />
        <Route element={<RequireUser />}>
          <Route path="profile" element={<ProfilePage />} />
          <Route path="enroll" element={<EnrollPage />} />
          <Route path="availability" element={<AvailabilityPage />} />
          <Route path="group" element={<MyGroupPage />} />
          <Route path="group/feedback/:meetingId" element={<FeedbackPage />} />
          <Route path="settings" element={<SettingsPage />} />
        </Route>
        <Route element={<RequireUser staff />}>
          <Route path="facilitator" element={<FacilitatorGroupsPage />} />
          <Route path="facilitator/groups/:groupId" element={<FacilitatorGroupPage />} />
          <Route path="facilitator/groups/:groupId/members/:userId" element={<FacilitatorMemberPage />} />
        </Route>
        <Route element={<RequireUser admin />}>
          <Route path="admin" element={<AdminCohortsPage />} />
          <Route path="admin/cohorts/:cohortId" element={<AdminCohortPage />} />
          <Route path="admin/facilitators" element={<AdminFacilitatorsPage />} />
          <Route path="admin/growth" element={<AdminGrowthPage />} />
          <Route path="admin/jobs" element={<AdminJobsPage />} />
          <Route path="admin/content" element={<AdminContentPage />} />
          <Route path="admin/outbox" element={<AdminOutboxPage />} />
          <Route path="admin/people" element={<AdminPeoplePage />} />
          <Route path="admin/people/:userId" element={<AdminPersonPage />} />
        </Route>
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
