"""The YAML mapping file for foreign spreadsheets: which sheet is which, header renames,
columns split in two, constant values, columns to ignore. Example::

    sheets:
      "Export structures":        # sheet of the file (a CSV's file name without .csv)
        sheet: Acteurs            # the template sheet (French or English name)
        columns: {"Raison sociale": Nom, "Ville": Commune}
        split: {"SIREN / RNA": {separator: "/", into: [SIREN, RNA]}}
        constants: {"Type d'acteur": association}
        ignore: [Commentaire]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from store.rdf_files import BadInputError


@dataclass
class SheetMapping:
    target: str
    renames: dict[str, str] = field(default_factory=dict)
    splits: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    ignore: set[str] = field(default_factory=set)


def read_mapping(path: Path) -> dict[str, SheetMapping]:
    """File sheet name -> mapping; every mistake is one line naming the file and key."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BadInputError(f"{path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise BadInputError(f"{path}:{line} not valid YAML") from None
    if not isinstance(data, dict) or not isinstance(data.get("sheets"), dict):
        raise BadInputError(f"{path}: a mapping file needs a top-level 'sheets:' table")
    mappings = {}
    for name, spec in data["sheets"].items():
        mappings[str(name)] = _sheet_mapping(path, str(name), spec)
    return mappings


def _sheet_mapping(path: Path, name: str, spec: Any) -> SheetMapping:
    where = f"{path}: sheets.{name}"
    if not isinstance(spec, dict) or not isinstance(spec.get("sheet"), str):
        raise BadInputError(f"{where}: needs 'sheet: <template sheet name>'")
    unknown = set(spec) - {"sheet", "columns", "split", "constants", "ignore"}
    if unknown:
        raise BadInputError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    mapping = SheetMapping(spec["sheet"])
    for header, target in (spec.get("columns") or {}).items():
        if target is None:
            mapping.ignore.add(str(header))
        else:
            mapping.renames[str(header)] = str(target)
    for header, split in (spec.get("split") or {}).items():
        if not isinstance(split, dict) or not isinstance(split.get("into"), list):
            raise BadInputError(f"{where}.split.{header}: needs 'into: [column, ...]'")
        mapping.splits[str(header)] = (str(split.get("separator", ";")),
                                       [str(t) for t in split["into"]])
    mapping.constants = {str(k): str(v) for k, v in (spec.get("constants") or {}).items()}
    mapping.ignore |= {str(h) for h in spec.get("ignore") or []}
    return mapping
