import { NavLink } from "react-router";

export function AdminNav() {
  return (
    <nav aria-label="Admin" className="subnav">
      <NavLink to="/admin" end>
        Cohorts
      </NavLink>
      <NavLink to="/admin/people">People</NavLink>
      <NavLink to="/admin/facilitators">Facilitators</NavLink>
      <NavLink to="/admin/jobs">Jobs</NavLink>
      <NavLink to="/admin/content">Content</NavLink>
      <NavLink to="/admin/growth">Signups</NavLink>
      <NavLink to="/admin/outbox">Outbox (local)</NavLink>
    </nav>
  );
}
