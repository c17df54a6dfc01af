"""The plain functions behind `tsr validate` and `tsr ingest` (the API and `tsr quickstart`
call them too).

>>> from store import get_settings, open_store
>>> # with open_store(get_settings(store="memory")) as s:
>>> #     ingest_files(s, [Path("examples/tsr-example.xlsx")], get_settings(store="memory"))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from store.access import restricted_provenance_graph
from store.base import Store
from store.embedded import NTriples
from store.model import install_model, model_triples
from store.namespaces import TSR, XSD, DataIris
from store.rdf_files import BadInputError
from store.settings import Settings

from .batch_view import BatchView, StoreView
from .load import Counter, LoadRecord, now, provenance_update, sha256_of, stage, swap_in
from .mapping import Entity
from .mapping_file import SheetMapping, read_mapping
from .model_facts import model_facts
from .shapes_model import shapes_model
from .source_file import FileReading, Progress, SourceFile
from .source_names import key_namespace, source_name
from .sources import Source, list_sources
from .violations import Violation

SOURCE_SHEET = NamedNode(TSR + "sourceSheet")
SOURCE_ROW = NamedNode(TSR + "sourceRow")
_XSD_INT = NamedNode(XSD + "integer")
_SOURCE_SHEET_TEXT, _SOURCE_ROW_TEXT = str(SOURCE_SHEET), str(SOURCE_ROW)
# A --partial load drops rows whose references pointed at rejected rows; a few rounds settle it.
_PARTIAL_ROUNDS = 4


@dataclass
class IngestOptions:
    lang: str = "fr"
    mapping: Path | None = None
    dry_run: bool = False
    partial: bool = False
    restricted: bool = False
    progress: Progress | None = None
    source: str | None = None  # the source's name (one file only); else folder/file
    agent: str = ""  # the workspace account the load is attributed to (PROV)
    # called with each entity `validate_files` reads (the workspace's preview of a change)
    on_entity: Callable[[Entity], None] | None = None


@dataclass
class FileOutcome:
    path: Path
    graph: NamedNode
    reading: FileReading
    loaded: bool = False
    triples_added: int = 0
    triples_removed: int = 0
    rejected: set[tuple[str, int]] = field(default_factory=set)
    dropped: int = 0  # bad optional cells a --partial load left empty, their rows kept
    rejected_file: Path | None = None
    source: str = ""  # the source's name (ingest/source_names.py)
    sha256: str = ""
    # the load this one replaced, when it read another file (or other bytes)
    replaced: Source | None = None
    # a source of an older store named by this file's name alone, left in place
    older: Source | None = None

    @property
    def violations(self) -> list[Violation]:
        return self.reading.violations


class IngestRejected(BadInputError):
    """Some file breaks the shapes: nothing was written (exit code 2)."""

    def __init__(self, outcomes: list[FileOutcome]) -> None:
        from .report import distinct

        bad = [o for o in outcomes if o.violations]
        total = sum(len(distinct(o.violations)) for o in bad)
        names = ", ".join(o.path.name for o in bad)
        super().__init__(f"{total} violation{'s' if total != 1 else ''} in {names}; "
                         "nothing was loaded")
        self.outcomes = outcomes


def _mappings(options: IngestOptions) -> dict[str, SheetMapping]:
    return read_mapping(options.mapping, options.lang) if options.mapping else {}


def _source(store: StoreView | None, path: Path, iris: DataIris,
            mappings: dict[str, SheetMapping], name: str,
            batch: dict[str, str] | None = None) -> SourceFile:
    """`batch`: graphs holding the files of this command read before, and their names."""
    return SourceFile(path, iris, store=store, graph=iris.source_graph(name),
                      mappings=mappings, namespace=key_namespace(name), source_name=name,
                      batch_names=batch)


def source_names(paths: list[Path], options: IngestOptions) -> list[str]:
    """The name of each file's source; two files of one command are never one source."""
    if options.source is not None and len(paths) > 1:
        raise BadInputError("--source names one source: give one file with it")
    names = [source_name(path, options.source) for path in paths]
    seen: dict[str, Path] = {}
    for path, name in zip(paths, names, strict=True):
        twin = seen.setdefault(DataIris("x:/").source_graph(name).value, path)
        if twin != path:
            raise BadInputError(f"{twin} and {path} would be one source ({name!r}); "
                                "load them in two commands, or name them with --source")
    return names


