"""Publishing and sync: Discord channels and roles, Google Calendar series and RSVPs.

Postgres is the source of truth. Each reconcile computes the desired state
from the database (`desired`), reads the actual state from the service, and
applies only the difference, so a second run makes no mutating call.
See docs/sync.md.
"""
