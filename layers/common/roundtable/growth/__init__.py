"""Growth: where signups come from, and who may sign up.

- arrivals: what a visitor arrives with (a referral code, UTM parameters),
  validated, and kept first-touch until they sign up.
- links: each person's own referral link and admins' named campaigns; clicks,
  counted once per visitor and day, bots and a link's own owner left out.
- gates: a cohort's signup gate (open, invite-only with a code, closed with a
  waiting list), enforced by the one signup service (cohorts.catalog.enroll).
- sources: what a signup records about where it came from (a person is brought
  by a referral once, at their first signup).
- waitlist: a closed cohort's waiting list, and admitting people from it.
- report: per cohort, signups by link, campaign and UTM source.

docs/growth.md is the organiser's guide.
"""
