"""Roundtable: the domain package shared by every function (the common layer)."""

__version__ = "0.1.0"
