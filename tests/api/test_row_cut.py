"""The row cap counts rows in the bytes pyoxigraph's serialiser writes: it must cut exactly
after `limit` rows, at a row boundary, whatever the literals hold and wherever the
serialiser's writes split the text. The rows are each engine's answer (`any_store`:
embedded, `oxigraph serve`, Virtuoso), as /sparql gets them."""

from __future__ import annotations

import csv
import io
import json
import random
import xml.etree.ElementTree as ET

import pytest
from pyoxigraph import Literal, NamedNode, QueryResultsFormat, Triple

from api.sparql.negotiation import RESULT_TYPES
from api.sparql.row_cut import CapReached, RowCut
from api.sparql.writers import Cap, write_solutions
from store import Store

GRAPH = NamedNode("http://example.org/graph")
RESULTS = "{http://www.w3.org/2005/sparql-results#}"
# bytes that look like row boundaries or string ends in either format
TRAPS = ['},{"s":{"type":"uri"', ',{}', '[{}', ',{', '[{"', '"', '\\', '\\"', '},{"',
         ',{"}', ',{",', '<result>', '</result>', '{}]', 'x},{', '\\\\"},{"o":',
         '\r\n', '\n', '\t', '","', '"\r\n"', '""', ',']
# rows binding nothing come from OPTIONAL: ?extra is bound on some subjects only
QUERY = ("SELECT ?extra ?value WHERE { ?s <http://example.org/p> ?v "
         "OPTIONAL { ?s <http://example.org/e> ?extra } "
         "BIND(IF(BOUND(?extra) && STRLEN(?extra) > 4, ?v, ?unset) AS ?value) } ORDER BY ?s")


class Collect:
    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.parts.append(bytes(data))

    @property
    def text(self) -> bytes:
        return b"".join(self.parts)


def hostile_store(store: Store, rows: int, seed: int) -> Store:
    """`store` given `rows` subjects; some rows bind nothing, the others hold the trap
    bytes."""
    rng = random.Random(seed)
    triples = []
    for number in range(rows):
        subject = NamedNode(f"http://example.org/s{number:04}")
        value = "".join(rng.choice(TRAPS) for _ in range(rng.randint(0, 6)))
        triples.append(Triple(subject, NamedNode("http://example.org/p"), Literal(value)))
        if rng.random() < 0.7:  # else the row binds nothing
            extra = "".join(rng.choice(TRAPS) for _ in range(rng.randint(0, 4)))
            triples.append(Triple(subject, NamedNode("http://example.org/e"), Literal(extra)))
    store.add(triples, GRAPH)
    return store


def cut_in_pieces(document: bytes, limit: int, format_name: str, seed: int) -> tuple[bytes, Cap]:
    """Feed `document` to a RowCut in writes of random sizes, as the serialiser would."""
    rng = random.Random(seed)
    sink, cap = Collect(), Cap(limit)
    cut = RowCut(sink, cap, format_name)
    at = 0
    try:
        while at < len(document):
            size = rng.choice([1, 2, 3, 5, 8, 64, 8192])
            cut.write(document[at:at + size])
            at += size
    except CapReached:
        return sink.text, cap
    cut.finish()
    return sink.text, cap


def json_rows(document: bytes) -> list[dict]:
    return json.loads(document)["results"]["bindings"]


def xml_rows(document: bytes) -> list[list[tuple[str | None, str | None]]]:
    results = ET.fromstring(document).find(f"{RESULTS}results")
    assert results is not None
    return [[(binding.get("name"), "".join(binding.itertext())) for binding in row]
            for row in results]


def csv_rows(document: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(document.decode(), newline="")))
    return rows[1:]


def tsv_rows(document: bytes) -> list[str]:
    return document.decode().split("\n")[1:-1]


def cuts(store: Store, seed: int, rows: int, results_format: QueryResultsFormat,
         limits: tuple[int, ...]) -> tuple[bytes, list[tuple[int, bytes, Cap]]]:
    """The whole document of `rows` hostile rows, and its cut at each limit."""
    whole = hostile_store(store, rows, seed).query(QUERY).serialize(format=results_format)
    assert whole is not None
    name = {QueryResultsFormat.JSON: "json", QueryResultsFormat.XML: "xml",
            QueryResultsFormat.CSV: "csv", QueryResultsFormat.TSV: "tsv"}[results_format]
    return whole, [(limit, *cut_in_pieces(whole, limit, name, seed * 100 + limit))
                   for limit in limits]


