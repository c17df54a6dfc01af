"""`tsr serve` and `tsr quickstart`: the API under uvicorn."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

import click

from store import Settings, Store, open_store

from .errors import one_line_errors
from .options import settings_for, store_options

EXAMPLE_WORKBOOK = "tsr-example.xlsx"
EXAMPLE_SOURCE = "tsr-example"  # its source name (graph and key namespace)


def serve_store(settings: Settings, store: Store) -> None:
    """Serve an open store until interrupted (the server becomes the store's one writer)."""
    import uvicorn

    from api.app import create_app
    from store.scheduling import serve_with_short_slices

    serve_with_short_slices()  # before the app starts its threads, which inherit it
    app = create_app(settings, store=store)
    click.echo(f"serving {store.location} at http://{settings.host}:{settings.port}/ "
               "(SPARQL endpoint: /sparql, API docs: /docs)", err=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info",
                access_log=settings.access_log, proxy_headers=True, server_header=False)


@click.command()
@store_options
@click.option("--host", help="Address to listen on (TSR_HOST).")
@click.option("--port", type=int, help="Port to listen on (TSR_PORT).")
@one_line_errors
def serve(store_location: str | None, config_file: str | None, host: str | None,
          port: int | None) -> None:
    """Serve the SPARQL endpoint and the API over HTTP."""
    settings = settings_for(store_location, config_file, host=host, port=port)
    serve_store(settings, open_store(settings))


def load_example(store: Store, settings: Settings) -> int:
    """Ingest the example workbook shipped with the package; returns the triples loaded."""
    from ingest.pipeline import IngestOptions, ingest_files

    with as_file(files("examples") / EXAMPLE_WORKBOOK) as path:
        # the name examples/tsr-example.ttl's IRIs were minted under
        outcomes = ingest_files(store, [Path(path)], settings,
                                IngestOptions(source=EXAMPLE_SOURCE))
    return sum(outcome.triples_added for outcome in outcomes)


@click.command()
@store_options
@click.option("--host", help="Address to listen on (TSR_HOST).")
@click.option("--port", type=int, help="Port to listen on (TSR_PORT).")
@click.option("--no-serve", is_flag=True, help="Load the example data, print `tsr info`, stop.")
@one_line_errors
def quickstart(store_location: str | None, config_file: str | None, host: str | None,
               port: int | None, no_serve: bool) -> None:
    """Load the example workbook through `tsr ingest` into the store, then serve it."""
    from store.report import describe_store, render_description

    settings = settings_for(store_location, config_file, host=host, port=port)
    store = open_store(settings)
    added = load_example(store, settings)
    click.echo(f"example workbook ingested: {added} triples", err=True)
    if no_serve:
        with store:
            click.echo(render_description(describe_store(store, settings)))
        return
    serve_store(settings, store)
