"""Logging in: the one authenticate service every password check goes through (``password``)."""
