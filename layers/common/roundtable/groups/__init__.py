"""Groups: membership changes, the admin's editing, learners' views, facilitation, weekly times."""
