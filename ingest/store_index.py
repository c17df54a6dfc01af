"""Identifiers of the entities the store already holds, so that a reference cell naming an
actor loaded from another file resolves to that actor's IRI."""

from __future__ import annotations

from pyoxigraph import NamedNode

from store.namespaces import RDF, slug

from .batch_view import StoreView
from .model_facts import ModelFacts
from .shapes_model import ShapesModel


def identifier_index(store: StoreView, model: ShapesModel, facts: ModelFacts,
                     exclude: NamedNode | None) -> dict[str, dict[str, str | None]]:
    """iri type -> slug(identifier) -> IRI, for classes that reference cells point at."""
    index: dict[str, dict[str, str | None]] = {}
    referenced = {c.class_iri for s in model.sheets for c in s.columns if c.class_iri}
    not_replaced = f"FILTER (?g != {exclude})" if exclude is not None else ""
    for sheet in model.sheets:
        if sheet.target_class not in referenced:
            continue
        paths = ({p for p, _ in sheet.key_alternatives} | set(sheet.key_parts)
                 | (facts.identifier_properties & {c.path for c in sheet.columns}))
        values = " ".join(f"<{p}>" for p in sorted(paths))
        rows = store.query(
            f"SELECT ?s ?v WHERE {{ GRAPH ?g {{ ?s <{RDF}type> <{sheet.target_class}> ; ?p ?v }} "
            f"VALUES ?p {{ {values} }} {not_replaced} }}")
        found = index.setdefault(sheet.iri_type, {})
        for row in rows:
            iri = row["s"].value
            for key in (slug(row["v"].value), iri.rsplit("/", 1)[-1]):
                if key and found.setdefault(key, iri) != iri:
                    found[key] = None
    return index
