"""Meetings: times in each viewer's zone, RSVPs, check-ins and attendance."""
