"""Where a group meets: its Discord voice channel (the default), a Google Meet link on
its calendar series, or a Zoom meeting per date (docs/sync.md, "Meeting venues").

- `choice`: a group's venue (its own, else its cohort's), set per group, and the
  join link shown on the group page and in reminders.
- `zoom_api`: Zoom's REST API (Server-to-Server OAuth).
- `zoom_sync`: the hourly step that keeps each Zoom group's meetings on Zoom and
  reads the participants of its past meetings into check-ins.
"""
