"""The mapping file read into a checked plan: which sheet of a foreign file makes which
entities (each a row of a template sheet), and where each of their values comes from.

Everything the file alone can say wrong is found here, before any row is read: unknown keys,
unknown template sheets and columns, vocabulary values that do not exist, links to entities
that do not exist, empty separators, bad patterns. The headers are checked when a file is
opened (`expand.bind_sheet`). See docs/mapping.md for the language itself.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Any

from store.namespaces import slug

from ..model_facts import ModelFacts
from ..shapes_model import Column, ShapesModel, Sheet
from .problems import Problem, quoted

TOP_KEYS = {"description", "empty", "sheets"}
SHEET_KEYS = {"entities", "ignore", "empty", "skip", "description"}
SIMPLE_SHEET_KEYS = {"sheet", "columns", "split", "constants", "ignore", "empty", "description"}
ENTITY_KEYS = {"sheet", "columns", "each", "key", "description"}
SOURCE_KEYS = ("column", "value", "template", "entity", "first")
VALUE_KEYS = {*SOURCE_KEYS, "map", "otherwise", "default", "empty", "split", "pick", "prefer",
              "as"}
EACH_KEYS = {"column", "entity", "split", "pattern", "as"}
VALUE_KINDS = ("text", "year", "date")
KEY_KINDS = ("local", "shared")
ANY_SHEET = "*"


def normal(text: str) -> str:
    """How cells are compared with a map's keys and the empty values: case and outer spaces
    do not count."""
    return text.strip().casefold()


@dataclass
class ValueSpec:
    """Where one value comes from, and what is done to it on the way."""

    where: str
    column: str | None = None  # a header of the file (or a name an `each` gives)
    value: str | None = None  # a constant
    template: str | None = None  # "carto-{Num}": headers between braces
    entity: str | None = None  # the IRI of another entity of the same row
    first: list[ValueSpec] = field(default_factory=list)  # the first of these that gives a value
    map: dict[str, str | None] | None = None  # normal(cell) -> value (None: empty)
    otherwise: tuple[str | None] | None = None  # what a value not in the map becomes
    default: str | None = None  # when nothing else gives a value
    empty: frozenset[str] = frozenset()  # normal(cell) values that mean "no value"
    split: str | None = None  # several values in one cell
    pick: int | None = None  # with split: only the value at this position (0-based)
    prefer: list[str] | None = None  # of several values, keep the first of this list
    kind: str = "text"  # text, year (xsd:gYear) or date (a date, or a year or year-month)

    def headers(self) -> list[str]:
        """Every header this value reads."""
        found = [self.column] if self.column is not None else []
        if self.template is not None:
            found += template_fields(self.template)
        for option in self.first:
            found += option.headers()
        return found

    def entities(self) -> list[str]:
        found = [self.entity] if self.entity is not None else []
        for option in self.first:
            found += option.entities()
        return found


@dataclass
class EachSpec:
    """One entity per item: of a list cell (split, optionally read by a pattern), or of
    another entity made once per item."""

    where: str
    column: str | None = None
    entity: str | None = None
    split: str | None = None
    pattern: re.Pattern[str] | None = None
    name: str = "item"  # the item's value is read as a column of this name

    def names(self) -> list[str]:
        """The column names an item gives to its entity's values."""
        if self.pattern is not None:
            return list(self.pattern.groupindex)
        return [self.name] if self.column is not None else []


@dataclass
class EntitySpec:
    name: str
    where: str
    sheet: Sheet
    columns: list[tuple[Column, ValueSpec]] = field(default_factory=list)
    each: EachSpec | None = None
    key: str | None = None  # "local" (namespaced per source), "shared", None: the sheet's rule
    key_source: str | None = None  # local codes of that source (same_as), not of this one
    implicit: bool = False  # simple form: headers named like a column of `sheet` feed it


@dataclass
class SheetSpec:
    """What one sheet of the foreign file becomes."""

    name: str
    where: str
    entities: list[EntitySpec] = field(default_factory=list)  # in the order they are made
    ignore: set[str] = field(default_factory=set)
    empty: frozenset[str] = frozenset()
    skip: bool = False
    file: str = ""  # the mapping file, for the messages of headers it names but a file lacks
    lang: str = "fr"


