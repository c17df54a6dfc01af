"""`tsr info`, `tsr query`, `tsr load`, `tsr dump`, `tsr materialise`: the store as a user
sees it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from pyoxigraph import NamedNode, QueryBoolean

from api.named_queries import TUNED_SUFFIX, NamedQuery, ParameterValueError, parse_named_query
from api.sparql.cap import Cap
from api.sparql.jobs import write_answer
from api.sparql.negotiation import GRAPH_TYPES, RESULT_TYPES, NotAcceptable, choose, table_for
from store.entailment import TypeRules, materialise
from store.model import model_triples
from store.namespaces import DataIris
from store.rdf_files import BadInputError, RdfFormatName, load_files, loaded_graphs
from store.report import describe_store, render_description
from store.results import write_table
from store.sparql_nesting import NestingError, check_nesting

from .errors import one_line_errors
from .options import settings_for, store_for, store_options

# `table` for people, then the names `format=` takes on /sparql
FORMAT_NAMES = ["table", *dict.fromkeys(media.name for media in (*RESULT_TYPES, *GRAPH_TYPES))]


@click.command()
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print the description as JSON.")
@one_line_errors
def info(store_location: str | None, config_file: str | None, as_json: bool) -> None:
    """Show the backend, its location, graphs with triple counts and the settings in effect."""
    settings, store = store_for(store_location, config_file, existing=True, reads_only=True)
    with store:
        description = describe_store(store, settings)
    click.echo(json.dumps(description, indent=2) if as_json else render_description(description))


@click.command()
@click.argument("text", metavar="TEXT|@FILE.rq")
@store_options
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES),
              help="Output format, as /sparql's format= (default: table for SELECT/ASK, "
                   "turtle for graphs).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A value for a parameter the query's `#+ param:` header declares, bound "
                   "as /api/queries/NAME binds it (repeatable; the others take their default).")
@one_line_errors
def query(text: str, store_location: str | None, config_file: str | None, fmt: str | None,
          params: tuple[str, ...]) -> None:
    """Run a SPARQL query; the default graph is the union of all graphs, unless the query
    names its dataset with FROM / FROM NAMED."""
    sparql = read_query_text(text)
    settings = settings_for(store_location, config_file)
    try:  # before the engine's parser, which a few thousand levels would crash
        check_nesting(sparql, settings.max_query_nesting)
    except NestingError as error:
        raise BadInputError(str(error)) from None
    named = parse_named_query(Path(text[1:]).stem if text.startswith("@") else "query", sparql,
                              source=text[1:] if text.startswith("@") else "the query")
    try:
        bindings = named.bindings(_param_values(named, params), settings.base_iri)
    except ParameterValueError as error:
        raise BadInputError(str(error)) from None
    try:
        media = None if fmt in (None, "table") and not named.returns_graph else choose(
            table_for(named.form), None, fmt or GRAPH_TYPES[0].name)
    except NotAcceptable as error:
        raise BadInputError(str(error)) from None
    # here, not at the top: it imports FastAPI, half the start-up time of every other command
    from api.sparql.dataset import request_dataset

    _, store = store_for(store_location, config_file, existing=True, reads_only=True)
    with store:
        # the owner of the store sees every graph; FROM / FROM NAMED choose among them
        dataset = request_dataset(named.facts, [], [], store.graph_names()
                                  if named.facts.names_dataset else [], whole_store=True)
        result = store.query(sparql, bindings, default_graph=dataset.default_graph,
                             named_graphs=dataset.named_graphs)
        output = sys.stdout.buffer
        # the same row cap as the API, and the same bytes as /sparql for every format
        if media is not None:
            cut = write_answer(result, media, output, settings.result_limit).truncated
        elif isinstance(result, QueryBoolean):
            output.write(b"true\n" if result else b"false\n")
            cut = False
        else:
            cut = write_table(result, output, settings.result_limit)
        sys.stdout.flush()
    if cut:
        click.echo(f"tsr: {Cap(settings.result_limit).note} (setting result_limit)", err=True)


def _param_values(query: NamedQuery, given: tuple[str, ...]) -> dict[str, str | None]:
    """`--param name=value` options by name; each name must be one the header declares."""
    declared = {param.name for param in query.params}
    values: dict[str, str | None] = {}
    for option in given:
        name, equals, value = option.partition("=")
        if not equals:
            raise BadInputError(f"--param {option!r}: write --param NAME=VALUE")
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise BadInputError(f"--param {name}: the query declares no such parameter "
                                f"(its `#+ param:` header declares: {known})")
        values[name] = value
    return values


def read_query_text(text: str) -> str:
    """The query given, or the file named `@FILE.rq`; a shipped query's tuned twin
    (`FILE.tuned.rq` beside it) runs in its place, as /api/queries runs it."""
    if not text.startswith("@"):
        return text
    path = Path(text[1:])
    twin = path.with_name(path.name.removesuffix(".rq") + TUNED_SUFFIX)
    if path.suffix == ".rq" and not path.name.endswith(TUNED_SUFFIX) and twin.is_file():
        path = twin
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise BadInputError(f"{path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise BadInputError(f"{path}: not UTF-8 text") from None


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@store_options
@click.option("--graph", metavar="IRI", help="Named graph for triple files (default: the file's URI).")
@one_line_errors
def load(files: tuple[Path, ...], store_location: str | None, config_file: str | None,
         graph: str | None) -> None:
    """Load RDF files (Turtle, N-Triples, N-Quads, TriG, RDF/XML, JSON-LD) as they are, plus
    the classes their entities have up the model's hierarchy."""
    target = _graph_iri(graph)
    settings, store = store_for(store_location, config_file)
    with store:
        counts = load_files(store, list(files), target)
        materialise(store, TypeRules.of(model_triples()), DataIris(settings.base_iri).model_graph,
                    loaded_graphs(list(files), target))
    for path, count in counts.items():
        click.echo(f"{path}: {count} statements loaded", err=True)


