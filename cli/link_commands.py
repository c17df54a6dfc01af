"""`tsr link wikidata|ror|hal`: join the observatory to open research graphs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ingest.link import link_hal, link_ror, link_wikidata
from ingest.link.records import distinct_subjects
from ingest.link.review import ReviewItem, write_review
from store import Settings
from store.namespaces import DataIris

from .errors import one_line_errors
from .options import store_for, store_options

_report = click.option(
    "--report", type=click.Path(dir_okay=False, path_type=Path),
    help="Write the candidates left for review (ambiguous, below threshold) to this CSV.",
)
_timeout = click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0,
                        show_default=True, help="Seconds to wait for one answer.")
_attempts = click.option("--attempts", type=click.IntRange(min=1, max=10), default=5,
                         show_default=True, help="Tries per request (429, 5xx, timeouts).")


@click.group()
def link() -> None:
    """Link actors and outputs to Wikidata, ROR and HAL (one links graph each)."""


def _web_service_command(command: Callable[..., None]) -> click.Command:
    """A linker that calls a web service: store options, report, timeout and attempts."""
    for option in (one_line_errors, _attempts, _timeout, _report, store_options):
        command = option(command)
    return link.command()(command)


def _polite(settings: Settings, timeout: float, attempts: int) -> dict[str, Any]:
    return {"user_agent": settings.user_agent, "timeout": timeout, "attempts": attempts,
            "requests_per_second": settings.link_requests_per_second}


@_web_service_command
def wikidata(store_location: str | None, config_file: str | None, report: Path | None,
             timeout: float, attempts: int) -> None:
    """Match identifiers (SIREN, SIRET, RNSR, ROR, IdRef, DOI) to Wikidata items."""
    settings, store = store_for(store_location, config_file)
    with store:
        result = link_wikidata(store, DataIris(settings.base_iri),
                               endpoint=settings.wikidata_endpoint,
                               **_polite(settings, timeout, attempts))
    _summary("wikidata", len(distinct_subjects(result.run.links)), result.review, report,
             f"{_count(result.requests, 'request')}, {_count(result.retries, 'retry', 'retries')}")


@link.command()
@click.option("--dump", "dump_file", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="ROR data dump (schema v2): the zip as distributed, or its JSON file.")
@store_options
@_report
@one_line_errors
def ror(dump_file: Path, store_location: str | None, config_file: str | None,
        report: Path | None) -> None:
    """Match organisations to ROR records by ROR id, Wikidata/ISNI id, then name + country."""
    settings, store = store_for(store_location, config_file)
    with store:
        result = link_ror(store, DataIris(settings.base_iri), dump_file)
    _summary("ror", len(distinct_subjects(result.run.links)), result.review, report,
             f"{result.records_read} records read")


@_web_service_command
def hal(store_location: str | None, config_file: str | None, report: Path | None,
        timeout: float, attempts: int) -> None:
    """Add the publications of actors linked to HAL structures as outputs."""
    settings, store = store_for(store_location, config_file)
    with store:
        result = link_hal(store, DataIris(settings.base_iri), api_url=settings.hal_api_url,
                          **_polite(settings, timeout, attempts))
    _summary("hal", result.documents, result.review, report,
             f"{_count(result.new_outputs, 'new output')}, {_count(result.requests, 'request')}")


def _summary(service: str, linked: int, review: list[ReviewItem], report: Path | None,
             detail: str) -> None:
    if report is not None:
        write_review(report, review)
    where = f" (see {report})" if report is not None else " (use --report FILE to list them)"
    click.echo(f"{service}: {linked} linked, {len(review)} left for review"
               f"{where if review else ''}; {detail}", err=True)


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else (many or one + 's')}"
