"""JWT access tokens (RFC 9068). The only package that imports PyJWT (in ``algorithms``).

Public API: ``django_apiauth.jwt.access.issue_access_token`` and ``verify_access_token``.
"""
