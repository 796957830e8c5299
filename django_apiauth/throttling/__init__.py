"""Rate limits: exact sliding windows in the shared cache, DRF throttle classes and RateLimit headers.

``limiter`` decides (one atomic operation per check), ``backends`` holds the per-cache implementations,
``service`` applies the settings and records events, ``drf`` and ``headers`` are the edges.
"""
