"""Options every command takes, and the settings/store they lead to."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click

from store import Settings, Store, get_settings, open_store


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


def store_for(store_location: str | None, config_file: str | None) -> tuple[Settings, Store]:
    settings = settings_for(store_location, config_file)
    return settings, open_store(settings)
