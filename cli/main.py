"""Entry point of the `tsr` command."""

from __future__ import annotations

import click

from .ingest_commands import drop_source, ingest, sources, template, validate
from .link_commands import link
from .mapping_commands import mapping
from .serve import quickstart, serve
from .store_commands import dump, info, load, materialise_types, query
from .user_commands import user


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="tsr-observatory")
def cli() -> None:
    """The TSR Observatory graph: ingest, store, query and serve."""


for command in (quickstart, info, query, load, dump, materialise_types, serve):
    cli.add_command(command)
cli.add_command(link)
cli.add_command(mapping)
cli.add_command(user)
for command in (template, validate, ingest, sources, drop_source):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="tsr")
