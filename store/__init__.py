"""Store layer shared by ingest/, api/ and the CLI: settings, namespaces and backends.

>>> from store import open_store, get_settings
>>> with open_store(get_settings(store="memory")) as graph_store:
...     graph_store.count()
0
"""

from __future__ import annotations

from .base import (
    GraphInfo,
    QuerySyntaxError,
    Store,
    StoreBusyError,
    StoreError,
    StoreUnreachable,
    UpdateRefused,
)
from .settings import ConfigError, Settings, get_settings


def open_store(settings: Settings) -> Store:
    """Open the store the settings describe (embedded on disk, in memory, or remote)."""
    kind = settings.backend_kind
    if kind == "remote":
        from .remote import RemoteStore

        missing = [name for name in ("query_url", "update_url", "graph_store_url")
                   if not getattr(settings, name)]
        if missing:
            raise ConfigError(
                "TSR_STORE=remote needs " + ", ".join(f"TSR_{m.upper()}" for m in missing)
            )
        assert settings.query_url and settings.update_url and settings.graph_store_url
        return RemoteStore(settings.query_url, settings.update_url, settings.graph_store_url,
                           timeout=settings.remote_timeout, user_agent=settings.user_agent,
                           engine=None if settings.engine == "auto" else settings.engine)
    from .embedded import EmbeddedStore

    return EmbeddedStore(None if kind == "memory" else settings.store)


__all__ = [
    "ConfigError", "GraphInfo", "QuerySyntaxError", "Settings", "Store", "StoreBusyError",
    "StoreError", "StoreUnreachable", "UpdateRefused", "get_settings", "open_store",
]
