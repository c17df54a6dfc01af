"""Statistical confidentiality of published aggregates ("secret statistique").

A named query marked `#+ published: ACTORS VALUE...` publishes aggregates of indicator
observations. It is computed over every source, restricted ones included (individual
observations may stay restricted while their aggregates are published), and for a reader
without the read token each row's values are replaced by "secret statistique" when:

* fewer than k actors are behind the row (k: the `confidentiality_threshold` setting), or
* between 1 and k-1 of its actors come from restricted sources only: the public part of the
  row is visible elsewhere, so publishing the total would give away the restricted part by
  subtraction (the row over public sources is computed too, and the counts compared).

A reader with the read token sees every value. The answers are kept per store change mark
(`request_mark`), per reader kind and per parameters (`PublishedAnswers`, a service:
api/services.py): the portal's home and indicators
pages and `/api/queries/...` read them from there until the store changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from pyoxigraph import Literal, NamedNode, QuerySolutions
from pyoxigraph import Store as OxStore

from store.base import Term

from .named_queries import NamedQuery
from .resources.marked_lru import MarkedLRU
from .resources.running import Reader

SUPPRESSED_TEXT = "secret statistique"
SUPPRESSED = Literal(SUPPRESSED_TEXT, language="fr")
# published answers kept at once, across queries, parameters and reader kinds
KEPT_ANSWERS = 256


@dataclass(frozen=True)
class PublishedTable:
    """A SELECT answer as rows of terms (None: unbound); in a suppressed row, the
    `hidden_columns` read as "secret statistique"."""
    columns: tuple[str, ...]
    rows: tuple[dict[str, Term | None], ...]
    suppressed: tuple[bool, ...]
    hidden_columns: frozenset[str]

    def value(self, index: int, column: str) -> Term | None:
        return SUPPRESSED if self.is_suppressed(index, column) else self.rows[index].get(column)

    def is_suppressed(self, index: int, column: str) -> bool:
        return self.suppressed[index] and column in self.hidden_columns

    def solutions(self) -> QuerySolutions:
        """The answer as engine solutions, suppressed cells as "secret statistique", for
        the writers of every results format (api/sparql/jobs.write_answer)."""
        return solutions_of(self.columns, [[self.value(i, c) for c in self.columns]
                                           for i in range(len(self.rows))])


def table_of(result: QuerySolutions) -> tuple[tuple[str, ...], tuple[dict[str, Term | None], ...]]:
    columns = tuple(variable.value for variable in result.variables)
    rows = tuple({name: solution[name] for name in columns} for solution in result)
    return columns, rows


def published_table(answers: PublishedAnswers, reader: Reader, query: NamedQuery,
                    bindings: Mapping[str, Term], *, isolated: bool = False) -> PublishedTable:
    """The answer of a published aggregate for this reader, suppressed as above; kept until
    the store changes."""
    return _kept(answers, reader, query, bindings,
                 lambda: _compute(reader, query, bindings, isolated))


def kept_table(answers: PublishedAnswers, reader: Reader, query: NamedQuery,
               bindings: Mapping[str, Term]) -> PublishedTable:
    """Any SELECT named query's answer for this reader, kept until the store changes: a
    published aggregate as `published_table`, any other over the reader's graphs (the
    pages' figures are computed once per store change, not once per view)."""
    if query.published:
        return published_table(answers, reader, query, bindings)

    def plain() -> PublishedTable:
        result = reader.run(query, bindings)
        columns, rows = table_of(result)
        del result
        return PublishedTable(columns, rows, (False,) * len(rows), frozenset())

    return _kept(answers, reader, query, bindings, plain)


