"""Benchmarks (``make bench``): per-request cost of auth schemes next to a no-auth baseline, same run."""