def validate_files(store: Store | None, paths: list[Path], settings: Settings,
                   options: IngestOptions | None = None) -> list[FileOutcome]:
    """Read and check each file against the shapes (and the store); writes nothing."""
    options = options or IngestOptions()
    iris = DataIris(settings.base_iri)
    mappings = _mappings(options)
    outcomes = []
    # each file sees the ones before it, as `tsr ingest` does through their staged graphs
    view = BatchView(store) if len(paths) > 1 else store
    batch: dict[str, str] = {}
    try:
        for number, (path, name) in enumerate(zip(paths, source_names(paths, options),
                                                  strict=True), start=1):
            graph = iris.source_graph(name)
            source = _source(view, path, iris, mappings, name, batch)
            batch[graph.value] = name
            reading = FileReading(path)
            for entity in source.entities(reading, progress=options.progress):
                if options.on_entity is not None:
                    options.on_entity(entity)
                if isinstance(view, BatchView) and number < len(paths):
                    view.add(entity.triples(), graph)
            outcomes.append(FileOutcome(path, graph, reading, source=name))
    finally:
        if isinstance(view, BatchView):
            view.close()
    return outcomes


def ingest_files(store: Store, paths: list[Path], settings: Settings,
                 options: IngestOptions | None = None) -> list[FileOutcome]:
    """Validate and load each file into its own named graph, with its PROV record.

    Any violation (without `partial`) raises IngestRejected and writes nothing.
    """
    options = options or IngestOptions()
    if options.dry_run:
        outcomes = validate_files(store, paths, settings, options)
        if any(o.violations for o in outcomes):
            raise IngestRejected(outcomes)
        return outcomes
    iris = DataIris(settings.base_iri)
    mappings = _mappings(options)
    names = source_names(paths, options)
    if len(paths) == 1 and store.capabilities.text_loads and _is_fresh(
            store, iris, iris.source_graph(names[0])):
        outcome = _load_fresh(store, paths[0], iris, mappings, options, names[0])
        if outcome.violations and not outcome.loaded:
            raise IngestRejected([outcome])
        return [outcome]
    staged: list[tuple[FileOutcome, NamedNode, LoadRecord]] = []
    batch: dict[str, str] = {}  # staging graph -> its source's name, for the files after it
    try:
        outcomes = []
        for path, name in zip(paths, names, strict=True):
            outcome, staging, record = _stage_file(store, path, iris, mappings, options, name,
                                                   batch)
            outcomes.append(outcome)
            if staging is not None and record is not None:
                staged.append((outcome, staging, record))
                batch[staging.value] = name
        if any(o.violations and not options.partial for o in outcomes):
            raise IngestRejected(outcomes)
        _install_model_if_needed(store, iris, [outcome.graph for outcome, _, _ in staged])
        for outcome, staging, record in staged:
            record.triples_removed = store.count(outcome.graph)
            record.ended = now()
            swap_in(store, iris, outcome.graph, staging, record)
            outcome.loaded = True
            outcome.triples_removed = record.triples_removed
        staged.clear()
        return outcomes
    finally:
        for _, staging, _ in staged:
            store.drop_graph(staging)


@dataclass
class _Load:
    """A file's load about to happen: what both ways of loading start from."""
    source: SourceFile
    graph: NamedNode
    skip: set[tuple[str, int]]  # with --partial, the rows to leave out
    first_violations: list[Violation]  # why they are left out
    reading: FileReading
    record: LoadRecord
    outcome: FileOutcome

    def report_rows_left_out(self, options: IngestOptions) -> None:
        if options.partial:
            self.reading.violations = self.first_violations  # for the report


