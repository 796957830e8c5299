"""Logging a user in: the one password check (``password``) and the one completion (``complete``).

Every password check of the app goes through :func:`~django_apiauth.login.password.authenticate_password`,
and every successful login ends in :func:`~django_apiauth.login.complete.complete_login`, so Django's auth
signals, ``last_login``, scopes and events behave the same whatever the entry point.
"""
