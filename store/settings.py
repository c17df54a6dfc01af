"""The one settings table of the observatory.

Every option is a field of :class:`Settings`; its description is the documentation
(the README's configuration table is checked against it by a test). Values come, by
priority, from keyword arguments (CLI flags), ``TSR_*`` environment variables, the TOML
file named by ``TSR_CONFIG`` (or ``--config``), then the defaults.  Nothing is read at
import time: call :func:`get_settings`.

>>> Settings(store="memory").backend_kind
'memory'
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

BackendKind = Literal["memory", "disk", "remote"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TSR_", extra="forbid", frozen=True)

    store: str = Field(
        "./data/store",
        description="Where the graph lives: a directory for the embedded on-disk Oxigraph "
        "store, `memory` for a throw-away in-memory store, or `remote` for a SPARQL 1.1 "
        "store reached over HTTP (then set the three `*_url` settings).",
    )
    query_url: str | None = Field(
        None, description="Remote store: SPARQL 1.1 Query endpoint URL."
    )
    update_url: str | None = Field(
        None, description="Remote store: SPARQL 1.1 Update endpoint URL."
    )
    graph_store_url: str | None = Field(
        None, description="Remote store: SPARQL 1.1 Graph Store HTTP Protocol endpoint URL."
    )
    remote_timeout: float = Field(
        60.0, gt=0, description="Remote store: seconds to wait for an HTTP answer."
    )
    engine: Literal["auto", "generic", "oxigraph", "virtuoso"] = Field(
        "auto",
        description="Remote store: the SPARQL engine behind the endpoints, whose departures "
        "from the standards the backend allows for (store/engines.py); `auto`: told by the "
        "query endpoint's `Server` header, `generic` if unknown.",
    )
    base_iri: str = Field(
        "https://data.tsr-observatory.org/",
        description="Base of every minted data IRI (`{base}id/{type}/{key}`) and graph name.",
    )
    host: str = Field("127.0.0.1", description="Address `tsr serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `tsr serve` listens on.")
    public_url: str | None = Field(
        None,
        description="Public address of the API (for links in pages and the dataset "
        "description); default `http://{host}:{port}`.",
    )
    query_timeout: float = Field(
        30.0, gt=0, description="Seconds a SPARQL query may run before it is stopped."
    )
    query_isolation: bool = Field(
        True,
        description="On-disk stores: run the queries a client controls (/sparql, "
        "/api/queries, dumps, the curated lists and search) in worker processes that "
        "are killed at the query timeout or over the memory budget, so that no query "
        "outlives its deadline or crashes the server (see the README, store layer). The "
        "in-memory store always runs queries in the server process.",
    )
    query_workers: int = Field(
        0, ge=0, description="Query worker processes (0: two per CPU core, at most 16)."
    )
    query_memory_bytes: int = Field(
        2 * 1024**3, ge=256 * 1024**2,
        description="Address space one query worker may use (bytes); a query that needs "
        "more is stopped (503).",
    )
    query_queue: int = Field(
        64, ge=0,
        description="Queries that may wait for a query worker; beyond, 503 with Retry-After.",
    )
    client_queries: int = Field(
        0, ge=0,
        description="Queries one client (its token, else its address) may run at once; its "
        "others wait their turn after other clients' (0: one less than the workers, so "
        "that one client never holds them all).",
    )
    result_limit: int = Field(
        100_000, ge=1, description="Most rows (or triples) one query returns through the API."
    )
    incoming_limit: int = Field(
        1000, ge=1,
        description="Most resources pointing to an entity that its API document and /id/ "
        "page include (a network's thousands of memberships); the header "
        "TSR-Incoming-Limit says when some were left out.",
    )
    entity_cache_bytes: int = Field(
        64 * 1024 * 1024, ge=0,
        description="Memory for entity responses kept until the store changes (the detail "
        "routes and /id/ pages; 0: none kept). They carry ETags either way.",
    )
    label_index_bytes: int = Field(
        256 * 1024 * 1024, ge=0,
        description="Memory for the index of every label (names, titles, SKOS labels) "
        "that entity documents and lists show for the resources they name, kept until "
        "the store changes; a store whose labels need more is asked for them by a query "
        "per document (about 400 bytes a label; 33,000 labels at a million triples).",
    )
    max_body_bytes: int = Field(
        10 * 1024 * 1024, ge=1024, description="Largest request body the API accepts (bytes)."
    )
    access_log: bool = Field(
        True,
        description="`tsr serve` logs one line per request on stderr (turn off behind a "
        "proxy that keeps its own access log: it costs the server about 0.3 ms a request).",
    )
    write_token: SecretStr | None = Field(
        None,
        description="Bearer token required for SPARQL Update and the Graph Store Protocol; "
        "writes are refused when unset.",
    )
    read_token: SecretStr | None = Field(
        None, description="Bearer token that also shows restricted sources."
    )
    confidentiality_threshold: int = Field(
        3, ge=1,
        description="Statistical confidentiality: a published aggregate computed from fewer "
        "than this many actors shows as suppressed (\"secret statistique\") to readers "
        "without the read token, on pages, in the curated API, in published named queries "
        "and their CSV.",
    )
    service_allowlist: list[str] = Field(
        default_factory=lambda: ["https://query.wikidata.org/sparql"],
        description="SPARQL endpoints a query may call with SERVICE (comma-separated in "
        "the environment).",
    )
    load_allowlist: list[str] = Field(
        default_factory=list,
        description="Documents a SPARQL Update may fetch with LOAD (exact IRIs, "
        "comma-separated in the environment); empty: LOAD from the network is refused.",
    )
    max_query_nesting: int = Field(
        200, ge=1,
        description="Deepest nesting of ( ), { } and [ ] a SPARQL query or update may have; "
        "deeper text is refused before any parser reads it (thousands of levels would "
        "overflow the parser's stack).",
    )
    max_workbook_bytes: int = Field(
        256 * 1024 * 1024, ge=1024 * 1024,
        description="Largest uncompressed size of an XLSX or ODS workbook (all its parts, "
        "as its ZIP directory lists them); larger ones are refused before reading.",
    )
    max_workbook_ratio: int = Field(
        200, ge=10,
        description="Most times a workbook part of over a MiB may unpack its compressed "
        "size; more is refused as a decompression bomb.",
    )
    workspace_dir: str | None = Field(
        None,
        description="Folder of the coordinators' workspace: accounts (SQLite), uploads being "
        "checked, and the files of each source's published versions; default: beside an "
        "on-disk store (`{store}.workspace`), else `./data/workspace`.",
    )
    history_versions: int = Field(
        5, ge=1,
        description="Published files (with their PROV records) the workspace keeps per "
        "source, to restore one in one step.",
    )
    secure_cookies: bool | None = Field(
        None,
        description="Mark the workspace's session cookie Secure (sent over https "
        "only); default: when `public_url` starts with https.",
    )
    max_upload_bytes: int = Field(
        256 * 1024 * 1024, ge=1024 * 1024,
        description="Largest spreadsheet (bytes) the workspace accepts as an upload.",
    )
    cors_origins: list[str] = Field(
        default_factory=lambda: ["*"],
        description="Origins allowed to call the API from a browser (comma-separated).",
    )
    wikidata_endpoint: str = Field(
        "https://query.wikidata.org/sparql",
        description="Wikidata-compatible SPARQL endpoint used by `tsr link wikidata`.",
    )
    hal_api_url: str = Field(
        "https://api.archives-ouvertes.fr/search/",
        description="HAL search API used by `tsr link hal`.",
    )
    link_requests_per_second: float = Field(
        2.0, gt=0, description="Most requests per second a linker sends to an external service."
    )
    user_agent: str = Field(
        "tsr-observatory/0.1 (+https://github.com/tsr-observatory; linked-data observatory)",
        description="User-Agent sent to external services.",
    )

    @field_validator("service_allowlist", "load_allowlist", "cors_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, _CommaFriendlyEnv(settings_cls), _TomlFileSource(settings_cls))

    @property
    def backend_kind(self) -> BackendKind:
        if self.store == "memory":
            return "memory"
        if self.store == "remote":
            return "remote"
        return "disk"

    @property
    def cookies_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return (self.public_url or "").startswith("https://")

    @property
    def api_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


class _CommaFriendlyEnv(PydanticBaseSettingsSource):
    """`TSR_*` variables, with list settings written as comma-separated text.

    pydantic-settings would parse list values as JSON; users write `a,b` in a shell.
    """

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return os.environ.get(f"TSR_{field_name.upper()}"), field_name, False

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name in self.settings_cls.model_fields:
            value, _, _ = self.get_field_value(None, name)
            if value is not None:
                found[name] = value
        return found


class _TomlFileSource(PydanticBaseSettingsSource):
    """The optional TOML file named by `TSR_CONFIG` (keys are the setting names)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = os.environ.get("TSR_CONFIG")
        if not path:
            return {}
        try:
            with Path(path).open("rb") as handle:
                return tomllib.load(handle)
        except OSError as error:
            raise ConfigError(f"cannot read config file {path}: {error.strerror}") from error
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"config file {path} is not valid TOML: {error}") from error


class ConfigError(ValueError):
    """A setting or the config file is wrong; the message is for the user."""


def get_settings(**overrides: Any) -> Settings:
    """Read the settings now (environment, config file), with `overrides` on top.

    `None` overrides are ignored, so CLI options that were not given fall through.
    """
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ConfigError:
        raise
    except ValueError as error:
        raise ConfigError(_first_error(error)) from error


def _first_error(error: ValueError) -> str:
    errors = getattr(error, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        return f"setting {where or '?'} (TSR_{where.upper()}): {first.get('msg')}"
    return str(error)


def describe_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting, in order."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        if isinstance(default, list):
            default = ",".join(default)
        rows.append((f"TSR_{name.upper()}", "" if default is None else str(default),
                     field.description or ""))
    return rows
