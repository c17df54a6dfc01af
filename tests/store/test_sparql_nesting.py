"""The nesting guard: what it counts, what it skips, and what it cannot be made to skip."""

from __future__ import annotations

import pytest

from store.sparql_nesting import NestingError, check_nesting, nesting_depth


@pytest.mark.parametrize(("text", "depth"), [
    ("ASK { }", 1),
    ("SELECT * { ?s ?p ?o FILTER((?o > 1)) }", 3),
    ('ASK { ?s ?p "((((([[[[{{{{" }', 1),
    ("ASK { ?s ?p '''\n((((\n''' }", 1),
    ('ASK { ?s ?p "\\"((((" }', 1),
    ("ASK { } # ((((((", 1),
    ("ASK { <http://example.org/Foo_(bar)> ?p ?o }", 2),  # balanced inside an IRI
])
def test_depth_counts_brackets_outside_strings_and_comments(text: str, depth: int) -> None:
    assert nesting_depth(text)[0] == depth


@pytest.mark.parametrize("text", [
    # a comment ends at a carriage return: what follows is code
    "ASK { #x\r" + "(" * 300,
    # an escaped hash is part of a prefixed name, not a comment
    "ASK { FILTER(e:f\\#" + "(" * 300,
    # after `<`, an IRI for the lexer may be a less-than for the parser: openers count
    "ASK { FILTER(?a<" + "(" * 300 + ">) }",
    # closers inside an IRI never lower the depth (no reset by `<urn:)))>`)
    "ASK { " + "(<urn:))))>" * 300,
    # a quote inside an IRI with an escape does not open a string
    "ASK { ?s ?p <urn:\\u0041'> . " + "{" * 300,
])
def test_forms_that_try_to_hide_brackets_are_still_counted(text: str) -> None:
    with pytest.raises(NestingError):
        check_nesting(text, 200)


def test_message_says_how_deep_where_and_the_limit() -> None:
    text = "SELECT *\nWHERE {\n  FILTER(" + "(" * 300 + "1" + ")" * 300 + ") }"
    with pytest.raises(NestingError) as raised:
        check_nesting(text, 200)
    assert str(raised.value) == (
        "query nested more than 200 levels deep at line 3, column 208; "
        "the limit is 200 levels of ( ), { } and [ ]")


def test_limit_itself_is_allowed() -> None:
    check_nesting("ASK { FILTER(" + "(" * 198 + "1" + ")" * 198 + ") }", 200)
