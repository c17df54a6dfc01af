"""Options every command takes, and the settings/store they lead to."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from store import Settings, Store, StoreBusyError, get_settings, open_store
from store.rdf_files import BadInputError
from store.served_checkpoint import open_served_checkpoint


def store_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--config", "config_file", type=click.Path(dir_okay=False),
        help="TOML settings file (same as TSR_CONFIG).",
    )(command)
    return click.option(
        "--store", "store_location", metavar="DIR|memory|remote",
        help="Store to use (same as TSR_STORE; default ./data/store).",
    )(command)


def settings_for(store_location: str | None, config_file: str | None, **overrides: Any) -> Settings:
    if config_file:
        os.environ["TSR_CONFIG"] = config_file
    return get_settings(store=store_location, **overrides)


def store_for(store_location: str | None, config_file: str | None, *,
              existing: bool = False, reads_only: bool = False) -> tuple[Settings, Store]:
    """The settings and the open store. `existing`: a command that only reads refuses a
    store directory that does not exist (opening it would create an empty store, and the
    command would report nothing as if it were the answer). `reads_only`: a command that
    writes nothing, given a store a running server holds, reads the server's latest
    checkpoint, and says so on stderr (store/served_checkpoint.py)."""
    settings = settings_for(store_location, config_file)
    if existing and settings.backend_kind == "disk" and not Path(settings.store).exists():
        raise BadInputError(f"no store at {settings.store}: check --store or TSR_STORE "
                            "(tsr ingest or tsr load creates one)")
    try:
        return settings, open_store(settings)
    except StoreBusyError as busy:
        if not reads_only or settings.backend_kind != "disk":
            raise
        served = open_served_checkpoint(settings.store, busy)
        click.echo(f"tsr: {served.age_note()}", err=True)
        return settings, served
