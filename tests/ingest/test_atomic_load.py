"""A load is all or nothing, even for a process killed with SIGKILL, and readers see the old
graph or the new one, never a part."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from ingest.pipeline import ingest_files
from ingest.source_names import source_name
from ingest.sources import list_sources
from store import Settings, open_store
from store.namespaces import PROV, STAGING_PREFIX, DataIris
from store.remote import RemoteStore

from ..conftest import REMOTE_ENGINES, empty_remote_env, remote_settings
from .conftest import EXAMPLES

TSR = str(Path(sys.executable).with_name("tsr"))
IRIS = DataIris(Settings().base_iri)


def actors_csv(path: Path, rows: int, offset: int = 0) -> Path:
    lines = ["Nom;Type d'acteur;SIREN;Commune;Date de création"]
    lines += [f"Association n°{i};Association;{100000000 + i:09d};Lyon;01/02/2003"
              for i in range(offset, offset + rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def snapshot(location: Path) -> tuple[set[str], list[str]]:
    with open_store(Settings(store=str(location))) as store:
        quads = {str(q) for q in store.oxigraph.quads_for_pattern(None, None, None)}  # type: ignore[attr-defined]
        graphs = [str(g) for g in store.oxigraph.named_graphs()]  # type: ignore[attr-defined]
    return quads, graphs


def graph_quads(location: Path, graph: str) -> set[str]:
    with open_store(Settings(store=str(location))) as store:
        return {str(q) for q in store.oxigraph.quads_for_pattern(  # type: ignore[attr-defined]
            None, None, None, NamedNode(graph))}


@pytest.mark.slow
@pytest.mark.parametrize("replacing", [False, True], ids=["first-load", "replacement"])
@pytest.mark.parametrize("delay", [1.0, 3.0])
def test_kill_9_during_a_load_leaves_the_store_before_or_after_it(
        tmp_path: Path, delay: float, replacing: bool) -> None:
    """Killed before its commit point, a load leaves the store as it was; killed after it
    (while cleaning up), the load is complete. Never anything in between."""
    location = tmp_path / "store"
    first = subprocess.run([TSR, "ingest", str(EXAMPLES / "tsr-example.xlsx"), "--store",
                            str(location)], capture_output=True, check=False)
    assert first.returncode == 0, first.stderr
    if replacing:  # a small Acteurs.csv first, so the killed load replaces its graph
        subprocess.run([TSR, "ingest", str(actors_csv(tmp_path / "Acteurs.csv", 10)),
                        "--store", str(location)], capture_output=True, check=True)
    before = snapshot(location)
    # sized so that both kills land mid-load, even on a fast machine
    big = actors_csv(tmp_path / "Acteurs.csv", 40000)
    graph = IRIS.source_graph(source_name(big)).value
    expected_location = tmp_path / "expected"
    subprocess.run([TSR, "ingest", str(big), "--store", str(expected_location)],
                   capture_output=True, check=True)
    expected = graph_quads(expected_location, graph)
    process = subprocess.Popen([TSR, "ingest", str(big), "--store", str(location)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    assert process.poll() is None, "the load finished before the kill: make the file bigger"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    quads, graphs = snapshot(location)
    assert not any(g.startswith(f"<{STAGING_PREFIX}") for g in graphs)
    if quads != before[0]:
        assert graph_quads(location, graph) == expected  # complete, with its PROV record
        with open_store(Settings(store=str(location))) as store:
            loads = list(store.query(f"SELECT ?l WHERE {{ ?l <{PROV}generated> <{graph}> }}"))
        assert len(loads) == (2 if replacing else 1)


@pytest.mark.slow
@pytest.mark.parametrize("engine", REMOTE_ENGINES)
def test_readers_see_the_old_graph_or_the_new_one(engine: str, request: pytest.FixtureRequest,
                                                  tmp_path: Path) -> None:
    settings = remote_settings(empty_remote_env(request, engine))
    with open_store(settings) as store:
        path = actors_csv(tmp_path / "Acteurs.csv", 1500)
        ingest_files(store, [path], settings)
        graph = IRIS.source_graph(source_name(path))
        old = store.count(graph)
        seen: set[int] = set()
        done = threading.Event()

        def read() -> None:
            with RemoteStore(settings.query_url or "", settings.update_url or "",
                             settings.graph_store_url or "") as reader:
                while not done.is_set():
                    seen.add(reader.count(graph))

        thread = threading.Thread(target=read)
        thread.start()
        try:
            ingest_files(store, [actors_csv(path, 3000, offset=5000)], settings)
        finally:
            done.set()
            thread.join()
        new = store.count(graph)
    assert new != old
    if store.engine.isolated_update:  # type: ignore[attr-defined]
        assert seen <= {old, new}
    else:  # Virtuoso: readers see the swap's DROP, then its ADD under way (store/engines.py)
        assert all(0 <= count <= max(old, new) for count in seen), seen
    assert len(seen) >= 1


@pytest.mark.slow
@pytest.mark.parametrize("where", ["disk", "memory"])
def test_readers_in_the_serving_process_see_the_old_graph_or_the_new_one(
        tmp_path: Path, where: str) -> None:
    """A staged replacement empties the graph and copies the new one in (seconds, for a
    big graph); a reader of the same process (a server's routes) must only ever see the
    old graph with its record, or the new one with its record: the graph's triple count,
    one actor's document, and in one query the graph's size with its load record's."""
    settings = Settings(store=str(tmp_path / "store") if where == "disk" else "memory")
    path = actors_csv(tmp_path / "Acteurs.csv", 6000)  # above 50,000 triples: staged
    graph = IRIS.source_graph(source_name(path))
    actor = f'SELECT ?p ?o WHERE {{ GRAPH {graph} {{ ?a ?p ?o ; ?x "Association n°10" }} }}'
    with_record = (  # one query, so one state of the store: the size and the record's count
        f"SELECT ?size ?recorded WHERE {{ "
        f"{{ SELECT (COUNT(*) AS ?size) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }} }} "
        f"OPTIONAL {{ GRAPH ?log {{ {graph} <{PROV}wasGeneratedBy> ?load . "
        f"?load <https://w3id.org/tsr-observatory/ontology#triplesAdded> ?recorded }} }} }}")
    with open_store(settings) as store:
        store.share_with_readers()  # as `tsr serve` does

        def state() -> tuple[int, int, tuple[int, int]]:
            row = next(iter(store.query(with_record)))
            return (store.count(graph), len(list(store.query(actor))),
                    (int(row["size"].value), int(row["recorded"].value)))

        ingest_files(store, [path], settings)
        old = state()
        seen: list[tuple[int, int, tuple[int, int]]] = []
        polls_while_writing = 0
        done = threading.Event()

        def read() -> None:
            nonlocal polls_while_writing
            while not done.is_set():
                writing = store.writing
                seen.append(state())
                polls_while_writing += bool(writing)

        thread = threading.Thread(target=read)
        thread.start()
        try:
            ingest_files(store, [actors_csv(path, 9000)], settings)
        finally:
            done.set()
            thread.join()
        new = state()
        assert [source.triples for source in list_sources(store, IRIS, graph)] == [new[0]]
    assert new[0] > old[0] > 50_000
    assert old[2] == (old[0], old[0]) and new[2] == (new[0], new[0])
    for part in range(3):  # each read is of the old state or the new one
        assert {polled[part] for polled in seen} <= {old[part], new[part]}, (
            part, sorted({polled[part] for polled in seen}))
    assert polls_while_writing >= 3
