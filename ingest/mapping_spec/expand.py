"""A foreign sheet bound to its headers, and its rows turned into entities.

Each entity of the mapping gets a *virtual* template sheet: one `BoundColumn` per target
column, fed by a getter instead of a cell, and carrying the letter and header of the file's
column that feeds it. The ordinary row mapper then mints, types and checks each entity as
it would a template row, and every violation names the cell of the coordinator's file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyoxigraph import Literal, NamedNode

from store.namespaces import slug

from ..errors import SpreadsheetError, Where
from ..headers import BoundColumn, BoundSheet
from ..mapping import Entity, Resolver, RowMapper, Term
from ..model_facts import ModelFacts
from ..normalise import cell_text
from ..readers.base import Cell, column_letter, is_blank
from ..shapes_model import Column, ShapesModel
from ..violations import Notice, Violation
from .problems import MappingError, Problem, quoted
from .schema import EachSpec, EntitySpec, SheetSpec, ValueSpec, column_named
from .values import Getter, Link, RowContext, Typed, Values, compile_value

# Distinct entity values remembered per entity of a mapping (then forgotten, to stay small).
RECENT_INPUTS = 100_000
# An entity whose values rarely repeat (one participation a row) stops being remembered once
# this many look-ups found less than one repeat in ten.
RECENT_TRIAL = 2_000
_MASK64 = (1 << 64) - 1


class MappedRowMapper(RowMapper):
    """The template's row mapper, reading the values a mapping made as they are."""

    # vocabulary values a mapping gives are a few texts repeated on every row
    VOCABULARY_TEXTS = 10_000

    def __init__(self, bound: BoundSheet, file: str, model: ShapesModel, facts: ModelFacts,
                 resolver: Resolver) -> None:
        super().__init__(bound, file, model, facts, resolver)
        self._vocabulary: dict[tuple[str, str], list[Term]] = {}

    def _objects(self, column: Column, raw: Any, text: str) -> list[Term]:
        kind = type(raw)
        if kind is str and column.scheme is not None:
            vocabulary = self._vocabulary
            found = vocabulary.get((column.path, raw))
            if found is None:
                found = super()._objects(column, raw, text)
                if len(vocabulary) < self.VOCABULARY_TEXTS:
                    vocabulary[(column.path, raw)] = found  # read, never changed, by map_row
            return found
        if kind is Link:
            return [raw.node]
        if kind is Typed:
            return [raw.literal]
        if kind is Values:
            objects: list[Term] = []
            for part in raw:
                part_text = cell_text(part)
                if part_text:
                    objects += self._objects(column, part, part_text)
            return objects
        return super()._objects(column, raw, text)


class _Header:
    __slots__ = ("index", "header", "letter")

    def __init__(self, index: int, header: str) -> None:
        self.index = index
        self.header = header
        self.letter = column_letter(index)


class EntityPlan:
    """One entity of the mapping, bound to the file's headers."""

    def __init__(self, spec: EntitySpec, bound: BoundSheet, getters: list[Getter],
                 data_slots: list[int], mapper: RowMapper, each: Getter | None) -> None:
        self.spec = spec
        self.name = spec.name
        self.bound = bound
        self.getters = getters
        self.data_slots = data_slots  # values read from the file (not constants or links)
        self.mapper = mapper
        self.each = each  # the items of a list cell, when the entity is made once per item
        # values of the entities made lately -> their IRI: an organisation on every row of
        # its projects is mapped once, not once a row
        self.recent: dict[tuple[Any, ...], Link] = {}
        self.remembering = True
        self.repeats = 0


