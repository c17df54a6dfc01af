"""What a query worker process runs for the API (see store/isolation.py): a query answered
as the bytes of the chosen media type, cut at the row cap, the same in a worker as in
the server's own threads (the in-memory store)."""

from __future__ import annotations

from typing import Any

from pyoxigraph import NamedNode, QueryBoolean

from store import Store
from store.lazy_results import is_solutions

from .cap import Cap, Sink
from .negotiation import GRAPH_TYPES, RESULT_TYPES, MediaType
from .writers import boolean_bytes, write_graph, write_solutions

MEDIA_TYPES = {media.name: media for media in (*RESULT_TYPES, *GRAPH_TYPES)}
ANSWER = f"{__name__}:answer"


def write_answer(result: Any, media: MediaType, sink: Sink, limit: int) -> Cap:
    """A query's result written in `media`, at most `limit` rows or triples: the one writer
    of `/sparql`, `/api/queries/*` and `tsr query --format` (the cap says if it cut)."""
    cap = Cap(limit)
    if isinstance(result, QueryBoolean | bool):
        sink.write(boolean_bytes(bool(result), media))
    elif is_solutions(result):
        write_solutions(result, media, sink, cap)
    else:
        write_graph(result, media, sink, cap)
    return cap


def answer(store: Store, text: str, default_graph: list[NamedNode] | None,
           named_graphs: list[NamedNode] | None, media_name: str, limit: int,
           output: Sink) -> None:
    """The job of a `/sparql` query (run in a worker on a checkpoint of the store)."""
    result = store.query(text, default_graph=default_graph, named_graphs=named_graphs)
    write_answer(result, MEDIA_TYPES[media_name], output, limit)
