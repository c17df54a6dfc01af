"""`tsr serve`: the API under uvicorn."""

from __future__ import annotations

import click

from .errors import one_line_errors
from .options import settings_for, store_options


@click.command()
@store_options
@click.option("--host", help="Address to listen on (TSR_HOST).")
@click.option("--port", type=int, help="Port to listen on (TSR_PORT).")
@one_line_errors
def serve(store_location: str | None, config_file: str | None, host: str | None,
          port: int | None) -> None:
    """Serve the SPARQL endpoint and the API over HTTP."""
    import uvicorn

    from api.app import create_app

    settings = settings_for(store_location, config_file, host=host, port=port)
    app = create_app(settings)
    click.echo(f"serving {settings.store} at http://{settings.host}:{settings.port}/", err=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info",
                proxy_headers=True, server_header=False)
