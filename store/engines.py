"""What the remote backend needs to know about the SPARQL engine behind it: one profile each.

The remote backend (store/remote.py) is written to the SPARQL 1.1 standards. Where an engine
departs from them, the difference is one field of its profile here, named and explained,
and a test in tests/store/test_engines.py shows the departure on the real engine. Another
engine (Fuseki, GraphDB, QLever) needs a profile at most; `generic` assumes the standards.

The profile is chosen by the `engine` setting (TSR_ENGINE), or detected from the `Server`
header of the query endpoint's first answer.
"""

from __future__ import annotations

from dataclasses import dataclass

STANDARD_GRAPH_LISTING = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g"


@dataclass(frozen=True)
class EngineProfile:
    name: str
    # Graphs the engine keeps for itself (IRI prefixes): never listed, counted, dumped or
    # dropped by the observatory.
    system_graphs: tuple[str, ...] = ()
    # The query listing the named graphs (one row per graph, variable ?g).
    graph_listing: str = STANDARD_GRAPH_LISTING
    # A response header by which the engine says it cut an answer at its row limit (the
    # backend then fails instead of returning a silently shortened answer).
    truncation_header: str | None = None
    # A Graph Store PUT replaces the graph in one transaction (readers see old or new).
    atomic_graph_put: bool = True
    # A SPARQL Update request of several operations is applied all or nothing.
    atomic_update: bool = True
    # The default graph is the union of the named graphs, with no triples of its own (the
    # standard leaves it to the engine; the backend then never clears it, and counts only
    # the named graphs).
    union_default_graph: bool = False
    # The engine merges the protocol's dataset (default-graph-uri, named-graph-uri) with the
    # query's FROM clauses, and takes its own for a part the request leaves out, where the
    # standard has the protocol's dataset replace the query's and an unnamed part empty.
    # The backend then sends the query without its FROM clauses and names every part (a
    # graph that never exists for an empty one). Restricted graphs depend on it.
    merges_protocol_dataset: bool = False
    # The engine reads request bodies sent in chunks (Transfer-Encoding: chunked). If not,
    # triples go in pieces of known length, and a graph replaced by more than one piece is
    # filled in a hidden graph first, then swapped in by one update.
    chunked_request_bodies: bool = True
    # Fixes to SELECT answers (SPARQL JSON), applied as they stream in: regular expression
    # and replacement, each matching less than 200 bytes.
    results_rewrites: tuple[tuple[bytes, bytes], ...] = ()
    # CONSTRUCT answers and Graph Store reads are cut at the engine's row limit without a
    # word: the backend counts a graph before reading it whole and fails if it got fewer.
    silent_row_limit: bool = False
    # A VALUES clause after the WHERE group is refused but in a SELECT ("BINDINGS is not
    # supported at top level"): the backend moves it to the start of the WHERE group.
    trailing_values_in_select_only: bool = False
    # Parameters travel as BIND clauses at the start of the WHERE group instead of a VALUES
    # block (the same solutions in the standard): for an engine that reads a VALUES block
    # wrongly beside sub-SELECTs and EXISTS.
    parameters_as_bind: bool = False
    # The text of a REPLACE result is not matched right by a later REPLACE: the backend
    # wraps each REPLACE call in CONCAT( ) (the same value in the standard).
    reread_replace_results: bool = False
    # The result of LCASE or UCASE is not ordered with other strings by code point (ORDER
    # BY, MIN, MAX): the backend wraps each LCASE and UCASE call in CONCAT( ) (the same
    # value in the standard).
    reread_case_results: bool = False
    # Readers never see a request of several update operations half done. If not, a source
    # replaced by `tsr ingest` (DROP, then ADD of its staged copy, in one request) can be
    # read empty or partly filled while the request runs.
    isolated_update: bool = True
    # The Server header of the engine's answers starts with this (for detection).
    server_header: str | None = None

    @property
    def rewrapped_calls(self) -> frozenset[str]:
        """The functions whose calls the backend wraps in CONCAT( ) for this engine."""
        return frozenset({"REPLACE"} if self.reread_replace_results else set()) | frozenset(
            {"LCASE", "UCASE"} if self.reread_case_results else set())

    def is_system_graph(self, iri: str) -> bool:
        return iri.startswith(self.system_graphs) if self.system_graphs else False