class SheetPlan:
    """A sheet of the foreign file: its entities, and the headers that feed nothing."""

    def __init__(self, spec: SheetSpec, file: str, file_sheet: str, header_row: int,
                 plans: list[EntityPlan], unused: list[str]) -> None:
        self.spec = spec
        self.file = file
        self.file_sheet = file_sheet
        self.header_row = header_row
        self.plans = plans
        self.unused = unused
        self.violations: list[Violation] = []
        self._each_where: dict[str, _Header | None] = {}
        self.remember = True  # skip mapping again an entity an earlier row made (not in previews)

    @property
    def bound_sheets(self) -> list[BoundSheet]:
        return [plan.bound for plan in self.plans]

    @property
    def order(self) -> float:
        return min((plan.bound.sheet.order for plan in self.plans), default=0.0)

    def notice(self) -> Notice | None:
        if not self.unused:
            return None
        return Notice(self.file, self.file_sheet, {
            "fr": f"colonnes sans correspondance, non chargées : {quoted(self.unused)}",
            "en": f"columns the mapping does not use, not loaded: {quoted(self.unused, 'en')}",
        })

    def expand(self, number: int, cells: list[Any]) -> Iterator[Entity]:
        """The entities of one row, each after those it links to."""
        ctx = RowContext(cells)
        made = ctx.made
        for plan in self.plans:
            instances: list[tuple[dict[str, Any], Link]] = []
            recent = plan.recent if self.remember else None
            for items, links in self._iterations(plan, ctx, number):
                ctx.items = items
                ctx.links = links
                virtual = [getter(ctx) for getter in plan.getters]
                for slot in plan.data_slots:
                    if virtual[slot] is not None:
                        break
                else:
                    if plan.data_slots:
                        continue  # nothing of this entity in the row (nor anything it links to)
                inputs: tuple[Any, ...] | None = None
                if recent is not None and plan.remembering:
                    inputs = tuple(virtual)
                    try:
                        known = recent.get(inputs)
                    except TypeError:  # a list among the values
                        inputs = known = None
                    if known is not None:
                        # the same values as an earlier row: the same entity, already made
                        plan.repeats += 1
                        instances.append((items, known))
                        continue
                entity = plan.mapper.map_row(number, virtual)
                link = Link(entity.subject)
                if inputs is not None and recent is not None:
                    if len(recent) >= RECENT_INPUTS:
                        recent.clear()
                    recent[inputs] = link
                    if len(recent) == RECENT_TRIAL and plan.repeats * 10 < RECENT_TRIAL:
                        plan.remembering = False
                        recent.clear()
                instances.append((items, link))
                yield entity
            made[plan.name] = instances

    def _iterations(self, plan: EntityPlan, ctx: RowContext,
                    number: int) -> list[tuple[dict[str, Any], dict[str, Link]]]:
        each = plan.spec.each
        if each is None:
            return [({}, {})]
        if each.entity is not None:
            return [(items, {each.entity: iri}) for items, iri in ctx.made.get(each.entity, [])]
        assert plan.each is not None
        raw = plan.each(ctx)
        if raw is None:
            return []
        parts = list(raw) if isinstance(raw, Values) else [raw]
        if each.pattern is None:
            return [({each.name: part}, {}) for part in parts]
        found: list[tuple[dict[str, Any], dict[str, Link]]] = []
        for part in parts:
            match = each.pattern.fullmatch(cell_text(part).strip())
            if match is None:
                self._no_match(plan, each, number, cell_text(part))
                continue
            found.append(({k: v.strip() if isinstance(v, str) else v
                           for k, v in match.groupdict().items()}, {}))
        return found

    def _no_match(self, plan: EntityPlan, each: EachSpec, number: int, part: str) -> None:
        header = self._header_of_each(plan)
        self.violations.append(Violation(
            file=self.file, sheet=self.file_sheet, row=number,
            column=header.header if header else None, letter=header.letter if header else None,
            value=part, focus="", path=None, component="MappingPatternComponent",
            messages={"fr": f"« {part} » ne suit pas la forme attendue par la table de "
                            f"correspondance ({each.pattern.pattern if each.pattern else ''})",
                      "en": f"{part!r} does not have the form the mapping expects "
                            f"({each.pattern.pattern if each.pattern else ''})"}))

    def _header_of_each(self, plan: EntityPlan) -> _Header | None:
        return self._each_where.get(plan.name)

    def take_violations(self) -> list[Violation]:
        found, self.violations = self.violations, []
        return found


