"""The local stack: the whole system on one machine (not shipped to AWS)."""