@pytest.mark.parametrize("seed", range(12))
def test_json_cut_keeps_exactly_the_first_rows_wherever_the_writes_split(
        any_store: Store, seed: int) -> None:
    whole, cut = cuts(any_store, seed, 60, QueryResultsFormat.JSON, (1, 2, 7, 30, 59, 60, 61))
    every_row = json_rows(whole)
    assert len(every_row) == 60 and {} in every_row  # the traps and empty rows are there
    for limit, text, cap in cut:
        document = json.loads(text)
        assert document["results"]["bindings"] == every_row[:limit]
        assert cap.truncated == (limit < 60)
        assert ("truncated" in document) == (limit < 60)
        if limit < 60:
            assert document["truncated"]["limit"] == limit


@pytest.mark.parametrize("seed", range(6))
def test_xml_cut_keeps_exactly_the_first_rows_wherever_the_writes_split(
        any_store: Store, seed: int) -> None:
    whole, cut = cuts(any_store, seed, 40, QueryResultsFormat.XML, (1, 13, 39, 40, 41))
    every_row = xml_rows(whole)
    for limit, text, cap in cut:
        assert xml_rows(text) == every_row[:limit]
        assert cap.truncated == (limit < 40)
        assert text.rstrip().endswith(b"</sparql>")
        assert (b"narrow the query or page through it" in text) == (limit < 40)


@pytest.mark.parametrize("seed", range(8))
def test_csv_cut_keeps_exactly_the_first_rows_wherever_the_writes_split(
        any_store: Store, seed: int) -> None:
    whole, cut = cuts(any_store, seed, 50, QueryResultsFormat.CSV, (1, 2, 9, 49, 50, 51))
    every_row = csv_rows(whole)
    assert len(every_row) == 50
    assert any("\r\n" in value for row in every_row for value in row)  # quoted line breaks
    assert ["", ""] in every_row  # a row binding nothing
    for limit, text, cap in cut:
        assert csv_rows(text) == every_row[:limit]
        assert text == whole[:len(text)] and text.endswith(b"\r\n")
        assert cap.truncated == (limit < 50)


@pytest.mark.parametrize("seed", range(8))
def test_tsv_cut_keeps_exactly_the_first_rows_wherever_the_writes_split(
        any_store: Store, seed: int) -> None:
    whole, cut = cuts(any_store, seed, 50, QueryResultsFormat.TSV, (1, 2, 9, 49, 50, 51))
    every_row = tsv_rows(whole)
    assert len(every_row) == 50 and "\t" in every_row
    for limit, text, cap in cut:
        assert tsv_rows(text) == every_row[:limit]
        assert text == whole[:len(text)] and text.endswith(b"\n")
        assert cap.truncated == (limit < 50)


def test_the_serialiser_is_stopped_at_the_cap_and_nothing_follows_the_ending(
        any_store: Store) -> None:
    """Through write_solutions: pyoxigraph flushes its buffer as the stop unwinds it; those
    bytes must not reach the client after the document's end."""
    store = any_store
    store.add([Triple(NamedNode(f"http://example.org/s{number:05}"),
                      NamedNode("http://example.org/p"), Literal("x" * 40))
               for number in range(5000)], GRAPH)
    media = {media.name: media for media in RESULT_TYPES}
    sink, cap = Collect(), Cap(1000)
    write_solutions(store.query("SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s"), media["json"],
                    sink, cap)
    document = json.loads(sink.text)
    assert len(document["results"]["bindings"]) == 1000 and cap.truncated
    assert document["results"]["bindings"][-1]["s"]["value"] == "http://example.org/s00999"
    sink, cap = Collect(), Cap(1000)
    write_solutions(store.query("SELECT ?s WHERE { ?s ?p ?o }"), media["xml"], sink, cap)
    assert len(xml_rows(sink.text)) == 1000 and cap.truncated
