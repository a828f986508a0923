import { lazy, type ComponentType } from "react";
import { Route, Routes } from "react-router";
import { Layout, RequireUser } from "./components/Layout/Layout";
import { AvailabilityPage } from "./routes/AvailabilityPage";
import { CourseOverviewPage, CourseRedirect } from "./routes/CourseOverviewPage";
import { EnrollPage } from "./routes/EnrollPage";
import { LandingPage } from "./routes/LandingPage";
import { ModulePage } from "./routes/ModulePage";
import { MyGroupPage } from "./routes/MyGroupPage";
import { NotFoundPage } from "./routes/NotFoundPage";
import { ProfilePage } from "./routes/ProfilePage";
import { SettingsPage } from "./routes/SettingsPage";
import { SignInPage } from "./routes/SignInPage";
import { SitePage } from "./routes/SitePage";

// Staff pages load on demand, so learners download less.
const page = <K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) =>
  lazy(() => load().then((m) => ({ default: m[name] })));
const AdminCohortPage = page(() => import("./routes/admin/AdminCohortPage"), "AdminCohortPage");
const AdminCohortsPage = page(() => import("./routes/admin/AdminCohortsPage"), "AdminCohortsPage");
const AdminContentPage = page(() => import("./routes/admin/AdminContentPage"), "AdminContentPage");
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
        {/* Courses are open to everyone: the API tracks anonymous progress and claims it at login. */}
        <Route path="course" element={<CourseRedirect />} />
        <Route path="course/:courseSlug" element={<CourseOverviewPage />} />
        <Route path="course/:courseSlug/module/:moduleSlug" element={<ModulePage />} />
        <Route element={<RequireUser />}>
          <Route path="profile" element={<ProfilePage />} />
          <Route path="enroll" element={<EnrollPage />} />
          <Route path="availability" element={<AvailabilityPage />} />
          <Route path="group" element={<MyGroupPage />} />
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
