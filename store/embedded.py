"""Embedded Oxigraph backend: an on-disk RocksDB directory, or memory.

Guarantees: `update`, `add` (small batches) and `replace_graph` are atomic; query results
are iterators read lazily from the engine; one process at a time owns an on-disk store.

How a big replacement survives a kill at any instant
----------------------------------------------------
Each engine call below is atomic on its own (an Oxigraph transaction, or one bulk-loader
batch), and a process killed with SIGKILL loses nothing the engine already returned from.
The journal is the hidden graph `urn:tsr:staging:journal`; hidden graphs (the prefix
`urn:tsr:staging:`) are left out of `graph_names`, so the API's readers never query them
(store/access.py). A replacement of `G` above 50,000 triples:

1. bulk-load the new triples into a fresh hidden graph `S` (many calls; not atomic);
2. the commit point, one small transaction: the note `S replaces G` enters the journal
   together with `with_update` (the ingest's PROV record of the load);
3. remove `G` (one transaction);
4. copy `S` into `G` (bulk loader);
5. one transaction: the note leaves the journal (the replacement is complete);
6. remove `S`, now an orphan; 7. remove the journal graph if it is empty.

A first load of `G` (no such graph yet) notes `G loading` (one transaction), bulk-loads
into `G` itself, then one transaction deletes the note with `with_update` (its commit
point).

Recovery, at every open of the directory (`_recover`), before anything else:

* for each note `S replaces G`: steps 3 to 7 again (roll forward). They are idempotent
  because `S` outlives its note: whatever step was cut, `S` is still whole;
* for each note `G loading`: remove `G`, then the note (roll back);
* remove every other hidden graph (a staging graph from before a commit point, or an
  orphan of step 6): roll back;
* remove the journal graph if it is empty.

So a kill before the commit point leaves the old graph and the old record; a kill after
it, the new graph and the new record once the store is next opened; and a kill during
the recovery itself is recovered by the next open the same way. `bench/torture.py` kills
real `tsr ingest` processes at every engine write and on a clock, and the recovery too.

What readers in the same process see (a server: `share_with_readers`)
---------------------------------------------------------------------
Steps 3-4 leave `G` empty, then part-filled, for seconds on a big graph. So from just
before the commit point until step 4 has ended, this process's reads (`query`, `dump`,
`count`, the graph listings) go to a read-only snapshot of the store made then (a RocksDB
checkpoint: hard links, in `tsr-replacing/` of the store's directory): the old graph with
its old record. After step 4 they read the live store again: the new graph with its new
record. The journal, its order of steps and the recovery are unchanged; the snapshot is
only read, and a kill leaves at most its directory, removed at the next open. A read
that chose the live store just before the switch has its engine snapshot taken when its
call starts: the writer waits for those calls to return before step 3 (a dump's call
returns when it is written). The in-memory store does steps 2-6 in one transaction
(`COPY S TO G`, `DROP S` and the record; no journal): its readers see the old graph with
its record or the new ones, and it has no crash to survive.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any

from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    RdfFormat,
    Triple,
    Variable,
    serialize,
)
from pyoxigraph import Store as OxStore

from .base import (
    Bindings,
    Capabilities,
    QueryRefused,
    QuerySyntaxError,
    Store,
    StoreBusyError,
    StoreError,
    UpdateRefused,
    UpdateText,
    as_quads,
    counts_as_write,
)
from .isolation import QueryPool, isolated_query
from .lazy_results import Results
from .namespaces import STAGING_PREFIX
from .sparql_text import with_values

OWNER_FILE = "tsr-owner.json"
# where the snapshots that readers read during a replacement's copy live (module text)
REPLACING = "tsr-replacing"
# The hidden graph where big replacements note what they are doing (see `replace_graph`).
_JOURNAL = NamedNode(f"{STAGING_PREFIX}journal")
_LOADING = NamedNode(f"{STAGING_PREFIX}loading")
_REPLACES = NamedNode(f"{STAGING_PREFIX}replaces")
_TRUE = '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
# Below this many triples a replacement is one in-memory transaction; above, it is staged.
_SMALL_REPLACE = 50_000
# Quads (or N-Triples statements) per call of Oxigraph's bulk loader (see `_bulk_extend`
# and `_bulk_load_text`).
_BULK_CHUNK = 1_000_000
_TEXT_CHUNK = 250_000


class NTriples:
    """A graph written as N-Triples statements, one per item without its final ` .`
    (`str(triple)` gives one), made of IRIs and literals only: the fastest way to hand a big
    graph to `EmbeddedStore.replace_graph` or `bulk_add`.

    Oxigraph parses and indexes text with Python's lock released, so the text of one chunk
    is loaded on a thread of its own while Python writes the next; its loader of Python
    quads keeps the lock until each batch is indexed, and Python waits. Blank nodes are
    left out because the loader renames them in each call.
    """

    def __init__(self, statements: Iterable[str]) -> None:
        self.statements = statements


class EmbeddedStore(Store):
    kind = "embedded"
    capabilities = Capabilities(text_loads=True, local_change_mark=True,
                                constructs_in_solution_order=True)
    # Worker processes that run the queries given a timeout (store/isolation.py); None:
    # every query runs in this process (the in-memory store, or isolation turned off).
    pool: QueryPool | None = None
    # this process reads while it writes (a server): see "What readers in the same process
    # see" in the module's text
    _shared = False
    # the read-only snapshot this process's reads go to while a replacement copies
    _snapshot: OxStore | None = None

    def __init__(self, path: str | None) -> None:
        self.location = "memory" if path is None else str(Path(path))
        self._reads_lock = threading.Lock()
        self._live_reads = 0  # reads of the live store whose engine call is under way
        if path is None:
            self._store = OxStore()
            return
        directory = Path(path)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._store = OxStore(str(directory))
        except OSError as error:
            if "lock" in str(error).lower():
                raise StoreBusyError(_busy_message(directory)) from None
            raise StoreError(f"cannot open store {directory}: {error}") from None
        _write_owner(directory)
        self.capabilities = Capabilities(text_loads=True, local_change_mark=True,
                                         checkpoints=True, constructs_in_solution_order=True)
        self._recover()
        shutil.rmtree(directory / REPLACING, ignore_errors=True)  # a killed server's

    def note_write(self) -> None:
        super().note_write()
        if self.pool is not None and not self.writing:
            self.pool.refresh_soon()  # for the commands that read beside the server

    def show_writes_to_readers(self) -> None:
        """A checkpoint of the store as it is now, for the query workers and the commands
        reading beside the server (else made at the next query, or a second after a
        write: store/isolation.py)."""
        if self.pool is not None:
            self.pool.renew_checkpoint()

    @classmethod
    def read_only(cls, path: str) -> EmbeddedStore:
        """A checkpoint of a store opened read-only (a query worker's view of the store)."""
        store = cls.__new__(cls)
        store.location = path
        store._reads_lock = threading.Lock()
        store._live_reads = 0
        try:
            store._store = OxStore.read_only(path)
        except OSError as error:
            raise StoreError(f"cannot open store checkpoint {path}: {error}") from None
        return store

    # -- queries ---------------------------------------------------------------------------
    def _execute(self, sparql: str, bindings: Bindings | None,
                 default_graph: list[NamedNode] | None, named_graphs: list[NamedNode] | None,
                 timeout: float | None) -> Any:
        """With a `timeout` and a pool, the query runs in a worker process that is killed
        at the deadline (QueryTimeout) or over the memory budget (QueryOverBudget), and
        the results, read whole, are parsed back here; without, in this process."""
        if timeout is not None and self.pool is not None:
            return isolated_query(self.pool, sparql, bindings, default_graph, named_graphs,
                                  timeout)
        options: dict[str, Any] = {}
        if default_graph is None:
            options["use_default_graph_as_union"] = True
        else:
            options["default_graph"] = default_graph or [DefaultGraph()]
        if named_graphs is not None:
            options["named_graphs"] = named_graphs
        if bindings:
            options["substitutions"] = {Variable(name): term for name, term in bindings.items()}
        try:
            with self._reading() as engine:
                return _guarded(engine.query(sparql, **options))
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from None
        except RuntimeError as error:
            # Oxigraph substitutes only variables the SELECT projects; for the others, bind
            # them the way the remote backend does, with a VALUES block of escaped terms.
            if not bindings or "projection" not in str(error):
                raise QueryRefused(str(error)) from None
            del options["substitutions"]
            try:
                with self._reading() as engine:
                    return _guarded(engine.query(with_values(sparql, bindings), **options))
            except (SyntaxError, ValueError) as retry_error:
                raise QuerySyntaxError(str(retry_error)) from None
        except (ValueError, TypeError) as error:  # a value the engine cannot bind
            raise QueryRefused(str(error)) from None
        except OSError as error:  # the disk's failure, not the query's
            raise StoreError(str(error)) from None

    @contextmanager
    def _reading(self) -> Iterator[OxStore]:
        """The engine a read of this process goes to: the live store, or the snapshot while a
        replacement copies (module text). A live read is counted until its call returns,
        by when the engine has taken its own snapshot of the store."""
        with self._reads_lock:
            snapshot = self._snapshot
            if snapshot is None:
                self._live_reads += 1
        if snapshot is not None:
            yield snapshot
            return
        try:
            yield self._store
        finally:
            with self._reads_lock:
                self._live_reads -= 1

    # -- writes ----------------------------------------------------------------------------
    @counts_as_write
    def update(self, sparql: str) -> None:
        try:
            self._store.update(sparql)
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from None
        except RuntimeError as error:  # Oxigraph's refusals of a well-formed update
            raise UpdateRefused(str(error)) from None
        except OSError as error:
            raise StoreError(str(error)) from None

    @counts_as_write
    def add(self, triples: Iterable[Triple], graph: NamedNode) -> None:
        self._store.extend(as_quads(triples, graph))

    @counts_as_write
    def bulk_add(self, triples: Iterable[Triple] | NTriples, graph: NamedNode) -> None:
        """Fast, not atomic: for staging graphs and first loads of big files."""
        self._bulk_write(triples, graph)

    def stage(self, staging: NamedNode, triples: Iterable[Triple] | NTriples) -> None:
        self.bulk_add(triples, staging)

    def checkpoint(self, path: str) -> None:
        self._store.backup(path)

    def every_graph_name(self) -> list[NamedNode] | None:
        with self._reading() as engine:
            return [name for name in engine.named_graphs() if isinstance(name, NamedNode)]

    def _bulk_write(self, triples: Iterable[Triple] | NTriples, graph: NamedNode) -> None:
        if isinstance(triples, NTriples):
            _bulk_load_text(self._store, triples.statements, graph)
        else:
            _bulk_extend(self._store, as_quads(triples, graph))

    @counts_as_write
    def replace_graph(self, graph: NamedNode, triples: Iterable[Triple] | NTriples, *,
                      with_update: UpdateText = None) -> None:
        """Replace `graph`; `with_update` (a SPARQL Update, or a function that returns one
        once the triples are consumed) commits in the same step.

        Small graphs go in one transaction. Big ones are bulk-loaded, because an Oxigraph
        transaction holds every change in memory (moving a million triples inside one took
        two minutes and 3 GB here). A journal in a hidden graph makes a crash safe (the
        steps are in the module's docstring): a crash before the commit point is rolled
        back at the next open, one after it rolled forward.
        """
        text = isinstance(triples, NTriples)
        batch: list[Any] = []
        iterator = iter(triples.statements if isinstance(triples, NTriples) else triples)
        for triple in iterator:
            batch.append(triple)
            if len(batch) >= _SMALL_REPLACE:
                break
        else:
            body = "\n".join(f"{t} ." if text else f"{t.subject} {t.predicate} {t.object} ."
                             for t in batch)
            extra = _text(with_update)
            self._store.update(
                f"DROP SILENT GRAPH {graph} ; INSERT DATA {{ GRAPH {graph} {{\n{body}\n}} }}"
                + (f" ;\n{extra}" if extra else "")
            )
            return
        rest = chain(batch, iterator)
        rest_as_given = NTriples(rest) if text else rest
        if not self._store.contains_named_graph(graph):
            self._journal("INSERT", graph, _LOADING, _TRUE)
            try:
                self._bulk_write(rest_as_given, graph)
                extra = _text(with_update)
            except BaseException:
                # the triples' source, or `with_update`, failed (a bad row, a changed file, a
                # file found bad at its end): undo now, not at the next open
                self._store.remove_graph(graph)
                self._journal("DELETE", graph, _LOADING, _TRUE)
                raise
            self._journal("DELETE", graph, _LOADING, _TRUE, extra)
            self._tidy_journal()
            return
        staging = NamedNode(f"{STAGING_PREFIX}{uuid.uuid4()}")
        try:
            self._bulk_write(rest_as_given, staging)
            extra = _text(with_update)
        except BaseException:
            self._store.remove_graph(staging)
            raise
        self.commit_staged(staging, graph, with_update=extra)

    @counts_as_write
    def commit_staged(self, staging: NamedNode, graph: NamedNode, *,
                      with_update: UpdateText = None) -> None:
        """Make `graph` hold what was bulk-loaded into the hidden `staging` graph.

        The commit point is one small transaction (journal note + `with_update`); the copy
        that follows is finished by the next open if the process dies during it.
        """
        extra = _text(with_update)
        if self.location == "memory":
            # one transaction (module text): its readers see the old graph with the old
            # record or the new ones, and a store in memory has no crash to survive
            self._store.update(f"COPY {staging} TO {graph} ; DROP SILENT GRAPH {staging}"
                               + (f" ;\n{extra}" if extra else ""))
            return
        with self._readers_on_snapshot():
            self._journal("INSERT", staging, _REPLACES, str(graph), extra)
            self._finish_replacement(staging, graph)

    def share_with_readers(self) -> None:
        self._shared = True

    @contextmanager
    def _readers_on_snapshot(self) -> Iterator[None]:
        """This process's reads go to a snapshot made now until the block ends (module
        text), if this process has readers and the store is on disk."""
        if not self._shared or self.location == "memory":
            yield
            return
        folder = Path(self.location) / REPLACING
        shutil.rmtree(folder, ignore_errors=True)  # the last replacement's snapshot
        folder.mkdir()
        path = folder / uuid.uuid4().hex
        self._store.backup(str(path))
        snapshot = OxStore.read_only(str(path))
        with self._reads_lock:
            self._snapshot = snapshot
        while True:  # the live reads begun before the switch take their engine snapshot
            with self._reads_lock:
                if not self._live_reads:
                    break
            time.sleep(0.001)
        try:
            yield
        finally:
            # the directory stays until the next replacement or close: a reader may still
            # be reading a result it began on the snapshot
            with self._reads_lock:
                self._snapshot = None

    def _journal(self, verb: str, subject: NamedNode, predicate: NamedNode, obj: str,
                 with_update: str | None = None) -> None:
        note = f"{verb} DATA {{ GRAPH {_JOURNAL} {{ {subject} {predicate} {obj} }} }}"
        self._store.update(note + (f" ;\n{with_update}" if with_update else ""))

    def _finish_replacement(self, staging: NamedNode, graph: NamedNode) -> None:
        """Roll a committed replacement forward (steps 5-7 of the module's protocol).

        Idempotent, so that recovery can run it again after a crash at any step: the
        staging graph outlives its journal entry. (It used to be removed first, so a crash
        between the two left an entry pointing at an empty staging graph, and the next
        open emptied `graph` while the PROV record of the load said it was full.)
        """
        self._store.remove_graph(graph)
        copied = (Quad(q.subject, q.predicate, q.object, graph)
                  for q in self._store.quads_for_pattern(None, None, None, staging))
        _bulk_extend(self._store, copied)
        # `graph` is complete: the entry goes first, then the staging graph, an orphan now
        # (the sweep at open removes an orphan left by a crash here)
        self._journal("DELETE", staging, _REPLACES, str(graph))
        self._store.remove_graph(staging)
        self._tidy_journal()

    def _tidy_journal(self) -> None:
        """An empty journal graph would still be listed as a graph: remove it."""
        if next(iter(self._store.quads_for_pattern(None, None, None, _JOURNAL)), None) is None:
            self._store.remove_graph(_JOURNAL)

    def _recover(self) -> None:
        """Finish or undo what a crashed writer left (see `replace_graph`)."""
        for quad in list(self._store.quads_for_pattern(None, _REPLACES, None, _JOURNAL)):
            assert isinstance(quad.subject, NamedNode) and isinstance(quad.object, NamedNode)
            self._finish_replacement(quad.subject, quad.object)
        for quad in list(self._store.quads_for_pattern(None, _LOADING, None, _JOURNAL)):
            assert isinstance(quad.subject, NamedNode)
            self._store.remove_graph(quad.subject)
            self._journal("DELETE", quad.subject, _LOADING, _TRUE)
        for name in list(self._store.named_graphs()):
            hidden = isinstance(name, NamedNode) and name.value.startswith(STAGING_PREFIX)
            if hidden and name != _JOURNAL:
                self._store.remove_graph(name)
        self._tidy_journal()

    @counts_as_write
    def drop_graph(self, graph: NamedNode) -> None:
        self._store.remove_graph(graph)

    @counts_as_write
    def load(self, source: IO[bytes], format: RdfFormat, graph: NamedNode | None) -> int:
        before = len(self._store)
        try:
            self._store.load(source, format=format, to_graph=graph)
        except SyntaxError as error:
            raise StoreError(f"not valid {format.name}: {error}") from None
        return len(self._store) - before

    # -- reads -----------------------------------------------------------------------------
    def dump(self, output: IO[bytes], format: RdfFormat, graph: NamedNode | None = None) -> None:
        if graph is None and not format.supports_datasets:
            # a triple format for the whole store: the union of every graph
            with self._reading() as engine:
                union: Any = engine.query(
                    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True
                )
            serialize(union, output, format)
            return
        with self._reading() as engine:
            if graph is None:
                engine.dump(output, format)
            else:
                engine.dump(output, format, from_graph=graph)

    def graph_names(self) -> list[NamedNode]:
        with self._reading() as engine:
            names = [n for n in engine.named_graphs() if isinstance(n, NamedNode)]
        return sorted((n for n in names if not n.value.startswith(STAGING_PREFIX)),
                      key=lambda n: n.value)

    def count(self, graph: NamedNode | None = None) -> int:
        if graph is None:
            with self._reading() as engine:
                return len(engine)
        # counted by the engine: iterating a graph's quads in Python took 8.8 s a million
        # quads holding the interpreter lock (stalling every request meanwhile; /health
        # counts in the background), this 0.6 s
        with self._reading() as engine:
            solutions = engine.query(
                f"SELECT (COUNT(*) AS ?n) {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
        assert isinstance(solutions, QuerySolutions)
        return int(next(iter(solutions))["n"].value)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        if self.location != "memory":
            self._store.flush()
            self._snapshot = None
            shutil.rmtree(Path(self.location) / REPLACING, ignore_errors=True)
        del self._store

    @property
    def oxigraph(self) -> OxStore:
        """The underlying pyoxigraph store, for code that needs engine-specific calls."""
        return self._store


def _guarded(result: Any) -> Any:
    """Solutions and triples read with the store's errors (store/lazy_results.py); a
    boolean is whole already."""
    return result if isinstance(result, QueryBoolean) else Results(result)


def _bulk_extend(store: OxStore, quads: Iterable[Quad]) -> None:
    """Oxigraph's bulk loader, fed `_BULK_CHUNK` quads per call. Within one call it keeps a
    batch of a million quads filling while the previous one is indexed, and its peak memory
    grew with the call (1.5 GB for 6 million quads, 1.8 GB for 15 million here); a call of one
    batch stays near 0.8 GB however many calls follow, for some time lost waiting on each."""
    iterator = iter(quads)
    for first in iterator:
        store.bulk_extend(chain((first,), islice(iterator, _BULK_CHUNK - 1)))


class TextLoads:
    """Oxigraph bulk loads of N-Triples statements (see `NTriples`) into `graph` (None: the
    default graph), each on a thread of its own while the caller goes on; `load` first waits
    for the previous one, so at most one chunk is in flight and memory stays bounded (a
    call of 250,000 statements holds about 300 MB in the loader).

    Leaving the `with` block waits for the load in flight; if the block failed, that load's
    own error (if any) gives way to the block's.
    """

    def __init__(self, store: OxStore, graph: NamedNode | None = None) -> None:
        self._store = store
        self._graph = graph
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tsr-bulk-load")
        self._loading: Future[None] | None = None

    def load(self, statements: list[str]) -> None:
        text = " .\n".join(statements) + " .\n"
        self.wait()
        self._loading = self._thread.submit(self._store.bulk_load, text, RdfFormat.N_TRIPLES,
                                            to_graph=self._graph, lenient=True)

    def wait(self) -> None:
        loading, self._loading = self._loading, None
        if loading is not None:
            loading.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._thread.shutdown()

    def __enter__(self) -> TextLoads:
        return self

    def __exit__(self, error_type: type[BaseException] | None, *_: object) -> None:
        if error_type is None:
            self.close()
            return
        with suppress(Exception):  # the block's error is the one to report
            self.close()


def _bulk_load_text(store: OxStore, statements: Iterable[str], graph: NamedNode) -> None:
    """Oxigraph's bulk loader fed `_TEXT_CHUNK` statements per call, each call loading while
    this thread writes the next chunk. If `statements` fails, the chunk in flight is
    finished (the caller then removes the graph) and the error raised."""
    iterator = iter(statements)
    with TextLoads(store, graph) as loads:
        while chunk := list(islice(iterator, _TEXT_CHUNK)):
            loads.load(chunk)
            del chunk  # written out: not held while the next one is read


def _text(update: UpdateText) -> str | None:
    return update() if callable(update) else update


def _write_owner(directory: Path) -> None:
    owner = {"pid": os.getpid(), "command": " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:])}
    (directory / OWNER_FILE).write_text(json.dumps(owner), encoding="utf-8")


def _busy_message(directory: Path) -> str:
    owner = ""
    try:
        info = json.loads((directory / OWNER_FILE).read_text(encoding="utf-8"))
        owner = f" (pid {info['pid']}: {info['command']})"
    except (OSError, ValueError, KeyError):
        pass
    return (
        f"store {directory} is already open for writing by another tsr process{owner}; "
        "stop that process, or send your request through its server (tsr serve)"
    )