GENERIC = EngineProfile("generic")

OXIGRAPH = EngineProfile("oxigraph", server_header="Oxigraph")

VIRTUOSO = EngineProfile(
    "virtuoso",
    server_header="Virtuoso",
    # its schema graphs (virtrdf#: the quad map that SPARQL itself depends on; dropping it
    # breaks the server), the LDP vocabulary and the URIQA description it ships with
    system_graphs=("http://www.openlinksw.com/", "http://www.w3.org/ns/ldp#",
                   "http://localuriqaserver/"),
    # FROM <g> in the text is added to default-graph-uri's graphs, GRAPH ?g sees every
    # graph when only default-graph-uri is given
    merges_protocol_dataset=True,
    # no default graph of its own: `CLEAR DEFAULT` is refused (SP031), queries without a
    # dataset see every graph (the backend always names the dataset)
    union_default_graph=True,
    # a chunked Graph Store body is not read: the answer is 201 with nothing stored, and
    # the body's bytes are then taken for the next request on the connection (501)
    chunked_request_bodies=False,
    # a request of several operations is not undone when one fails (the first ones stay),
    # and readers see its operations as they happen (a replaced graph read empty)
    atomic_update=False,
    isolated_update=False,
    trailing_values_in_select_only=True,
    # with a VALUES block, a sub-SELECT, an EXISTS in a BIND and an OPTIONAL filtering on
    # the VALUES variable, rows whose EXISTS is false were lost (cq02 as it was: 73 rows of
    # 81), or the query never answered (a few triples, the engine idle and stuck after it);
    # the same with BIND clauses answered right
    parameters_as_bind=True,
    # a REPLACE given another REPLACE's result (an accent fold: REPLACE(REPLACE(LCASE(?name),
    # "[àáâãäå]", "a"), "[èéêë]", "e")) matches no accented letter of a stored value: the
    # search found nothing for "savoirs partages" ("Savoirs Partagés"); CONCAT( ) around the
    # inner call makes it a string the later REPLACE reads
    reread_replace_results=True,
    # ORDER BY LCASE(STR(?name)) put "agence de la transition écologique" before "aaa
    # première" (and MIN(LCASE(...)), the sort key of the curated lists and the search, a
    # new "AAA première" after "Agence..."); the same inside CONCAT( ) is ordered right
    reread_case_results=True,
    # `GRAPH ?g { }` gives one empty row instead of a row per graph
    graph_listing="SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g",
    # SELECT answers longer than [SPARQL] ResultSetMaxRows are cut, said only by this
    # header; CONSTRUCT answers and Graph Store reads are cut without it
    truncation_header="X-SPARQL-MaxRows",
    silent_row_limit=True,
    results_rewrites=(
        # blank node labels `nodeID://b10000` (not a valid label): `b10000`
        (rb'("type":\s*"bnode",\s*"value":\s*")nodeID://', rb"\1"),
        # booleans written `1` and `0` (valid, not canonical: `"true" = ?flag` fails)
        (rb'("datatype":\s*"http://www.w3.org/2001/XMLSchema#boolean",\s*"value":\s*")1"',
         rb'\1true"'),
        (rb'("datatype":\s*"http://www.w3.org/2001/XMLSchema#boolean",\s*"value":\s*")0"',
         rb'\1false"'),
    ),
)

PROFILES = {profile.name: profile for profile in (GENERIC, OXIGRAPH, VIRTUOSO)}


def profile_for_server(server_header: str | None) -> EngineProfile:
    """The profile of the engine that sent this `Server` header (generic if unknown)."""
    for profile in PROFILES.values():
        if profile.server_header and (server_header or "").startswith(profile.server_header):
            return profile
    return GENERIC
