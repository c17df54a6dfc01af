"""The mapping language for foreign spreadsheets (docs/mapping.md): a YAML file that says
which entities each row of another system's export makes, and where their values come from.

>>> from ingest.mapping_spec import read_mapping_spec
>>> # read_mapping_spec("cordis").sheets["*"].entities[0].sheet.name("en")  -> 'Projects'
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from ..model_facts import model_facts
from ..shapes_model import shapes_model
from .problems import MappingError, Problem
from .schema import ANY_SHEET, MappingSpec, SheetSpec, read_spec

_BUNDLED = files(__package__) / "bundled"


def bundled_mappings() -> list[str]:
    """Names of the mappings shipped with the package (`--mapping cordis`)."""
    if not _BUNDLED.is_dir():
        return []
    return sorted(p.name[:-5] for p in _BUNDLED.iterdir() if p.name.endswith(".yaml"))


def mapping_text(path_or_name: Path | str) -> tuple[str, str]:
    """(name shown in messages, YAML text) of a mapping file or a bundled mapping's name."""
    path = Path(path_or_name)
    if not path.is_file() and str(path_or_name) in bundled_mappings():
        return str(path_or_name), (_BUNDLED / f"{path_or_name}.yaml").read_text(encoding="utf-8")
    try:
        return str(path), path.read_text(encoding="utf-8")
    except OSError as error:
        known = ", ".join(bundled_mappings())
        raise MappingError(str(path), [Problem(
            "", f"{error.strerror} (tables fournies : {known})",
            f"{error.strerror} (bundled mappings: {known})")]) from None


def read_mapping_spec(path_or_name: Path | str, lang: str = "fr") -> MappingSpec:
    """The checked mapping; every mistake of the file is reported at once (MappingError)."""
    name, text = mapping_text(path_or_name)
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark is not None else "?"
        raise MappingError(name, [Problem(line, "YAML invalide", "not valid YAML")],
                           lang) from None
    spec, problems = read_spec(name, data, shapes_model(), model_facts())
    if problems:
        raise MappingError(name, problems, lang)
    for sheet in spec.sheets.values():
        sheet.lang = lang
    return spec


def sheet_spec_for(sheets: dict[str, SheetSpec], name: str) -> SheetSpec | None:
    """The mapping of a sheet of the file: by its name (accents and case aside), else `*`."""
    return MappingSpec("", sheets).for_sheet(name)


__all__ = ["ANY_SHEET", "MappingError", "MappingSpec", "SheetSpec", "bundled_mappings",
           "read_mapping_spec", "sheet_spec_for"]