def _begin(store: Store, path: Path, iris: DataIris, mappings: dict[str, SheetMapping],
           options: IngestOptions, name: str, batch: dict[str, str] | None = None) -> _Load:
    """The file's source, its graph, (with --partial) the rows to leave out and why, its
    provenance record and its outcome so far."""
    started = now()
    source = _source(store, path, iris, mappings, name, batch)
    skip: set[tuple[str, int]] = set()
    first_violations: list[Violation] = []
    if options.partial:
        skip, first_violations = _rows_to_reject(source)
    graph = iris.source_graph(name)
    reading = FileReading(path)
    record = _record(path, graph, reading.sheets, started, options, name)
    record.rows_rejected = len(skip)
    outcome = _outcome(store, iris, path, graph, reading, skip, record, options)
    outcome.dropped = sum(len(cells) for where, cells in source.drop_cells.items()
                          if where not in skip)
    return _Load(source, graph, skip, first_violations, reading, record, outcome)


def _record(path: Path, graph: NamedNode, sheets: dict[str, int], started: dt.datetime,
            options: IngestOptions, name: str) -> LoadRecord:
    return LoadRecord(
        path=path, graph=graph, sheets=sheets, triples_added=0, triples_removed=0,
        started=started, ended=started, restricted=options.restricted,
        shapes_version=shapes_model().version, ontology_version=model_facts().ontology_version,
        sha256=sha256_of(path), source_name=name, agent=options.agent)


def _outcome(store: Store, iris: DataIris, path: Path, graph: NamedNode, reading: FileReading,
             skip: set[tuple[str, int]], record: LoadRecord, options: IngestOptions,
             ) -> FileOutcome:
    """The outcome of a load about to happen, with what it replaces or leaves beside it."""
    outcome = FileOutcome(path, graph, reading, rejected=skip, source=record.source_name,
                          sha256=record.sha256)
    previous = next(iter(list_sources(store, iris, graph)), None)
    if previous is not None and (previous.file, previous.sha256) != (path.name, record.sha256):
        outcome.replaced = previous
    older = iris.source_graph(path.name)
    if previous is None and options.source is None and older != graph:
        outcome.older = next((s for s in list_sources(store, iris, older)
                              if s.name == s.file), None)
    return outcome


def _stage_file(store: Store, path: Path, iris: DataIris, mappings: dict[str, SheetMapping],
                options: IngestOptions, name: str, batch: dict[str, str],
                ) -> tuple[FileOutcome, NamedNode | None, LoadRecord | None]:
    load = _begin(store, path, iris, mappings, options, name, batch)
    source, skip, reading, outcome = load.source, load.skip, load.reading, load.outcome
    counter = Counter()
    staging = stage(store, NTriples(counter.through(_statements(
        source, reading, skip, options.progress))) if store.capabilities.text_loads
        else counter.through(_triples(source, reading, skip, options.progress)))
    if reading.violations:
        store.drop_graph(staging)
        return outcome, None, None
    outcome.triples_added = counter.count
    load.report_rows_left_out(options)
    load.record.triples_added = counter.count
    return outcome, staging, load.record


def _is_fresh(store: Store, iris: DataIris, graph: NamedNode) -> bool:
    """No triple and no provenance flag yet: a load needs no replacement."""
    if store.count(graph) > 0:
        return False
    flagged = store.query(
        f"ASK {{ GRAPH ?log {{ {graph} <{TSR}restricted> ?flag }} "
        f"VALUES ?log {{ {iris.provenance_graph} {restricted_provenance_graph(iris)} }} }}",
        default_graph=[])
    return not bool(flagged)


class _FileRejected(Exception):
    """Raised by a load's triple stream once the whole file is read and found bad: the
    store rolls the half-written graph back."""


