"""People: profiles and zones, weekly availability, facilitators."""
