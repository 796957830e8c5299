"""The django-ninja example of ``docs/middleware.md``, executed from the document itself so it cannot drift."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import path

DOC = Path(__file__).resolve().parents[2] / "docs" / "middleware.md"


def example_source() -> str:
    text = DOC.read_text()
    block = text.split("<!-- ninja-example:start -->", 1)[1].split("<!-- ninja-example:end -->", 1)[0]
    return block.strip().removeprefix("```python").removesuffix("```")


namespace: dict[str, Any] = {}
exec(compile(example_source(), str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
urlpatterns = [path("api/", namespace["api"].urls)]
