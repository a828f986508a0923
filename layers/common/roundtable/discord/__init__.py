"""Discord: signed HTTP interactions, the command set, and the shared REST client.

Importing this package imports nothing else: the interactions function's
PING path must stay light (DESIGN.md, cold start). Import the modules you need.
"""
