"""`tsr mapping init|preview|list`: write, try and find mappings for foreign spreadsheets."""

from __future__ import annotations

from pathlib import Path

import click

from .errors import one_line_errors

_lang_option = click.option("--lang", type=click.Choice(["fr", "en"]), default="fr",
                            show_default=True, help="Language of sheet and column names.")


@click.group()
def mapping() -> None:
    """Mappings for spreadsheets exported by other systems (docs/mapping.md)."""


@mapping.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the mapping to this file instead of standard output.")
@_lang_option
@one_line_errors
def init(file: Path, output: Path | None, lang: str) -> None:
    """Write a starter mapping from FILE's headers, matched to the template's columns."""
    from ingest.mapping_spec.starter import starter_mapping
    from store.rdf_files import BadInputError

    text = starter_mapping(file, lang)
    if output is None:
        click.echo(text, nl=False)
        return
    if output.exists():
        raise BadInputError(f"{output}: already exists; choose another name")
    output.write_text(text, encoding="utf-8")
    click.echo(f"{output}: starter mapping written", err=True)


@mapping.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--mapping", "mapping_file", required=True, help="Mapping file (or the name of a "
              "bundled mapping, see `tsr mapping list`).")
@click.option("--rows", type=click.IntRange(min=1), default=5, show_default=True,
              help="Rows of each sheet to show.")
@click.option("--source", help="Source name the IRIs of local keys are minted in, as "
              "`tsr ingest --source` (default: the file's folder and name).")
@_lang_option
@one_line_errors
def preview(file: Path, mapping_file: str, rows: int, source: str | None, lang: str) -> None:
    """Show the first rows of FILE as the entities the mapping makes, and the columns that
    feed nothing. Nothing is checked against the shapes here: `tsr validate` does that."""
    from ingest.mapping_spec.starter import preview as make_preview
    from store import get_settings

    shown = make_preview(file, mapping_file, rows, lang, get_settings().base_iri, source)
    click.echo(shown.text(lang), nl=False)


@mapping.command("list")
def list_mappings() -> None:
    """The mappings shipped with tsr (usable as `--mapping NAME`)."""
    from ingest.mapping_spec import bundled_mappings

    for name in bundled_mappings():
        click.echo(name)
