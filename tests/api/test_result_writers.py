"""The SPARQL JSON writer builds its text by hand for speed: it must say what the W3C
format says for every kind of term, however hostile the value: the terms as each engine
hands them over (`any_store`: embedded, `oxigraph serve`, Virtuoso)."""

from __future__ import annotations

import json

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from api.sparql.negotiation import RESULT_TYPES
from api.sparql.writers import Cap, write_solutions
from store import Store

XSD = "http://www.w3.org/2001/XMLSchema#"
GRAPH = NamedNode("http://example.org/graph")
HOSTILE = 'quote " backslash \\ newline \n tab \t nul \x00 bell \x07 é 漢 \U0001f600 </script>'


class Collect:
    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.parts.append(bytes(data))


def results_json(store: Store, query: str, limit: int = 1000) -> tuple[dict, Cap]:
    media = next(media for media in RESULT_TYPES if media.name == "json")
    sink, cap = Collect(), Cap(limit)
    write_solutions(store.query(query), media, sink, cap)
    return json.loads(b"".join(sink.parts)), cap


def test_every_kind_of_term_is_written_as_the_format_says(any_store: Store) -> None:
    store = any_store
    subject = NamedNode("http://example.org/s")
    values = [
        NamedNode("http://example.org/o?q=%22x%22&r=é"),
        BlankNode("b1"),
        Literal(HOSTILE),
        Literal(HOSTILE, language="fr"),
        Literal("12", datatype=NamedNode(f"{XSD}integer")),
    ]
    store.add([Triple(subject, NamedNode(f"http://example.org/p{number}"), value)
               for number, value in enumerate(values)], GRAPH)
    document, cap = results_json(
        store, "SELECT ?p ?o ?unbound WHERE { ?s ?p ?o } ORDER BY ?p")
    assert document["head"] == {"vars": ["p", "o", "unbound"]}
    assert not cap.truncated and "truncated" not in document
    objects = [row["o"] for row in document["results"]["bindings"]]
    # a blank node's label is the engine's own (the standard keeps only its identity)
    assert objects[1]["type"] == "bnode" and objects[1]["value"]
    objects[1] = {"type": "bnode"}
    assert objects == [
        {"type": "uri", "value": "http://example.org/o?q=%22x%22&r=é"},
        {"type": "bnode"},
        {"type": "literal", "value": HOSTILE},
        {"type": "literal", "value": HOSTILE, "xml:lang": "fr"},
        {"type": "literal", "value": "12", "datatype": f"{XSD}integer"},
    ]
    assert all("unbound" not in row for row in document["results"]["bindings"])


def test_a_result_longer_than_one_write_batch_and_the_cap(any_store: Store) -> None:
    store = any_store
    store.add([Triple(NamedNode(f"http://example.org/s{number:03}"),
                      NamedNode("http://example.org/p"), Literal(number))
               for number in range(300)], GRAPH)
    document, cap = results_json(store, "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s", limit=200)
    subjects = [row["s"]["value"] for row in document["results"]["bindings"]]
    assert subjects == [f"http://example.org/s{number:03}" for number in range(200)]
    assert cap.truncated
    assert document["truncated"]["limit"] == 200
