"""The web edge shared by the FastAPI functions (http_api, tutor_chat).

Error shape and HTTP statuses, cookies, who is asking (learner, client
address), the clock dependency and the NUL guard. Only functions that serve
FastAPI import this package (it needs fastapi, which the common layer does
not ship): never the domain, the Discord function, the worker or the sweeps.
Modules are imported by name; this file stays import-free.
"""