def bind_sheet(spec: SheetSpec, file: str, file_sheet: str, header_row: int,
               header_cells: list[Cell], model: ShapesModel, facts: ModelFacts,
               resolver: Resolver, mapping_file: str, lang: str = "fr") -> SheetPlan:
    """Bind `spec` to the headers of a sheet; every header the mapping names but the sheet
    lacks is reported at once (MappingError)."""
    headers: dict[str, _Header] = {}
    for index, cell in enumerate(header_cells):
        if is_blank(cell):
            continue
        header = _Header(index, str(cell).strip())
        if slug(header.header) in headers:
            raise SpreadsheetError(Where(file, file_sheet, header_row, header.header),
                                   f"duplicated header (also in column "
                                   f"{headers[slug(header.header)].letter})")
        headers[slug(header.header)] = header
    problems: list[Problem] = []
    used: set[str] = set()
    plans: list[EntityPlan] = []
    each_where: dict[str, _Header | None] = {}
    items_of: dict[str, list[str]] = {}  # entity -> the names its items give
    for entity in spec.entities:
        if entity.implicit:
            _add_implicit(entity, headers, spec.ignore)
        names = _item_names(entity, items_of)
        items_of[entity.name] = names
        item_header = None
        if entity.each is not None:
            item_header = (headers.get(slug(entity.each.column)) if entity.each.column
                           else each_where.get(entity.each.entity or ""))
        each_where[entity.name] = item_header

        columns: list[BoundColumn] = []
        getters: list[Getter] = []
        data_slots: list[int] = []
        for position, (column, value) in enumerate(entity.columns):
            reads = _Reads(headers, names, value.where, problems, used)
            getters.append(compile_value(value, reads.getter, spec.empty))
            source = _feeding_header(value, headers, names, item_header)
            columns.append(BoundColumn(position, source.header if source else column.name("fr"),
                                       column, source.letter if source else ""))
            if value.headers() or value.entities():
                data_slots.append(position)  # a value read from the file, or a link
        each_getter = None
        if entity.each is not None and entity.each.column is not None:
            each_value = ValueSpec(entity.each.where, column=entity.each.column,
                                   split=entity.each.split)
            reads = _Reads(headers, [], entity.each.where, problems, used)
            each_getter = compile_value(each_value, reads.getter, spec.empty)
        if entity.each is not None and not data_slots:
            data_slots = list(range(len(getters)))  # an item is reason enough to make one
        bound = BoundSheet(entity.sheet, file_sheet, header_row, columns, key_scope=entity.key,
                           key_source=entity.key_source)
        _check_required(entity, problems)
        plans.append(EntityPlan(entity, bound, getters, data_slots,
                                MappedRowMapper(bound, file, model, facts, resolver), each_getter))
    if problems:
        raise MappingError(mapping_file, _unique(problems), lang)
    ignored = {slug(h) for h in spec.ignore}
    unused = [h.header for h in headers.values()
              if h.header not in used and slug(h.header) not in ignored]
    plan = SheetPlan(spec, file, file_sheet, header_row, plans, unused)
    plan._each_where = each_where
    return plan


class _Reads:
    """Getters of the headers (and item names) one value reads; a header the file lacks is a
    problem of the mapping."""

    def __init__(self, headers: dict[str, _Header], items: list[str], where: str,
                 problems: list[Problem], used: set[str]) -> None:
        self.headers = headers
        self.items = items
        self.where = where
        self.problems = problems
        self.used = used

    def getter(self, name: str) -> Getter:
        if name in self.items:
            return lambda ctx: ctx.items.get(name)
        found = self.headers.get(slug(name))
        if found is None:
            self.problems.append(_unknown_header(self.where, name, self.headers))
            return lambda ctx: None
        self.used.add(found.header)
        index = found.index

        def cell(ctx: RowContext) -> Any:
            cells = ctx.cells
            raw = cells[index] if index < len(cells) else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                return None
            return raw

        cell.index = index  # type: ignore[attr-defined]  # read directly by the empty check
        return cell


def _item_names(entity: EntitySpec, items_of: dict[str, list[str]]) -> list[str]:
    if entity.each is None:
        return []
    if entity.each.entity is not None:
        return items_of.get(entity.each.entity, [])
    return entity.each.names()


def _add_implicit(entity: EntitySpec, headers: dict[str, _Header], ignore: set[str]) -> None:
    """Simple form: a header named like a column of the template sheet feeds that column."""
    given = {value.column for _, value in entity.columns if value.column}
    ignored = {slug(h) for h in ignore}
    for key, header in headers.items():
        if header.header in given or key in ignored:
            continue
        column = column_named(entity.sheet, header.header)
        if column is not None and all(c.path != column.path for c, _ in entity.columns):
            entity.columns.append((column, ValueSpec(entity.where, column=header.header)))


