"""`tsr mapping init` (a starter mapping from a file's headers) and `tsr mapping preview`
(the first rows of a file as the entities a mapping makes of them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pyoxigraph import Literal, NamedNode

from store.namespaces import XSD, DataIris, slug

from ..file_entities import FileEntities
from ..headers import IGNORED_SHEETS
from ..mapping import Entity, Resolver
from ..model_facts import ModelFacts, model_facts
from ..readers import open_workbook
from ..shapes_model import ShapesModel, Sheet, shapes_model
from ..source_names import key_namespace, source_name
from . import bundled_mappings, read_mapping_spec, sheet_spec_for
from .expand import Repeats, bind_sheet
from .schema import column_named

PREVIEW_ROWS = 5


def _key(text: str) -> str:
    """A YAML key or value written safely (quoted when YAML would read it otherwise)."""
    dumped = yaml.safe_dump(text, allow_unicode=True, default_flow_style=True, width=1000)
    return dumped.removesuffix("\n...\n").strip()


def starter_mapping(path: Path, lang: str = "fr", model: ShapesModel | None = None) -> str:
    """A mapping for `path` where each sheet feeds the template sheet that knows most of its
    headers; headers that match no column go to `ignore`, required columns that no header
    gives are left as comments to fill in."""
    model = model or shapes_model()
    workbook = open_workbook(path)
    lines = [f"# Starter mapping for {path.name}, written by `tsr mapping init`.",
             f"# Check it, then: tsr mapping preview {path.name} --mapping THIS_FILE",
             "# Every key is explained in docs/mapping.md."]
    all_headers = set()
    for raw in workbook.sheets:
        first = next(raw.rows(), None)
        all_headers |= {slug(str(c)) for c in (first[1] if first else []) if c is not None}
    for name in _fitting_bundled(all_headers):
        lines.append(f"# The mapping shipped with tsr for this kind of export may do: "
                     f"tsr ingest {path.name} --mapping {name}")
    lines.append("sheets:")
    for raw in workbook.sheets:
        if slug(raw.name) in IGNORED_SHEETS:
            continue
        header = next(raw.rows(), None)
        if header is None:
            continue
        headers = [str(c).strip() for c in header[1] if c is not None and str(c).strip()]
        sheet = _best_sheet(model, headers)
        matched = {h: column_named(sheet, h) for h in headers}
        lines += [f"  {_key(raw.name)}:", "    entities:", f"      {slug(sheet.name(lang))}:",
                  f"        sheet: {_key(sheet.name(lang))}", "        columns:"]
        given = set()
        for header_text, column in matched.items():
            if column is not None and column.path not in given:
                given.add(column.path)
                lines.append(f"          {_key(column.name(lang))}: {_key(header_text)}")
        for column in sheet.columns:
            if column.min_count and column.path not in given and column.default_value is None:
                note = "obligatoire" if lang == "fr" else "required"
                lines.append(f"          # {_key(column.name(lang))}: ?   ({note})")
        unmatched = [h for h, c in matched.items() if c is None]
        if unmatched:
            note = ("colonnes du fichier sans colonne du modèle du même nom" if lang == "fr"
                    else "columns of the file that no template column is named after")
            lines += [f"    # {note}:",
                      f"    ignore: [{', '.join(_key(h) for h in unmatched)}]"]
    return "\n".join(lines) + "\n"


def _fitting_bundled(headers: set[str]) -> list[str]:
    """Bundled mappings every header of which the file has."""
    fitting = []
    for name in bundled_mappings():
        spec = read_mapping_spec(name)
        wanted = {slug(h) for sheet in spec.sheets.values() for entity in sheet.entities
                  for _, value in entity.columns for h in value.headers()}
        wanted |= {slug(e.each.column) for sheet in spec.sheets.values()
                   for e in sheet.entities if e.each is not None and e.each.column}
        if wanted and wanted <= headers:
            fitting.append(name)
    return fitting


def _best_sheet(model: ShapesModel, headers: list[str]) -> Sheet:
    def matches(sheet: Sheet) -> int:
        return sum(1 for h in headers if column_named(sheet, h) is not None)

    return max(model.sheets, key=lambda s: (matches(s), -s.order))


@dataclass
class PreviewEntity:
    sheet: str
    row: int
    template_sheet: str
    iri: str
    values: list[tuple[str, str]]
    repeat_of: int | None = None
    conflict: str | None = None


@dataclass
class Preview:
    entities: list[PreviewEntity] = field(default_factory=list)
    unused: dict[str, list[str]] = field(default_factory=dict)  # sheet -> headers feeding nothing

    def text(self, lang: str = "fr") -> str:
        lines: list[str] = []
        last: tuple[str, int] | None = None
        for entity in self.entities:
            if (entity.sheet, entity.row) != last:
                last = (entity.sheet, entity.row)
                lines.append(f"{entity.sheet}, {'ligne' if lang == 'fr' else 'row'} {entity.row}")
            if entity.conflict is not None:
                lines.append(f"  {entity.template_sheet} {entity.iri}: {entity.conflict}")
                continue
            if entity.repeat_of is not None:
                same = "même entité qu'à la ligne" if lang == "fr" else "same entity as row"
                lines.append(f"  {entity.template_sheet} {entity.iri} ({same} "
                             f"{entity.repeat_of})")
                continue
            lines.append(f"  {entity.template_sheet} {entity.iri}")
            lines += [f"    {name}: {value}" for name, value in entity.values]
        for sheet, headers in self.unused.items():
            head = "colonnes qui ne donnent rien" if lang == "fr" else "columns that feed nothing"
            lines.append(f"{sheet}, {head}: {', '.join(headers)}")
        return "\n".join(lines) + "\n"


def preview(path: Path, mapping: Path | str, rows: int = PREVIEW_ROWS, lang: str = "fr",
            base: str = "https://data.tsr-observatory.org/",
            source: str | None = None) -> Preview:
    """The entities the first `rows` rows of each mapped sheet make (no validation), with
    the IRIs `tsr ingest` would mint for source `source` (default: the file's folder and
    name)."""
    spec = read_mapping_spec(mapping, lang)
    model, facts = shapes_model(), model_facts()
    iris = DataIris(base)
    entities = FileEntities()
    resolver = Resolver(model, facts, iris, {}, entities,
                        namespace=key_namespace(source_name(path, source)))
    found = Preview()
    repeats = Repeats(str(path))
    try:
        for raw in open_workbook(path).sheets:
            sheet_spec = sheet_spec_for(spec.sheets, raw.name)
            if sheet_spec is None or sheet_spec.skip:
                continue
            if sheet_spec.name != raw.name and slug(raw.name) in IGNORED_SHEETS:
                continue
            iterator = raw.rows()
            header = next(iterator, None)
            if header is None:
                continue
            plan = bind_sheet(sheet_spec, str(path), raw.name, header[0], header[1], model,
                              facts, resolver, spec.file, lang)
            resolver.expect_references(plan.bound_sheets)
            plan.remember = False  # every repeat is shown
            if plan.unused:
                found.unused[raw.name] = plan.unused
            seen: dict[str, int] = {}
            for count, (number, cells) in enumerate(iterator):
                if count >= rows:
                    break
                for entity in plan.expand(number, cells):
                    new, conflict = repeats.check(entity)
                    shown = _shown(entity, base, facts, lang,
                                   None if new else seen.get(entity.subject.value))
                    if conflict is not None:
                        shown.conflict = conflict.message(lang)
                    found.entities.append(shown)
                    seen.setdefault(entity.subject.value, number)
    finally:
        entities.close()
    return found


def _shown(entity: Entity, base: str, facts: ModelFacts, lang: str,
           repeat_of: int | None) -> PreviewEntity:
    values = []
    for column in entity.sheet.columns:
        for obj in entity.values.get(column.path, []):
            values.append((column.name(lang), _term(obj, base, facts)))
    return PreviewEntity(entity.file_sheet, entity.row, entity.sheet.name(lang),
                         _term(entity.subject, base, facts), values, repeat_of)


def _term(term: object, base: str, facts: ModelFacts) -> str:
    if isinstance(term, NamedNode):
        concept = facts.concepts.get(term.value)
        if concept is not None and concept.notation:
            return concept.notation
        return term.value.removeprefix(base)
    if isinstance(term, Literal):
        datatype = term.datatype.value
        if datatype == XSD + "string":
            return term.value
        return f"{term.value} ({datatype.removeprefix(XSD)})"
    return str(term)
