"""Discord's side of the edge: signed interactions, the command set, the presenters.

Importing this package imports nothing else: the interactions function's PING
path must stay light (DESIGN.md, cold start). Import the modules you need.
"""
