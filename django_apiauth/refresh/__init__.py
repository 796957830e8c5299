"""Refresh-token families: issue at login, rotate with reuse detection, revoke - one transaction each.

* ``service.issue_family`` / ``service.rotate``: the two ways a token pair is made.
* ``revocation``: logout, logout everywhere, per-session revocation and the cache-backed revocation list
  that lets ``JWTAuthentication`` refuse access tokens of revoked sessions.
* ``cookies``: the optional HttpOnly-cookie transport and its CSRF defence.
"""
