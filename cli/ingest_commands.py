"""`tsr template`, `tsr validate`, `tsr ingest`, `tsr sources`, `tsr drop-source`."""

from __future__ import annotations

import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Any

import click

from store.namespaces import DataIris
from store.rdf_files import BadInputError

from .errors import one_line_errors
from .options import store_for, store_options


class Lang(StrEnum):
    fr = "fr"
    en = "en"


_lang_option = click.option(
    "--lang", type=click.Choice([lang.value for lang in Lang]), default="fr", show_default=True,
    help="Language of sheet names, messages and reports.")
_mapping_option = click.option(
    "--mapping", type=click.Path(path_type=Path, dir_okay=False),
    help="YAML column mapping for foreign spreadsheets.")
_report_option = click.option(
    "--report", type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the violations to this .xlsx, .csv or .json file.")
_source_option = click.option(
    "--source", "source_name", metavar="NAME",
    help="Name of the source (one file): its graph and the namespace of its local keys. "
         "Default: the file's folder and name, e.g. reseau-a/projets.csv.")
_review_option = click.option(
    "--review", type=click.Path(path_type=Path, dir_okay=False),
    help="Write the same-name organisations to review (not merged) to this CSV file "
         "(ingest: FILE.review.csv next to the file by default).")
_files_argument = click.argument("files", nargs=-1, required=True,
                                 type=click.Path(path_type=Path, dir_okay=False))


def _readable(files: tuple[Path, ...]) -> list[Path]:
    """The spreadsheets, each checked to be a file before the store opens."""
    for path in files:
        if not path.is_file():
            raise BadInputError(f"{path}: " + ("not a file" if path.exists() else "no such file"))
    return list(files)


class _RowsPerSecond:
    """A one-line progress display on a terminal (rows and rows/s); silent otherwise."""

    def __init__(self) -> None:
        self.rows = 0
        self.started = time.monotonic()
        self.shown = 0.0
        self.enabled = sys.stderr.isatty()

    def __call__(self, rows: int) -> None:
        self.rows += rows
        now = time.monotonic()
        if self.enabled and now - self.shown > 0.25:
            self.shown = now
            rate = self.rows / max(now - self.started, 1e-6)
            click.echo(f"\r{self.rows:>10,} rows  {rate:>10,.0f} rows/s", err=True, nl=False)

    def close(self) -> None:
        if self.enabled and self.rows:
            click.echo("", err=True)


@click.command()
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@_lang_option
@one_line_errors
def template(out: Path, lang: str) -> None:
    """Write a blank workbook (OUT.xlsx or OUT.ods) generated from the shapes."""
    from ingest.template import write_template

    if out.suffix.lower() not in (".xlsx", ".ods"):
        raise BadInputError(f"{out}: the template is written as .xlsx or .ods")
    write_template(out, lang)
    click.echo(f"{out}: template written", err=True)


@click.command()
@_files_argument
@store_options
@_report_option
@_mapping_option
@_source_option
@_review_option
@_lang_option
@one_line_errors
def validate(files: tuple[Path, ...], store_location: str | None, config_file: str | None,
             report: Path | None, mapping: Path | None, source_name: str | None,
             review: Path | None, lang: str) -> None:
    """Check spreadsheets against the shapes (and the store); changes nothing."""
    from ingest.pipeline import IngestOptions, validate_files

    paths = _readable(files)
    settings, store = store_for(store_location, config_file, reads_only=True)
    progress = _RowsPerSecond()
    with store:
        try:
            outcomes = validate_files(store, paths, settings,
                                      IngestOptions(lang=lang, mapping=mapping, progress=progress,
                                                    source=source_name))
        finally:
            progress.close()
    violations = [v for o in outcomes for v in o.violations]
    _finish_report(violations, report, lang)
    _notices(outcomes, lang)
    _review(outcomes, review, default=False)
    for outcome in outcomes:
        if not outcome.violations:
            click.echo(f"{outcome.path}: {outcome.reading.rows} rows, valid", err=True)
    if violations:
        sys.exit(2)


def _notices(outcomes: list, lang: str) -> None:
    """What a coordinator should know without it being an error (columns left out)."""
    for outcome in outcomes:
        for notice in outcome.reading.notices:
            click.echo(notice.message(lang), err=True)


def _finish_report(violations: list, report: Path | None, lang: str) -> None:
    from ingest.report import console_lines, write_report

    for text in console_lines(violations, lang):
        click.echo(text, err=True)
    if report is not None:
        write_report(report, violations, lang)
        click.echo(f"report written to {report}", err=True)


@click.command()
@_files_argument
@store_options
@_mapping_option
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option("--partial", is_flag=True,
              help="Load the valid rows; write the rejected ones to FILE.rejected.xlsx.")
@click.option("--restricted", is_flag=True, help="Mark the sources as not public.")
@_source_option
@_report_option
@_review_option
@_lang_option
@click.option("--server", metavar="URL", envvar="TSR_SERVER_URL",
              help="Send the work through a running `tsr serve` at URL (its workspace) "
                   "instead of opening a store; needs --token.")
@click.option("--token", metavar="TOKEN", envvar="TSR_SERVER_TOKEN",
              help="An account's API token for --server (`tsr user token`).")
@one_line_errors
def ingest(files: tuple[Path, ...], store_location: str | None, config_file: str | None,
           mapping: Path | None, dry_run: bool, partial: bool, restricted: bool,
           source_name: str | None, report: Path | None, review: Path | None,
           lang: str, server: str | None, token: str | None) -> None:
    """Validate spreadsheets and load each into its own named graph, with provenance.

    Any violation: nothing is written, the report is printed, exit code 2.
    """
    from ingest.pipeline import IngestOptions, IngestRejected, ingest_files
    from ingest.report import write_rejected_rows

    paths = _readable(files)
    if server is not None:
        _ingest_through(server, token, paths, source_name, mapping, restricted, dry_run,
                        lang, {"partial": partial, "report": report, "review": review,
                               "store": store_location})
        return
    settings, store = store_for(store_location, config_file)
    progress = _RowsPerSecond()
    options = IngestOptions(lang=lang, mapping=mapping, dry_run=dry_run, partial=partial,
                            restricted=restricted, progress=progress, source=source_name)
    with store:
        try:
            outcomes = ingest_files(store, paths, settings, options)
        except IngestRejected as rejected:
            progress.close()
            _finish_report([v for o in rejected.outcomes for v in o.violations], report, lang)
            raise
        finally:
            progress.close()
    violations = [v for o in outcomes for v in o.violations]
    if violations:
        _finish_report(violations, report, lang)
    _notices(outcomes, lang)
    _review(outcomes, review, default=True)
    for outcome in outcomes:
        _say_what_it_replaces(outcome)
        if outcome.dropped:
            click.echo(f"{outcome.path}: {outcome.dropped} bad optional "
                       f"cell{'s' if outcome.dropped != 1 else ''} left empty, "
                       "rows kept (listed above)", err=True)
        if outcome.rejected:
            target = outcome.path.with_name(outcome.path.stem + ".rejected.xlsx")
            write_rejected_rows(target, outcome.path, outcome.rejected, outcome.violations, lang)
            click.echo(f"{outcome.path}: {len(outcome.rejected)} rows rejected, written to "
                       f"{target}", err=True)
        verb = "valid (dry run)" if dry_run else (
            f"{outcome.triples_added} triples loaded into {outcome.graph.value} "
            f"({outcome.triples_removed} replaced)")
        # the rows loaded: a --partial load left the rejected ones out
        rows = outcome.reading.rows - len(outcome.rejected)
        left_out = f" ({len(outcome.rejected)} rejected)" if outcome.rejected else ""
        click.echo(f"{outcome.path}: {rows} rows{left_out}, {verb}", err=True)


def _review(outcomes: list, review: Path | None, default: bool) -> None:
    """Count the same-name candidates on stderr; write them to `review` (or, by `default`,
    to FILE.review.csv beside the first file that has some)."""
    from ingest.report import write_review

    candidates = [c for o in outcomes for c in o.reading.candidates]
    if not candidates:
        return
    first = next(o for o in outcomes if o.reading.candidates)
    target = review or (first.path.with_name(first.path.stem + ".review.csv") if default
                        else None)
    if target is not None:
        write_review(target, candidates)
    where = f", written to {target}" if target is not None else " (--review FILE lists them)"
    click.echo(f"{len(candidates)} same-name organisation{'s' if len(candidates) != 1 else ''}"
               f" to review, not merged{where}", err=True)


def _say_what_it_replaces(outcome: Any) -> None:
    replaced, older = outcome.replaced, outcome.older
    if replaced is not None:
        click.echo(f"{outcome.path}: replaces source {outcome.source!r}, loaded from "
                   f"{replaced.file} (sha256 {replaced.sha256[:12]}, {replaced.loaded_at}), "
                   f"with {outcome.path.name} (sha256 {outcome.sha256[:12]})", err=True)
    if older is not None:
        click.echo(f"{outcome.path}: loaded as source {outcome.source!r}; source "
                   f"{older.name!r} (named by its file name alone) is still loaded: drop it "
                   f"(tsr drop-source {older.name}) or load with --source {older.name} to "
                   "replace it", err=True)


@click.command()
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON.")
@one_line_errors
def sources(store_location: str | None, config_file: str | None, as_json: bool) -> None:
    """List the loaded source files with their provenance."""
    from dataclasses import asdict

    from ingest.sources import list_sources

    settings, store = store_for(store_location, config_file, existing=True, reads_only=True)
    with store:
        found = list_sources(store, DataIris(settings.base_iri))
    if as_json:
        click.echo(json.dumps([asdict(s) for s in found], indent=2, ensure_ascii=False))
        return
    for source in found:
        flag = "  restricted" if source.restricted else ""
        click.echo(f"{source.name}\t{source.file}\t{source.rows} rows\t{source.triples} triples\t"
                   f"{source.loaded_at}\t{source.sha256[:12]}\t{source.graph}{flag}")


@click.command("drop-source")
@click.argument("name")
@store_options
@one_line_errors
def drop_source(name: str, store_location: str | None, config_file: str | None) -> None:
    """Remove one loaded source (by name, graph IRI or file name) and record the removal."""
    from ingest.sources import drop_named_source

    settings, store = store_for(store_location, config_file)
    with store:
        dropped = drop_named_source(store, DataIris(settings.base_iri), name)
    click.echo(f"{dropped.name}: dropped {dropped.graph}", err=True)



def _ingest_through(server: str, token: str | None, paths: list[Path], given: str | None,
                    mapping: Path | None, restricted: bool, dry_run: bool, lang: str,
                    others: dict[str, object]) -> None:
    from ingest.source_names import source_name

    from .through_server import ingest_through_server

    if not token:
        raise click.UsageError("--server needs --token (an account's API token)")
    unsupported = [f"--{name}" for name, value in others.items() if value]
    if unsupported:
        raise click.UsageError(f"{', '.join(unsupported)}: not available with --server")
    if given is not None and len(paths) > 1:
        raise click.UsageError("--source names one file's source")
    for path in paths:
        ingest_through_server(server, token, path, source_name(path, given), mapping,
                              restricted, dry_run, lang)
