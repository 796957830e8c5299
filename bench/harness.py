"""Measuring harness: many requests per batch, several batches, median and spread, printed as a table.

Every table starts with the no-auth baseline measured in the same process and the same minute, because
absolute numbers on a shared 2-core machine mean little; only the ratios do.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

factory = APIRequestFactory()


class NoAuthView(APIView):
    """The baseline: a DRF view with no authentication and no permission checks."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


def view_with(authentication_classes: list[Any], permission_classes: list[Any] | None = None) -> Callable[..., Any]:
    """The same trivial view behind the given authentication classes."""

    class Protected(NoAuthView):
        pass

    Protected.authentication_classes = authentication_classes
    Protected.permission_classes = permission_classes or [AllowAny]
    return Protected.as_view()


@dataclass
class Result:
    name: str
    median_us: float
    spread_us: float
    note: str = ""


def measure(
    name: str,
    call: Callable[[], Any],
    *,
    batch: int = 300,
    batches: int = 7,
    note: str = "",
    timer: Callable[[], float] = time.perf_counter,
) -> Result:
    """Median per-call microseconds over ``batches`` batches of ``batch`` calls (after a warm-up batch).

    ``timer=time.thread_time`` charges only the CPU time of the measuring thread: on a loaded machine a
    request waiting for a core is not charged for the wait, so ratios within one run hold far better.
    """
    for _ in range(min(batch, 50)):
        call()
    samples: list[float] = []
    gc.collect()
    for _ in range(batches):
        start = timer()
        for _ in range(batch):
            call()
        samples.append((timer() - start) / batch * 1e6)
    spread = (max(samples) - min(samples)) / 2
    return Result(name, statistics.median(samples), spread, note)


def measure_view(name: str, view: Callable[..., Any], headers: dict[str, str] | None = None, **kw: Any) -> Result:
    """Per-request cost of ``GET /bench/`` through ``view``; asserts success so a broken scheme is not timed."""
    request_headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}

    def call() -> None:
        response = view(factory.get("/bench/", **request_headers))
        response.render()
        if response.status_code != 200:
            raise RuntimeError(f"{name}: status {response.status_code}")

    return measure(name, call, **kw)


def baseline() -> Result:
    return measure_view("no auth (baseline)", NoAuthView.as_view())


def print_table(title: str, results: list[Result], base: Result) -> None:
    """Rows: median, spread, overhead over the baseline and the ratio to it."""
    print(f"\n### {title}\n")
    print("| scenario | per request (µs) | ± | overhead (µs) | x baseline | note |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for r in [base, *results]:
        overhead = r.median_us - base.median_us
        ratio = r.median_us / base.median_us if base.median_us else float("nan")
        print(f"| {r.name} | {r.median_us:.1f} | {r.spread_us:.1f} | {overhead:+.1f} | {ratio:.2f} | {r.note} |")