@click.command("materialise")
@store_options
@one_line_errors
def materialise_types(store_location: str | None, config_file: str | None) -> None:
    """Write the classes every entity lacks up the model's hierarchy (rdf:type for each
    superclass, and the class its actor type implies), in every graph: after loading data
    by other means than tsr ingest or tsr load, e.g. a SPARQL update."""
    settings, store = store_for(store_location, config_file, existing=True)
    with store:
        before = store.count()
        materialise(store, TypeRules.of(model_triples()), DataIris(settings.base_iri).model_graph)
        added = store.count() - before
    click.echo(f"{added} type statements added", err=True)


@click.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@store_options
@click.option("--graph", metavar="IRI", help="Dump only this named graph.")
@click.option("--format", "fmt", type=click.Choice([f.value for f in RdfFormatName]),
              help="Default: nquads for the whole store, turtle for one graph.")
@one_line_errors
def dump(file: Path | None, store_location: str | None, config_file: str | None,
         graph: str | None, fmt: str | None) -> None:
    """Write the store (or one graph) to FILE, or to standard output."""
    target = _graph_iri(graph)
    name = RdfFormatName(fmt) if fmt else (RdfFormatName.turtle if target else RdfFormatName.nquads)
    _, store = store_for(store_location, config_file, existing=True, reads_only=True)
    with store:
        if file is None:
            store.dump(sys.stdout.buffer, name.rdf_format, target)
            sys.stdout.flush()
            return
        partial = file.with_name(file.name + ".part")
        # write beside the target and rename, so a failed dump never leaves half a file
        with partial.open("wb") as output:
            store.dump(output, name.rdf_format, target)
        partial.replace(file)


def _graph_iri(graph: str | None) -> NamedNode | None:
    if graph is None:
        return None
    try:
        return NamedNode(graph)
    except ValueError:
        raise BadInputError(f"--graph {graph!r} is not an absolute IRI") from None
