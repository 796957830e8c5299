"""Suspicious-pattern detectors: each records a ``suspicious_activity`` event (``kind`` + evidence) and sends
the ``django_apiauth.signals.suspicious_activity`` signal. Counters live in the shared cache; the only table
is the known devices, written at most once per device per day."""
