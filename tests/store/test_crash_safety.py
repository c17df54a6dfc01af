"""A writer killed with SIGKILL in the middle of a big replacement leaves a consistent store.

The child process really dies (`kill -9` on itself from inside the triple stream, so the
moment is exact); the parent reopens the store and checks which version it holds.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from pyoxigraph import NamedNode

from store.embedded import _JOURNAL, _REPLACES, EmbeddedStore

GRAPH = "http://example.org/graph"
OTHER = "http://example.org/other"

CHILD = textwrap.dedent("""
    import os, signal, sys
    from pyoxigraph import Literal, NamedNode, Triple
    from store.embedded import EmbeddedStore

    path, version, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    graph = NamedNode("GRAPH_IRI")

    def triples():
        for i in range(60_000):
            if i == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            yield Triple(NamedNode(f"http://example.org/s{i}"), NamedNode("http://example.org/v"),
                         Literal(version))

    store = EmbeddedStore(path)
    store.replace_graph(graph, triples(),
                        with_update='INSERT DATA { GRAPH <OTHER_IRI> { <http://example.org/load> '
                                    '<http://example.org/version> "' + version + '" } }')
    store.close()
""").replace("GRAPH_IRI", GRAPH).replace("OTHER_IRI", OTHER)


def run_child(path: Path, version: str, kill_at: int) -> int:
    result = subprocess.run([sys.executable, "-c", CHILD, str(path), version, str(kill_at)],
                            capture_output=True, text=True, timeout=300)
    return result.returncode


def versions(path: Path) -> tuple[set[str], set[str], int]:
    store = EmbeddedStore(str(path))
    try:
        in_graph = {row["v"].value for row in store.query(
            f"SELECT DISTINCT ?v WHERE {{ GRAPH <{GRAPH}> {{ ?s <http://example.org/v> ?v }} }}")}
        recorded = {row["v"].value for row in store.query(
            f"SELECT ?v WHERE {{ GRAPH <{OTHER}> {{ ?s <http://example.org/version> ?v }} }}")}
        return in_graph, recorded, store.count(NamedNode(GRAPH))
    finally:
        store.close()


def test_kill_during_first_load_leaves_no_graph(tmp_path: Path) -> None:
    assert run_child(tmp_path, "v1", kill_at=55_000) == -9
    assert versions(tmp_path) == (set(), set(), 0)


def test_kill_during_replacement_keeps_the_old_version(tmp_path: Path) -> None:
    assert run_child(tmp_path, "v1", kill_at=-1) == 0
    assert versions(tmp_path) == ({"v1"}, {"v1"}, 60_000)
    assert run_child(tmp_path, "v2", kill_at=58_000) == -9
    assert versions(tmp_path) == ({"v1"}, {"v1"}, 60_000)
    assert run_child(tmp_path, "v2", kill_at=-1) == 0
    assert versions(tmp_path) == ({"v2"}, {"v1", "v2"}, 60_000)


def test_crash_after_the_commit_point_is_rolled_forward(tmp_path: Path) -> None:
    assert run_child(tmp_path, "v1", kill_at=-1) == 0
    # what a writer killed right after the commit point leaves: the journal entry, the full
    # staging graph, and the old graph half removed
    store = EmbeddedStore(str(tmp_path))
    staging = NamedNode("urn:tsr:staging:crashed")
    store.update(f"""
        INSERT {{ GRAPH {staging} {{ ?s <http://example.org/v> "v2" }} }}
        WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }} ;
        INSERT DATA {{ GRAPH {_JOURNAL} {{ {staging} {_REPLACES} <{GRAPH}> }} }} ;
        DELETE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}
        WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o FILTER(STRENDS(STR(?s), "7")) }} }}
    """)
    store.close()
    in_graph, _, count = versions(tmp_path)
    assert (in_graph, count) == ({"v2"}, 60_000)
    reopened = EmbeddedStore(str(tmp_path))
    try:
        assert [g.name.value for g in reopened.graphs()] == [GRAPH, OTHER]
    finally:
        reopened.close()
