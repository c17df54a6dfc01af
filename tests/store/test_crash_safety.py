"""A writer killed with SIGKILL in the middle of a big replacement leaves a consistent store.

The child process really dies (`kill -9` on itself, from inside the triple stream or just
before one of the engine's write calls, so the moment is exact); the parent reopens the
store (which runs the recovery) and checks which version it holds.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from store.embedded import _JOURNAL, _REPLACES, _SMALL_REPLACE, EmbeddedStore
from store.namespaces import STAGING_PREFIX

GRAPH = "http://example.org/graph"
OTHER = "http://example.org/other"

CHILD = textwrap.dedent("""
    import os, signal, sys
    from pyoxigraph import Literal, NamedNode, Triple
    import store.embedded as store_module
    from store.embedded import EmbeddedStore

    path, version = sys.argv[1:3]
    kill_at, kill_before_write, size, small = (int(a) for a in sys.argv[3:7])
    store_module._SMALL_REPLACE = small  # staged above this many triples
    graph = NamedNode("GRAPH_IRI")
    WRITES = {"update", "extend", "bulk_extend", "bulk_load", "load", "add", "remove",
              "remove_graph", "clear_graph", "add_graph", "clear"}

    class KillingStore:
        '''The engine, killing this process just before its write call number N.'''
        writes = 0

        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            attribute = getattr(self.inner, name)
            if name not in WRITES:
                return attribute

            def write(*args, **kwargs):
                if KillingStore.writes == kill_before_write:
                    os.kill(os.getpid(), signal.SIGKILL)
                KillingStore.writes += 1
                return attribute(*args, **kwargs)
            return write

    def triples():
        for i in range(size):
            if i == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            yield Triple(NamedNode(f"http://example.org/s{i}"), NamedNode("http://example.org/v"),
                         Literal(version))

    store = EmbeddedStore(path)
    store._store = KillingStore(store._store)
    store.replace_graph(graph, triples(),
                        with_update='INSERT DATA { GRAPH <OTHER_IRI> { <http://example.org/load> '
                                    '<http://example.org/version> "' + version + '" } }')
    store._store = store._store.inner
    store.close()
    print(KillingStore.writes)
""").replace("GRAPH_IRI", GRAPH).replace("OTHER_IRI", OTHER)


def child(path: Path, version: str, kill_at: int, kill_before_write: int = -1,
          size: int = 60_000, small: int = _SMALL_REPLACE) -> subprocess.CompletedProcess[str]:
    """Replace the graph with `size` triples of `version`, staged above `small` triples."""
    return subprocess.run([sys.executable, "-c", CHILD, str(path), version, str(kill_at),
                           str(kill_before_write), str(size), str(small)],
                          capture_output=True, text=True, timeout=300)


def run_child(path: Path, version: str, kill_at: int, kill_before_write: int = -1,
              size: int = 60_000, small: int = _SMALL_REPLACE) -> int:
    return child(path, version, kill_at, kill_before_write, size, small).returncode


def versions(path: Path, hidden: list[str] | None = None) -> tuple[set[str], set[str], int]:
    """The versions in the graph, the versions recorded (by `with_update`), the count; the
    hidden graphs left after the recovery go to `hidden`."""
    store = EmbeddedStore(str(path))
    try:
        in_graph = {row["v"].value for row in store.query(
            f"SELECT DISTINCT ?v WHERE {{ GRAPH <{GRAPH}> {{ ?s <http://example.org/v> ?v }} }}")}
        recorded = {row["v"].value for row in store.query(
            f"SELECT ?v WHERE {{ GRAPH <{OTHER}> {{ ?s <http://example.org/version> ?v }} }}")}
        if hidden is not None:
            hidden += [g.value for g in store.oxigraph.named_graphs()
                       if g.value.startswith(STAGING_PREFIX)]
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


def test_kill_before_every_write_of_a_replacement_leaves_old_or_new(tmp_path: Path) -> None:
    """The commit point and every step of the roll-forward: killed just before each engine
    write call of a staged replacement, the store reopens with exactly the old version
    (graph and record) or exactly the new one, and no hidden graph. (Before the fix, a kill
    between the removal of the staging graph and its journal entry left an empty graph
    whose record said it was full.)"""
    small = {"size": 3_000, "small": 1_000}  # staged like a big file, in a fraction of the time
    assert run_child(tmp_path / "count", "v1", kill_at=-1, **small) == 0
    uninterrupted = child(tmp_path / "count", "v2", kill_at=-1, **small)
    writes = int(uninterrupted.stdout.split()[-1])
    assert writes >= 5  # stage, commit, clear, copy, forget: the protocol's steps
    states = []
    for write in range(writes + 1):
        location = tmp_path / f"kill-{write}"
        assert run_child(location, "v1", kill_at=-1, **small) == 0
        assert run_child(location, "v2", kill_at=-1, kill_before_write=write, **small) == (
            -9 if write < writes else 0)
        hidden: list[str] = []
        in_graph, recorded, count = versions(location, hidden)
        state = "new" if "v2" in recorded else "old"
        assert (in_graph, count) == ({"v2" if state == "new" else "v1"}, 3_000), write
        assert hidden == [], write
        states.append(state)
    assert states[0] == "old" and states[-1] == "new"


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


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
