"""One source file read through the shapes: sheets bound to node shapes, rows mapped to
entities and checked as they stream by."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode

from store.namespaces import DataIris, slug

from .batch_view import StoreView
from .errors import SpreadsheetError, Where
from .file_entities import FileEntities
from .headers import IGNORED_SHEETS, BoundSheet, bind_headers, find_sheet, known_sheets
from .mapping import Entity, Resolver, RowMapper
from .mapping_spec import SheetSpec, sheet_spec_for
from .mapping_spec.expand import Repeats, SheetPlan, bind_sheet
from .model_facts import ModelFacts, model_facts
from .readers import open_workbook
from .readers.base import RawSheet
from .shapes_model import ShapesModel, shapes_model
from .store_conflicts import Candidate, StoreConflicts
from .validate import Validator
from .violations import Notice, Violation

Progress = Callable[[int], None]
Rows = Iterator[tuple[int, list]]


@dataclass
class FileReading:
    """What one pass over a file found."""

    path: Path
    format: str = ""
    sheets: dict[str, int] = field(default_factory=dict)  # file sheet -> data rows
    violations: list[Violation] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)  # e.g. columns a mapping leaves out
    # organisations named like one already loaded, without a shared identifier (not merged)
    candidates: list[Candidate] = field(default_factory=list)
    triples: int = 0

    @property
    def rows(self) -> int:
        return sum(self.sheets.values())

    def bad_rows(self) -> set[tuple[str, int]]:
        return {(v.sheet, v.row) for v in self.violations if v.row is not None}


class SourceFile:
    """Read `path` once per call of `entities()`; rows in `skip` are left out (--partial)."""

    def __init__(self, path: Path, iris: DataIris, *, store: StoreView | None = None,
                 graph: NamedNode | None = None,
                 mappings: dict[str, SheetSpec] | None = None, namespace: str | None = None,
                 source_name: str = "", batch_names: dict[str, str] | None = None,
                 model: ShapesModel | None = None, facts: ModelFacts | None = None) -> None:
        self.path = path
        self.iris = iris
        self.store = store
        self.graph = graph
        self.mappings = mappings or {}
        self.namespace = namespace  # of the source's local keys (ingest/source_names.py)
        # --partial: (sheet, row) -> paths of bad optional cells to leave empty
        self.drop_cells: dict[tuple[str, int], set[str]] = {}
        self.source_name = source_name or path.name
        # graphs of the files of this command read before, and their sources' names
        self.batch_names = batch_names or {}
        self.model = model or shapes_model()
        self.facts = facts or model_facts()

    def entities(self, reading: FileReading, skip: set[tuple[str, int]] | None = None,
                 progress: Progress | None = None) -> Iterator[Entity]:
        """Mapped, checked entities in sheet order; violations land in `reading`."""
        workbook = open_workbook(self.path)
        reading.format = workbook.format
        entities = FileEntities()  # shared: the checks' and the references' view of the rows
        conflicts = None if self.store is None else StoreConflicts(
            self.store, str(self.path), self.graph, self.source_name, self.batch_names)
        validator = Validator(self.model, self.facts, str(self.path), self.store, self.graph,
                              entities, conflicts)
        resolver = Resolver(self.model, self.facts, self.iris, self._store_index(), entities,
                            self.namespace)
        try:
            bound_sheets = self._bind(workbook.sheets, resolver)
            if not bound_sheets:
                raise SpreadsheetError(Where(str(self.path)), "no sheet with data (expected one "
                                       f"of: {known_sheets(self.model)})")
            resolver.expect_references([sheet for bound, _ in bound_sheets for sheet in (
                bound.bound_sheets if isinstance(bound, SheetPlan) else [bound])])
            repeats = Repeats(str(self.path))
            for bound, rows in bound_sheets:
                if isinstance(bound, SheetPlan):
                    notice = bound.notice()
                    if notice is not None:
                        reading.notices.append(notice)
                    yield from self._mapped(bound, rows, reading, validator, repeats, skip,
                                            progress)
                    continue
                mapper = RowMapper(bound, str(self.path), self.model, self.facts, resolver)
                count = 0
                for number, cells in rows:
                    count += 1
                    if skip and (bound.file_sheet, number) in skip:
                        continue
                    entity = mapper.map_row(number, cells)
                    if self.drop_cells:
                        self._leave_out_cells(entity)
                    reading.violations += validator.check(entity)
                    if progress is not None:
                        progress(1)
                    yield entity
                reading.sheets[bound.file_sheet] = count
            if not reading.rows:
                raise SpreadsheetError(Where(str(self.path)), "no data row, only headers")
            reading.violations += validator.finish()
            if conflicts is not None:
                reading.candidates = conflicts.candidates
        finally:
            validator.close()  # temporary files of the end-of-file state

    def _leave_out_cells(self, entity: Entity) -> None:
        """Empty the cells --partial drops (never a key cell: the IRI stays as minted)."""
        for path in self.drop_cells.get((entity.file_sheet, entity.row), ()):
            entity.values.pop(path, None)
            entity.cells.pop(path, None)

    def _mapped(self, plan: SheetPlan, rows: Rows, reading: FileReading, validator: Validator,
                repeats: Repeats, skip: set[tuple[str, int]] | None,
                progress: Progress | None) -> Iterator[Entity]:
        """Rows of a foreign sheet, each made into the entities its mapping says; an entity
        repeated by a later row is merged when the rows agree, reported when they do not."""
        count = 0
        for number, cells in rows:
            count += 1
            if skip and (plan.file_sheet, number) in skip:
                continue
            for entity in plan.expand(number, cells):
                if self.drop_cells:
                    self._leave_out_cells(entity)
                new, conflict = repeats.check(entity)
                if conflict is not None:
                    reading.violations.append(conflict)
                if new:
                    reading.violations += validator.check(entity)
                    yield entity
            if plan.violations:
                reading.violations += plan.take_violations()
            if progress is not None:
                progress(1)
        reading.sheets[plan.file_sheet] = count

    def _bind(self, sheets: list[RawSheet], resolver: Resolver) -> list[tuple[BoundSheet | SheetPlan, Rows]]:
        bound_sheets: list[tuple[BoundSheet | SheetPlan, Rows]] = []
        for raw in sheets:
            rows = raw.rows()
            header = next(rows, None)
            if header is None:
                continue  # an empty sheet: nothing to read
            header_row, header_cells = header
            spec = sheet_spec_for(self.mappings, raw.name) if self.mappings else None
            if spec is not None and (spec.skip or (
                    spec.name != raw.name and slug(raw.name) in IGNORED_SHEETS)):
                continue
            if spec is not None:
                plan = bind_sheet(spec, str(self.path), raw.name, header_row, header_cells,
                                  self.model, self.facts, resolver, spec.file, spec.lang)
                bound_sheets.append((plan, rows))
                continue
            headers = [str(c).strip() for c in header_cells if c is not None]
            where = Where(str(self.path), raw.name)
            sheet = find_sheet(self.model, raw.name, headers, where)
            if sheet is None:
                continue
            bound = bind_headers(sheet, raw.name, header_row, header_cells, str(self.path))
            bound_sheets.append((bound, rows))
        # referenced sheets first, so references resolve to entities of this file
        bound_sheets.sort(key=lambda pair: pair[0].order if isinstance(pair[0], SheetPlan)
                          else pair[0].sheet.order)
        return bound_sheets

    def _store_index(self) -> dict[str, dict[str, str | None]]:
        """Identifiers of entities already in the store (other files), for references."""
        if self.store is None:
            return {}
        from .store_index import identifier_index

        return identifier_index(self.store, self.model, self.facts, self.graph)
