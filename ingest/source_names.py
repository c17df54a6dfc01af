"""A source's identity: the name its named graph, its key namespace and `tsr sources` go by.

Given (`tsr ingest --source NAME`), or derived from the file's folder and name, so that two
coordinators' `projets.csv` kept in two folders are two sources, never one replaced by the
other. The graph is `{base}graph/source/{slug(name)}` and keys that identify only within a
source (a project code, a bare name) are minted in the namespace `slug(name)`
(ontology/CONVENTIONS.md, "Sources").

>>> source_name(Path("/data/reseau-a/projets.csv"))
'reseau-a/projets.csv'
>>> source_name(Path("/data/reseau-a/projets.csv"), "Réseau A, projets")
'Réseau A, projets'
>>> key_namespace("reseau-a/projets.csv")
'reseau-a-projets-csv'
"""

from __future__ import annotations

from pathlib import Path

from store.namespaces import slug
from store.rdf_files import BadInputError


def source_name(path: Path, given: str | None = None) -> str:
    """`given` when there is one, else "{folder}/{file name}" (the file name alone at /)."""
    if given is not None:
        if not slug(given):
            raise BadInputError(f"--source {given!r}: a source name needs letters or digits")
        return given.strip()
    folder = path.absolute().parent.name
    return f"{folder}/{path.name}" if folder else path.name


def key_namespace(name: str) -> str:
    """The namespace of a source's local keys: its name as a slug (that of its graph)."""
    return slug(name)
