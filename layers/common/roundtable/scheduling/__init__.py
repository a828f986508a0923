"""Cohort scheduling: daylight-saving-correct grouping solved exactly with HiGHS.

Import submodules directly; nothing heavy is imported here (highspy only in solver).
"""
