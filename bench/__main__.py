"""``python -m bench [NAME ...]``: run every ``bench/bench_*.py`` module (or the named ones) in one process."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    import bench

    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    wanted = [n for n in names if not argv or n.removeprefix("bench_") in argv or n in argv]
    print(f"# django-apiauth benchmarks (python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    for name in wanted:
        _fresh_state()
        importlib.import_module(f"bench.{name}").run()


def _fresh_state() -> None:
    """Each module starts as it would alone: the refusals one module measures (wrong secrets, key floods)
    would otherwise still count against the bench's one network in the next, whose logins and refreshes
    would then meet the lockout's 429 instead of what they measure."""
    from django.core.cache import caches

    from django_apiauth.testing import clear_caches

    for cache in caches.all(initialized_only=True):
        cache.clear()
    clear_caches()


if __name__ == "__main__":
    main(sys.argv[1:])