def _check_required(entity: EntitySpec, problems: list[Problem]) -> None:
    if not entity.implicit:
        return  # checked with the mapping file
    given = {column.path for column, _ in entity.columns}
    for column in entity.sheet.columns:
        if column.min_count and column.path not in given and column.default_value is None:
            problems.append(Problem(entity.where, f"aucune colonne ne donne la colonne "
                                    f"obligatoire « {column.name('fr')} »", f"no column gives "
                                    f"the required column {column.name('en')!r}"))


def _feeding_header(value: ValueSpec, headers: dict[str, _Header], items: list[str],
                    item_header: _Header | None) -> _Header | None:
    """The file's column a value comes from, for the report's cell."""
    for name in value.headers():
        if name in items:
            return item_header
        found = headers.get(slug(name))
        if found is not None:
            return found
    return None


def _unknown_header(where: str, name: str, headers: dict[str, _Header]) -> Problem:
    known = [h.header for h in headers.values()]
    return Problem(where, f"le fichier n'a pas de colonne « {name} » (colonnes du fichier : "
                   f"{quoted(known)})", f"the file has no column {name!r} (columns of the "
                   f"file: {quoted(known, 'en')})")


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


class Repeats:
    """The same entity made again by a later row (an organisation on every row of its
    projects): merged quietly when the values agree, reported with both rows otherwise."""

    # entities whose values are kept to say which column differs; beyond, a hash only
    KEEP_VALUES = 50_000

    def __init__(self, file: str) -> None:
        self.file = file
        # hash(IRI) -> hash of its values, its sheet's number and its row, packed in one int
        # (about 100 bytes an entity; a tuple of strings cost three times that)
        self._seen: dict[int, int] = {}
        self._sheets: list[str] = []
        self._values: dict[str, dict[str, list[Term]]] = {}
        self._cells: dict[str, dict[str, tuple[str, str, str]]] = {}

    def check(self, entity: Entity) -> tuple[bool, Violation | None]:
        """(is it new, the conflict found); an agreeing repeat is neither."""
        iri = entity.subject.value
        fingerprint = hash(frozenset((path, tuple(objects))
                                     for path, objects in entity.values.items())) & _MASK64
        key = hash(iri)
        seen = self._seen.get(key)
        if seen is None:
            if entity.file_sheet not in self._sheets:
                self._sheets.append(entity.file_sheet)
            self._seen[key] = (fingerprint << 40) | (self._sheets.index(entity.file_sheet) << 32) \
                | (entity.row & 0xFFFFFFFF)
            if len(self._values) < self.KEEP_VALUES:
                self._values[iri] = entity.values
                self._cells[iri] = entity.cells
            return True, None
        if seen >> 40 == fingerprint:
            return False, None
        return False, self._conflict(entity, self._sheets[(seen >> 32) & 0xFF],
                                     seen & 0xFFFFFFFF)

    def _conflict(self, entity: Entity, sheet: str, row: int) -> Violation:
        iri = entity.subject.value
        before = self._values.get(iri)
        path = None
        if before is not None:
            paths = sorted(set(before) | set(entity.values))
            path = next((p for p in paths if before.get(p) != entity.values.get(p)), None)
        column = entity.sheet.column_for_path(path) if path else None
        letter, header, text = entity.cells.get(path, (None, None, None)) if path else (
            None, None, None)
        if column is not None and header is None:
            header = column.name("fr")
        cells = self._cells.get(iri, {})
        old = cells[path][2] if path in cells else _shown(
            before.get(path) if before and path else None)
        new = text if text is not None else _shown(entity.values.get(path) if path else None)
        what_fr = f" : « {column.name('fr')} » vaut « {new} » ici et « {old} » là" if column \
            else ""
        what_en = f": {column.name('en')!r} is {new!r} here and {old!r} there" if column else ""
        return Violation(
            file=self.file, sheet=entity.file_sheet, row=entity.row, column=header,
            letter=letter, value=text, focus=iri, path=path,
            component="ConflictingRepeatComponent",
            messages={"fr": f"Cette ligne décrit la même entité que la ligne {row} de la feuille "
                            f"« {sheet} », mais autrement{what_fr}.",
                      "en": f"This row describes the same entity as row {row} of sheet "
                            f"'{sheet}', but differently{what_en}."})

    def clear(self) -> None:
        self._seen.clear()
        self._values.clear()
        self._cells.clear()


def _shown(objects: list[Term] | None) -> str:
    if not objects:
        return ""
    return "; ".join(o.value if isinstance(o, Literal | NamedNode) else str(o) for o in objects)