def _load_fresh(store: Store, path: Path, iris: DataIris,
                mappings: dict[str, SheetMapping], options: IngestOptions,
                name: str) -> FileOutcome:
    """First load of a file into an embedded store, in one pass: rows are mapped, checked
    and streamed into the graph together, under the store's journal note (invisible to
    readers); the end-of-file checks run after the last row, and a bad file rolls the graph
    back before the commit point, so it changes nothing. Reading and mapping the file once
    instead of twice (check, then write) is what a big file's time is mostly made of."""
    load = _begin(store, path, iris, mappings, options, name)
    source, skip, reading, outcome = load.source, load.skip, load.reading, load.outcome
    graph, record = load.graph, load.record
    counter = Counter()

    def statements() -> Iterator[str]:
        for statement in _statements(source, reading, skip, options.progress):
            if not reading.violations:  # once the file is known bad, only check the rest
                counter.count += 1
                yield statement
        if reading.violations:
            raise _FileRejected()

    def provenance() -> str:  # once every triple is in and the file is found good
        _install_model_if_needed(store, iris, [graph])
        record.triples_added = counter.count
        record.ended = now()
        return provenance_update(iris, record)

    try:
        # bulk-loaded (memory stays flat), crash-safe: see EmbeddedStore.replace_graph
        store.replace_graph(graph, NTriples(statements()),  # type: ignore[arg-type]
                            with_update=provenance)  # text: only when capabilities.text_loads
    except _FileRejected:
        return outcome
    outcome.loaded = True
    outcome.triples_added = record.triples_added
    load.report_rows_left_out(options)
    return outcome


def _rows_to_reject(source: SourceFile) -> tuple[set[tuple[str, int]], list[Violation]]:
    """Rows to leave out and cells to leave empty (`source.drop_cells`), and why.

    A bad value of an optional column that is no part of the key is dropped and its row
    kept; any other violation rejects its row. Then rows that only fail once those are
    left out (a reference to a rejected row), over a few rounds."""
    skip: set[tuple[str, int]] = set()
    found: list[Violation] = []
    source.drop_cells = {}
    for _ in range(_PARTIAL_ROUNDS):
        reading = FileReading(source.path)
        for _entity in source.entities(reading, skip):
            pass
        found += reading.violations
        bad: set[tuple[str, int]] = set()
        dropped = False
        for violation in reading.violations:
            if violation.row is None or (violation.sheet, violation.row) in skip:
                continue
            where = (violation.sheet, violation.row)
            if violation.droppable and violation.path is not None:
                cells = source.drop_cells.setdefault(where, set())
                dropped = dropped or violation.path not in cells
                cells.add(violation.path)
            else:
                bad.add(where)
        if not bad and not dropped:
            break
        skip |= bad
    return skip, found


def _triples(source: SourceFile, reading: FileReading, skip: set[tuple[str, int]],
             progress: Progress | None) -> Iterator[Triple]:
    for entity in source.entities(reading, skip, progress):
        triples = list(entity.triples())
        reading.triples += len(triples)
        yield from triples
        # where the entity came from, kept in the same source graph
        yield Triple(entity.subject, SOURCE_SHEET, Literal(entity.file_sheet))
        yield Triple(entity.subject, SOURCE_ROW, Literal(str(entity.row), datatype=_XSD_INT))


def _statements(source: SourceFile, reading: FileReading, skip: set[tuple[str, int]],
                progress: Progress | None) -> Iterator[str]:
    """What `_triples` gives, as N-Triples statements for the embedded store's loader."""
    sheet_texts: dict[str, str] = {}
    for entity in source.entities(reading, skip, progress):
        count = reading.triples
        for statement in entity.statements():
            count += 1
            yield statement
        reading.triples = count
        subject = str(entity.subject)
        sheet = sheet_texts.get(entity.file_sheet)
        if sheet is None:
            sheet = sheet_texts[entity.file_sheet] = str(Literal(entity.file_sheet))
        yield f"{subject} {_SOURCE_SHEET_TEXT} {sheet}"
        yield f'{subject} {_SOURCE_ROW_TEXT} "{entity.row}"^^{_XSD_INT}'


def _install_model_if_needed(store: Store, iris: DataIris, loading: list[NamedNode]) -> None:
    """(Re)install graph/model when it is missing or differs in size from the shipped files;
    the graphs being loaded already carry their classes, closed under the shipped rules."""
    shipped = sum(1 for _ in model_triples())
    if store.count(iris.model_graph) != shipped:
        install_model(store, iris, closed=loading)


ProgressFactory = Callable[[], Progress]
