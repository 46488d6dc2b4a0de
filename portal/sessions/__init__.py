"""Who a visitor is and whether they may pass: client identity, accept tokens, sessions, grants.

:class:`~portal.sessions.access.Access` is the access flow; the rest is what it stands on (the
client's IP and MAC, the signed accept token, the SQLite store and its change counter).
"""
