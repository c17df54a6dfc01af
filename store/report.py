"""What `tsr info` shows: the backend, where it is, its graphs and the settings in effect."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from .base import Store
from .settings import Settings


def settings_in_effect(settings: Settings) -> dict[str, Any]:
    """Every setting with its value; secrets shown as `***` (or unset)."""
    shown: dict[str, Any] = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            value = "***"
        elif isinstance(value, list):
            value = ",".join(value)
        shown[f"TSR_{name.upper()}"] = "" if value is None else value
    return shown


def describe_store(store: Store, settings: Settings) -> dict[str, Any]:
    graphs = store.graphs()
    return {
        "backend": store.kind if settings.backend_kind != "memory" else "embedded (memory)",
        "location": store.location,
        "quads": store.count(),
        "graphs": [{"name": info.name.value, "triples": info.triples} for info in graphs],
        "settings": settings_in_effect(settings),
    }


def render_description(description: dict[str, Any]) -> str:
    lines = [
        f"backend:  {description['backend']}",
        f"location: {description['location']}",
        f"quads:    {description['quads']}",
        f"graphs:   {len(description['graphs'])}",
    ]
    lines += [f"  {g['triples']:>10}  {g['name']}" for g in description["graphs"]]
    lines.append("settings:")
    width = max(len(name) for name in description["settings"])
    lines += [f"  {name.ljust(width)}  {value}" for name, value in description["settings"].items()]
    return "\n".join(lines)
