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
        importlib.import_module(f"bench.{name}").run()


if __name__ == "__main__":
    main(sys.argv[1:])
