"""A list query cut to the filters one request uses.

The list queries (`queries/api-*.rq`) write each optional filter as
`FILTER(!BOUND(?_name) || condition)`, so one text serves every combination of filters.
Oxigraph cannot use such a filter to find the items: it walks every candidate and tests
the condition on each (11 s for `/api/actors?region=…` on a million triples). The list
routes run a specialised text instead, with the same answers:

* a filter whose parameter is not given is always true, so it is left out;
* a given one keeps its condition; when that is `EXISTS { pattern }` whose own variables
  appear nowhere else in the query, the pattern is joined at the start of the WHERE group
  instead (the engine then starts from it). This holds for path closures too: Oxigraph
  tests `EXISTS { ?item a/rdfs:subClassOf* ?_class }` at about 0.2 ms per candidate, so
  `/api/actors?class=TSRActor` took 2.3 s on a million triples as a filter and 0.9 s as a
  join (ResearchUnit: 1.6 s and 0.13 s). A join may repeat an item where EXISTS would not,
  which the queries' `GROUP BY ?item` folds away (list queries must group by item).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from functools import lru_cache

from pyoxigraph import NamedNode

from store.sparql_text import Token, tokens

_PARAMETER = "?_"


def specialised(text: str, given: Collection[str]) -> str:
    """`text` with the optional filters of the parameters not in `given` removed and the
    others simplified (parameter names without `?_`)."""
    return _specialised(text, frozenset(given))


@lru_cache(maxsize=256)
def _specialised(text: str, given: frozenset[str]) -> str:
    stream = list(tokens(text))
    cuts: list[tuple[int, int, str]] = []  # (start, end, replacement) in the text
    joins: list[str] = []
    for index, token in enumerate(stream):
        parameter = _optional_filter(stream, index)
        if parameter is None:
            continue
        close = _matching(stream, index + 1)
        end = stream[close].offset + 1
        if parameter not in given:
            cuts.append((token.offset, end, ""))
            continue
        condition = stream[index + 9:close]  # after `FILTER ( ! BOUND ( ?_x ) | |`
        body = text[condition[0].offset:stream[close].offset]
        if _is_private_exists(stream, condition, token.offset, end):
            cuts.append((token.offset, end, ""))
            joins.append(body[body.index("{"):].strip())
        else:
            cuts.append((token.offset, end, f"FILTER({body.strip()})"))
    if not cuts:
        return text
    out, position = [], 0
    for start, end, replacement in cuts:
        out += [text[position:start], replacement]
        position = end
    out.append(text[position:])
    result = "".join(out)
    if joins:
        where = _where_brace(list(tokens(result)))
        result = result[:where + 1] + "\n  " + "\n  ".join(joins) + result[where + 1:]
    return result


def with_items(text: str, items: Iterable[NamedNode]) -> str:
    """`text` with `?item` taking only `items`: a VALUES block opening its WHERE group, so
    the engine starts from those items instead of finding every match (a VALUES after the
    query would join after its GROUP BY, once every item had been grouped).

    >>> with_items("SELECT ?item WHERE { ?item a ?c }", [NamedNode("http://x/1")])
    'SELECT ?item WHERE { VALUES ?item { <http://x/1> }\\n   ?item a ?c }'
    """
    values = " ".join(str(item) for item in items)  # N-Triples form, escaped by pyoxigraph
    where = _where_brace(list(tokens(text)))
    return f"{text[:where + 1]} VALUES ?item {{ {values} }}\n  {text[where + 1:]}"


def _optional_filter(stream: Sequence[Token], index: int) -> str | None:
    """The parameter name when `FILTER(!BOUND(?_name) || …` starts at `index`."""
    shape = stream[index:index + 9]
    texts = [token.text for token in shape]
    if len(shape) < 9 or texts[:5] != ["FILTER", "(", "!", "BOUND", "("] or \
            texts[6:] != [")", "|", "|"] or shape[0].kind != "word":
        return None
    variable = shape[5]
    if variable.kind != "var" or not variable.text.startswith(_PARAMETER):
        return None
    return variable.text[len(_PARAMETER):]


def _matching(stream: Sequence[Token], open_index: int) -> int:
    """Index of the bracket closing the one at `open_index`."""
    pairs = {"(": ")", "{": "}"}
    opener = stream[open_index].text
    depth = 0
    for index in range(open_index, len(stream)):
        token = stream[index]
        if token.kind != "punct":
            continue
        if token.text == opener:
            depth += 1
        elif token.text == pairs[opener]:
            depth -= 1
            if depth == 0:
                return index
    raise ValueError("unbalanced brackets in a list query")


def _is_private_exists(stream: Sequence[Token], condition: Sequence[Token], start: int,
                       end: int) -> bool:
    """Is the condition exactly `EXISTS { … }` with variables of its own (besides
    `?item` and parameters) used nowhere else in the query?"""
    if len(condition) < 3 or condition[0].text != "EXISTS" or condition[1].text != "{":
        return False
    if condition[-1].text != "}" or _matching(condition, 1) != len(condition) - 1:
        return False
    inside = {t.text for t in condition if t.kind == "var"}
    own = {name for name in inside if name != "?item" and not name.startswith(_PARAMETER)}
    outside = {t.text for t in stream if t.kind == "var" and not start <= t.offset < end}
    return not own & outside


def _where_brace(stream: Sequence[Token]) -> int:
    """Offset of the `{` opening the query's top-level WHERE group."""
    for index, token in enumerate(stream):
        if token.kind == "word" and token.text == "WHERE":
            following = stream[index + 1]
            if following.text == "{":
                return following.offset
    raise ValueError("a list query needs `WHERE {`")
