"""Signal receivers the app connects in ``AppConfig.ready`` (features add theirs to ``connect_all``)."""

from __future__ import annotations


def connect_all() -> None:
    """Connect receivers; ``dispatch_uid`` makes repeated calls harmless."""
    from django_apiauth.refresh import receivers as refresh_receivers

    refresh_receivers.connect()
