"""The YAML mapping file for foreign spreadsheets: see :mod:`ingest.mapping_spec` and
docs/mapping.md. The simple form (one template sheet, headers renamed) still reads::

    sheets:
      "Export structures":        # sheet of the file (a CSV's file name without .csv)
        sheet: Acteurs            # the template sheet (French or English name)
        columns: {"Raison sociale": Nom, "Ville": Commune}
        split: {"SIREN / RNA": {separator: "/", into: [SIREN, RNA]}}
        constants: {"Type d'acteur": association}
        ignore: [Commentaire]
"""

from __future__ import annotations

from pathlib import Path

from .mapping_spec import SheetSpec, read_mapping_spec

SheetMapping = SheetSpec


def read_mapping(path: Path | str, lang: str = "fr") -> dict[str, SheetSpec]:
    """File sheet name (or `*`) -> what it becomes; every mistake is reported at once."""
    return read_mapping_spec(path, lang).sheets
