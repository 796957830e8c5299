"""Benchmark settings on the database of ``DATABASE_URL`` (used by ``bench_refresh`` for its PostgreSQL run)."""

from bench.settings import *  # noqa: F403
from example_project.env import database_from_env

DATABASES = {"default": database_from_env(":memory:")}
