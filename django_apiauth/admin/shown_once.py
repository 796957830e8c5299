"""A show-once secret as a template sees it: it renders as itself, and its ``repr()`` names no secret.

A template that looks up a variable the context lacks (the admin's base templates look up several optional
ones on every page) makes Django log, on ``django.template`` at DEBUG, a ``VariableDoesNotExist`` whose
message is the ``repr()`` of the whole context; Django's DEBUG error page and error reports show ``repr()``
of each frame's variables too. A plain ``str`` in the context would put the secret in all of them.
"""

from __future__ import annotations


class ShownOnce(str):
    """The secret's text (so rendering, copying and comparing it are unchanged) with a ``repr()`` that hides it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<secret shown once>'"
