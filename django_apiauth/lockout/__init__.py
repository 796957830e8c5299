"""Brute-force counters: progressive waits after failed credentials, per network, account and both.

The public API (``django_apiauth.lockout.service``) is what every credential check calls: ``begin`` before
verifying a password or an MFA code, ``register_failure`` / ``check_allowed`` around cheap credentials (API
keys, refresh tokens), ``unlock`` for operators.
"""
