"""Cohorts: the catalogue (create, edit, enroll) and admin work (schedule, publish, sync)."""