def _kept(answers: PublishedAnswers, reader: Reader, query: NamedQuery,
          bindings: Mapping[str, Term], compute: Callable[[], PublishedTable]) -> PublishedTable:
    """The answer kept for this query, parameters and reader kind at the store's mark, else
    `compute()`'s, computed by one request at a time (the others wait for it)."""
    key = (query.name, tuple(sorted((name, str(term)) for name, term in bindings.items())),
           reader.sees_all)
    kept = answers.get(key, reader.mark)
    if kept is not None:
        return kept
    with answers.computing(key):
        kept = answers.get(key, reader.mark)
        if kept is None:
            kept = compute()
            answers.put(key, reader.mark, kept)
    return kept


def _compute(reader: Reader, query: NamedQuery, bindings: Mapping[str, Term],
             isolated: bool) -> PublishedTable:
    count_column, *value_columns = query.published
    every_graph = reader.every_graph()
    result = reader.run_over(query, bindings, every_graph, every_graph, isolated=isolated)
    columns, rows = table_of(result)
    del result
    if reader.sees_all:
        return PublishedTable(columns, rows, (False,) * len(rows), frozenset(value_columns))
    key_columns = [c for c in columns if c not in query.published]
    if same_graphs(reader.graphs, every_graph):
        # no restricted source: the public rows are these rows (asking again doubled the
        # home page's first view)
        public_rows = rows
    else:
        public_result = reader.run_over(query, bindings, reader.graphs, reader.graphs,
                                        isolated=isolated)
        _, public_rows = table_of(public_result)
        del public_result
    public_counts = {_row_key(row, key_columns): _count(row.get(count_column))
                     for row in public_rows}
    k = reader.settings.confidentiality_threshold
    suppressed = []
    for row in rows:
        actors = _count(row.get(count_column))
        restricted_only = actors - public_counts.get(_row_key(row, key_columns), 0)
        suppressed.append(actors < k or 0 < restricted_only < k)
    return PublishedTable(columns, rows, tuple(suppressed), frozenset(value_columns))


def same_graphs(these: list[NamedNode] | None, those: list[NamedNode] | None) -> bool:
    """Whether two datasets are the same graphs (None: the whole store)."""
    if these is None or those is None:
        return these is None and those is None
    return set(these) == set(those)


def _row_key(row: Mapping[str, Term | None], columns: list[str]) -> tuple[str, ...]:
    return tuple(str(row.get(column)) for column in columns)


def _count(term: Term | None) -> int:
    try:
        return int(term.value) if term is not None else 0
    except ValueError:
        return 0


def solutions_of(columns: tuple[str, ...], rows: list[list[Term | None]]) -> QuerySolutions:
    """Rows of terms as engine solutions (a VALUES block evaluated over an empty store gives
    the rows back as they are, in order)."""
    if not columns:
        columns = ("_",)
    variables = " ".join(f"?{c}" for c in columns)
    lines = " ".join("(" + " ".join("UNDEF" if term is None else str(term) for term in row) + ")"
                     for row in rows)
    result = OxStore().query(f"SELECT {variables} WHERE {{ VALUES ({variables}) {{ {lines} }} }}")
    assert isinstance(result, QuerySolutions)
    return result


class PublishedAnswers(MarkedLRU[PublishedTable]):
    """Published answers by (query, parameters, reader kind) for one store mark, the least
    recently read out first (marked_lru.py)."""

    def __init__(self, budget: int = KEPT_ANSWERS) -> None:
        super().__init__(budget)
        self._computing_lock = threading.Lock()
        self._computing: dict[Any, threading.Lock] = {}

    def computing(self, key: Any) -> threading.Lock:
        """The lock held while `key`'s answer is computed: on a big store an aggregate takes
        seconds, and every reader arriving meanwhile would otherwise run it again."""
        with self._computing_lock:
            return self._computing.setdefault(key, threading.Lock())


def published_answers(request: Request) -> PublishedAnswers:
    """The app's kept answers (a service: api/services.py)."""
    answers: PublishedAnswers = request.app.state.services.published_answers
    return answers


Answers = Annotated[PublishedAnswers, Depends(published_answers)]