@dataclass
class MappingSpec:
    file: str
    sheets: dict[str, SheetSpec]
    description: str = ""

    def for_sheet(self, name: str) -> SheetSpec | None:
        found = self.sheets.get(name)
        if found is None:
            wanted = slug(name)
            found = next((s for n, s in self.sheets.items() if slug(n) == wanted), None)
        return found if found is not None else self.sheets.get(ANY_SHEET)


def template_fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def column_named(sheet: Sheet, name: str) -> Column | None:
    wanted = slug(name)
    return next((c for c in sheet.columns if wanted in {slug(n) for n in c.names.values()}),
                None)


class _Reader:
    """Walks the YAML data once, collecting every problem instead of stopping at the first."""

    def __init__(self, model: ShapesModel, facts: ModelFacts) -> None:
        self.model = model
        self.facts = facts
        self.problems: list[Problem] = []

    def problem(self, where: str, fr: str, en: str) -> None:
        self.problems.append(Problem(where, fr, en))

    def unknown_keys(self, where: str, data: dict, known: set[str]) -> None:
        for key in data:
            if key not in known:
                self.problem(f"{where}.{key}" if where else str(key),
                             f"clé inconnue (clés permises : {quoted(sorted(known))})",
                             f"unknown key (known keys: {quoted(sorted(known), 'en')})")

    def texts(self, where: str, data: Any) -> list[str]:
        if data is None:
            return []
        if isinstance(data, str | int | float):
            return [_text(data)]
        if isinstance(data, list) and all(isinstance(v, str | int | float) for v in data):
            return [_text(v) for v in data]
        self.problem(where, "attendu : un texte ou une liste de textes",
                     "expected: a text or a list of texts")
        return []

    # -- the file -------------------------------------------------------------------------
    def mapping(self, file: str, data: Any) -> MappingSpec:
        spec = MappingSpec(file, {})
        if not isinstance(data, dict) or not isinstance(data.get("sheets"), dict):
            self.problem("sheets", "une table de correspondance commence par une table "
                         "« sheets: » (feuille du fichier -> ce qu'elle devient)",
                         "a mapping file needs a top-level 'sheets:' table (sheet of the file "
                         "-> what it becomes)")
            return spec
        self.unknown_keys("", data, TOP_KEYS)
        spec.description = str(data.get("description") or "")
        empty = frozenset(normal(v) for v in self.texts("empty", data.get("empty")))
        for name, sheet_data in data["sheets"].items():
            sheet = self.sheet(str(name), sheet_data, empty)
            if sheet is not None:
                sheet.file = file
                spec.sheets[str(name)] = sheet
        return spec

    def sheet(self, name: str, data: Any, empty: frozenset[str]) -> SheetSpec | None:
        where = f"sheets.{name}"
        if data == "skip" or (isinstance(data, dict) and data.get("skip") is True
                              and set(data) <= {"skip", "description"}):
            return SheetSpec(name, where, skip=True)
        if not isinstance(data, dict) or not ("sheet" in data or "entities" in data):
            self.problem(where, "attendu : « sheet: <feuille du modèle> », « entities: » ou "
                         "« skip »", "expected 'sheet: <template sheet name>', 'entities:' "
                         "or 'skip'")
            return None
        sheet = SheetSpec(name, where)
        sheet.empty = empty | frozenset(normal(v) for v in self.texts(f"{where}.empty",
                                                                       data.get("empty")))
        sheet.ignore = set(self.texts(f"{where}.ignore", data.get("ignore")))
        if "entities" in data:
            self.unknown_keys(where, data, SHEET_KEYS)
            entities = data["entities"]
            if not isinstance(entities, dict) or not entities:
                self.problem(f"{where}.entities", "attendu : une table nom -> entité",
                             "expected: a table name -> entity")
                return sheet
            specs = [self.entity(f"{where}.entities.{n}", str(n), e)
                     for n, e in entities.items()]
            sheet.entities = self.ordered(where, [s for s in specs if s is not None])
        else:
            self.unknown_keys(where, data, SIMPLE_SHEET_KEYS)
            simple = self.simple(where, data, sheet)
            sheet.entities = [simple] if simple is not None else []
        return sheet

    # -- entities -------------------------------------------------------------------------
    def target_sheet(self, where: str, name: Any) -> Sheet | None:
        found = self.model.sheet_named(str(name)) if isinstance(name, str) else None
        if found is None:
            known = [s.name("fr") for s in self.model.sheets]
            self.problem(f"{where}.sheet", f"feuille du modèle inconnue « {name} » (feuilles : "
                         f"{quoted(known)})", f"unknown template sheet {name!r} (sheets: "
                         f"{quoted([s.name('en') for s in self.model.sheets], 'en')})")
        return found

    def target_column(self, where: str, sheet: Sheet, name: str) -> Column | None:
        found = column_named(sheet, name)
        if found is None:
            self.problem(where, f"colonne inconnue de la feuille « {sheet.name('fr')} » "
                         f"(colonnes : {quoted(c.name('fr') for c in sheet.columns)})",
                         f"unknown column of sheet {sheet.name('en')!r} (columns: "
                         f"{quoted((c.name('en') for c in sheet.columns), 'en')})")
        return found

    def entity(self, where: str, name: str, data: Any) -> EntitySpec | None:
        if not isinstance(data, dict) or "sheet" not in data:
            self.problem(where, "attendu : « sheet: <feuille du modèle> » et « columns: »",
                         "expected 'sheet: <template sheet name>' and 'columns:'")
            return None
        self.unknown_keys(where, data, ENTITY_KEYS)
        sheet = self.target_sheet(where, data["sheet"])
        if sheet is None:
            return None
        entity = EntitySpec(name, where, sheet)
        key = data.get("key")
        if key is None:
            pass  # the sheet's own rule: local codes, but shared ones for programmes, networks
        elif isinstance(key, dict) and set(key) == {"same_as"} and isinstance(
                key["same_as"], str) and key["same_as"]:
            entity.key_source = key["same_as"]  # codes of another source: its namespace
        elif key not in KEY_KINDS:
            self.problem(f"{where}.key", f"attendu : {quoted(KEY_KINDS)} ou « same_as: "
                         "<source> »", f"expected: {quoted(KEY_KINDS, 'en')} or 'same_as: "
                         "<source>'")
        else:
            entity.key = key
        if "each" in data:
            entity.each = self.each(f"{where}.each", data["each"])
        columns = data.get("columns")
        if not isinstance(columns, dict):
            self.problem(f"{where}.columns", "attendu : une table colonne du modèle -> valeur",
                         "expected: a table template column -> value")
            return entity
        for target, value in columns.items():
            column = self.target_column(f"{where}.columns.{target}", sheet, str(target))
            spec = self.value(f"{where}.columns.{target}", value, column)
            if column is not None and spec is not None:
                entity.columns.append((column, spec))
        self.required(entity)
        return entity

    def required(self, entity: EntitySpec) -> None:
        given = {column.path for column, _ in entity.columns}
        for column in entity.sheet.columns:
            if (column.min_count and column.path not in given
                    and column.default_value is None and not entity.implicit):
                self.problem(f"{entity.where}.columns", f"aucune valeur pour la colonne "
                             f"obligatoire « {column.name('fr')} »", f"no value for the "
                             f"required column {column.name('en')!r}")

    def each(self, where: str, data: Any) -> EachSpec | None:
        if isinstance(data, str):
            return EachSpec(where, entity=data)
        if not isinstance(data, dict) or ("column" in data) == ("entity" in data):
            self.problem(where, "attendu : le nom d'une entité, ou « column: » avec « split: »",
                         "expected: the name of an entity, or 'column:' with 'split:'")
            return None
        self.unknown_keys(where, data, EACH_KEYS)
        each = EachSpec(where, column=_text(data["column"]) if "column" in data else None,
                        entity=_text(data["entity"]) if "entity" in data else None)
        if "split" in data:
            each.split = self.separator(f"{where}.split", data["split"])
        if "as" in data:
            each.name = _text(data["as"])
        if "pattern" in data:
            try:
                each.pattern = re.compile(str(data["pattern"]))
            except re.error as error:
                self.problem(f"{where}.pattern", f"expression régulière invalide ({error})",
                             f"invalid regular expression ({error})")
            else:
                if not each.pattern.groupindex:
                    self.problem(f"{where}.pattern", "l'expression doit nommer ses groupes, par "
                                 "exemple (?P<year>\\d{4})", "the pattern must name its "
                                 "groups, for example (?P<year>\\d{4})")
        return each

    def separator(self, where: str, data: Any) -> str | None:
        if not isinstance(data, str) or not data:
            self.problem(where, "un séparateur est un texte d'au moins un caractère (par "
                         "exemple « ; » ou « , »)", "a separator is a text of at least one "
                         "character (for example ';' or ',')")
            return None
        return data

    # -- values ---------------------------------------------------------------------------
    def value(self, where: str, data: Any, column: Column | None) -> ValueSpec | None:
        if isinstance(data, str | int | float) and not isinstance(data, bool):
            return ValueSpec(where, column=_text(data))
        if not isinstance(data, dict):
            self.problem(where, "attendu : un en-tête du fichier, ou une table (column:, "
                         "value:, template:, entity:, first:)", "expected: a header of the "
                         "file, or a table (column:, value:, template:, entity:, first:)")
            return None
        self.unknown_keys(where, data, VALUE_KEYS)
        sources = [k for k in SOURCE_KEYS if k in data]
        if len(sources) != 1:
            self.problem(where, f"une valeur vient d'une seule source parmi {quoted(SOURCE_KEYS)}",
                         f"a value comes from exactly one of {quoted(SOURCE_KEYS, 'en')}")
            return None
        spec = ValueSpec(where)
        source = sources[0]
        if source == "first":
            options = data["first"]
            if not isinstance(options, list) or not options:
                self.problem(f"{where}.first", "attendu : une liste de valeurs",
                             "expected: a list of values")
            else:
                found = [self.value(f"{where}.first.{i}", o, column) for i, o in enumerate(options)]
                spec.first = [o for o in found if o is not None]
        elif source == "template":
            spec.template = _text(data["template"])
            try:
                template_fields(spec.template)
            except ValueError as error:
                self.problem(f"{where}.template", f"modèle invalide ({error})",
                             f"invalid template ({error})")
        else:
            setattr(spec, source, _text(data[source]))
        if "map" in data:
            spec.map = self.value_map(f"{where}.map", data["map"])
        if "otherwise" in data:
            if "map" not in data:
                self.problem(f"{where}.otherwise", "« otherwise » va avec « map »",
                             "'otherwise' goes with 'map'")
            other = data["otherwise"]
            spec.otherwise = (None if other is None else _text(other),)
        if "default" in data and data["default"] is not None:
            spec.default = _text(data["default"])
        spec.empty = frozenset(normal(v) for v in self.texts(f"{where}.empty", data.get("empty")))
        if "split" in data:
            spec.split = self.separator(f"{where}.split", data["split"])
        if "pick" in data:
            if not isinstance(data["pick"], int) or data["pick"] < 1 or "split" not in data:
                self.problem(f"{where}.pick", "attendu : avec « split », la position (1, 2, …) "
                             "de la valeur gardée", "expected: with 'split', the position "
                             "(1, 2, …) of the value kept")
            else:
                spec.pick = data["pick"] - 1
        if "prefer" in data:
            spec.prefer = self.texts(f"{where}.prefer", data["prefer"]) or None
        if "as" in data:
            if data["as"] not in VALUE_KINDS:
                self.problem(f"{where}.as", f"attendu : {quoted(VALUE_KINDS)}",
                             f"expected: {quoted(VALUE_KINDS, 'en')}")
            else:
                spec.kind = data["as"]
        if column is not None:
            self.vocabulary(spec, column)
        return spec

    def value_map(self, where: str, data: Any) -> dict[str, str | None] | None:
        if not isinstance(data, dict) or not data:
            self.problem(where, "attendu : une table valeur du fichier -> valeur",
                         "expected: a table value of the file -> value")
            return None
        return {normal(_text(k)): (None if v is None else _text(v)) for k, v in data.items()}

    def vocabulary(self, spec: ValueSpec, column: Column) -> None:
        """Constants, defaults and map values of a vocabulary column must name a concept."""
        if column.scheme is None:
            return
        targets = [(spec.where, spec.value), (f"{spec.where}.default", spec.default)]
        if spec.otherwise is not None:
            targets.append((f"{spec.where}.otherwise", spec.otherwise[0]))
        targets += [(f"{spec.where}.map", v) for v in (spec.map or {}).values()]
        targets += [(f"{spec.where}.prefer", v) for v in spec.prefer or []]
        for where, text in targets:
            if text is not None and self.facts.concept_for(column.scheme, text) is None:
                labels = sorted({c.notation for c in self.facts.concepts.values()
                                 if column.scheme in c.schemes and c.notation})
                self.problem(where, f"« {text} » n'est pas une valeur de la liste de la colonne "
                             f"« {column.name('fr')} » (codes : {quoted(labels)})",
                             f"{text!r} is not a value of the list of column "
                             f"{column.name('en')!r} (codes: {quoted(labels, 'en')})")

    # -- the simple form: one template sheet, headers renamed ------------------------------
    def simple(self, where: str, data: dict, sheet_spec: SheetSpec) -> EntitySpec | None:
        sheet = self.target_sheet(where, data["sheet"])
        if sheet is None:
            return None
        entity = EntitySpec(slug(sheet.name("fr")), where, sheet, implicit=True)
        columns = data.get("columns") or {}
        if not isinstance(columns, dict):
            self.problem(f"{where}.columns", "attendu : une table en-tête -> colonne du modèle",
                         "expected: a table header -> template column")
            columns = {}
        for header, target in columns.items():
            if target is None:
                sheet_spec.ignore.add(_text(header))
                continue
            column = self.target_column(f"{where}.columns.{header}", sheet, _text(target))
            if column is not None:
                entity.columns.append((column, ValueSpec(f"{where}.columns.{header}",
                                                         column=_text(header))))
        splits = data.get("split") or {}
        for header, split in (splits.items() if isinstance(splits, dict) else ()):
            here = f"{where}.split.{header}"
            if not isinstance(split, dict) or not isinstance(split.get("into"), list):
                self.problem(here, "attendu : « into: [colonne, …] » et « separator: »",
                             "expected 'into: [column, ...]' and 'separator:'")
                continue
            self.unknown_keys(here, split, {"separator", "into"})
            separator = self.separator(f"{here}.separator", split.get("separator", ";"))
            for position, target in enumerate(split["into"]):
                column = self.target_column(f"{here}.into", sheet, _text(target))
                if column is not None and separator is not None:
                    entity.columns.append((column, ValueSpec(
                        here, column=_text(header), split=separator, pick=position)))
        constants = data.get("constants") or {}
        for target, value in (constants.items() if isinstance(constants, dict) else ()):
            here = f"{where}.constants.{target}"
            column = self.target_column(here, sheet, _text(target))
            if column is not None:
                spec = ValueSpec(here, value=_text(value))
                self.vocabulary(spec, column)
                entity.columns.append((column, spec))
        sheet_spec.ignore |= set(self.texts(f"{where}.ignore", data.get("ignore")))
        return entity

    # -- order ----------------------------------------------------------------------------
    def ordered(self, where: str, entities: list[EntitySpec]) -> list[EntitySpec]:
        """Entities in an order where each comes after those it links to."""
        by_name = {e.name: e for e in entities}
        needs: dict[str, set[str]] = {}
        for entity in entities:
            wanted = {name for _, value in entity.columns for name in value.entities()}
            if entity.each is not None and entity.each.entity is not None:
                wanted.add(entity.each.entity)
            for name in sorted(wanted - set(by_name)):
                self.problem(entity.where, f"entité inconnue « {name} » (entités : "
                             f"{quoted(by_name)})", f"unknown entity {name!r} (entities: "
                             f"{quoted(by_name, 'en')})")
            needs[entity.name] = wanted & set(by_name)
            self.links(entity, by_name)
        done: list[EntitySpec] = []
        while len(done) < len(entities):
            ready = [e for e in entities if e not in done and needs[e.name] <= {d.name for d in done}]
            if not ready:
                names = [e.name for e in entities if e not in done]
                self.problem(f"{where}.entities", f"ces entités se citent en boucle : "
                             f"{quoted(names)}", f"these entities link to each other in a "
                             f"loop: {quoted(names, 'en')}")
                return done
            done += ready
        return done

    def links(self, entity: EntitySpec, by_name: dict[str, EntitySpec]) -> None:
        for column, value in entity.columns:
            for name in value.entities():
                target = by_name.get(name)
                if target is None:
                    continue
                if column.class_iri is None or not self.facts.is_instance(
                        {target.sheet.target_class}, column.class_iri):
                    self.problem(value.where, f"la colonne « {column.name('fr')} » ne peut pas "
                                 f"désigner une entité de la feuille « {target.sheet.name('fr')} »",
                                 f"column {column.name('en')!r} cannot name an entity of sheet "
                                 f"{target.sheet.name('en')!r}")


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_spec(file: str, data: Any, model: ShapesModel, facts: ModelFacts) -> tuple[
        MappingSpec, list[Problem]]:
    reader = _Reader(model, facts)
    spec = reader.mapping(file, data)
    return spec, reader.problems
