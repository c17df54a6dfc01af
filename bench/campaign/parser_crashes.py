"""a. Parser crashes: queries and updates nested thousands deep, and flat chains thousands long
(operators and collections: the engine's parser recurses on them too)."""

from __future__ import annotations

from .harness import WRITE_TOKEN, Case, Server, post_sparql


def deep_queries(depth: int) -> dict[str, tuple[str, bool]]:
    n = depth
    return {
        "FILTER((((…1)))))": ("ASK { FILTER(" + "(" * n + "1" + ")" * n + ") }", False),
        "{ { { … } } }": ("SELECT * WHERE " + "{ " * n + "}" * n, False),
        "OPTIONAL { OPTIONAL { … } }": (
            "SELECT * { " + "OPTIONAL { " * n + "?s ?p ?o " + "} " * n + "}", False),
        "collection ((((…))))": ("SELECT * { ?s ?p " + "(" * n + "1" + ")" * n + " }", False),
        "[ :p [ :p … ] ]": ("SELECT * { ?s ?p " + "[ <urn:p> " * n + "1" + " ]" * n + " }", False),
        "subqueries": ("SELECT * { " + "{ SELECT * WHERE " * n + "{ ?s ?p ?o }" + " }" * n + " }",
                       False),
        "unary !!!!…": ("ASK { FILTER(" + "!" * n + "true) }", False),
        "update INSERT DATA (((…)))": (
            "INSERT DATA { GRAPH <urn:hostile> { <urn:s> <urn:p> " + "(" * n + "1" + ")" * n
            + " } }", True),
    }


def flat_chains(length: int) -> dict[str, tuple[str, bool]]:
    n = length
    return {
        "FILTER(true && true && …)": ("ASK { FILTER(true" + " && true" * n + ") }", False),
        "FILTER(1 + 1 + …)": ("ASK { FILTER(1" + " + 1" * n + " > 0) }", False),
        "collection (1 2 3 …)": ("SELECT * { ?s ?p (" + " 1" * n + " ) }", False),
        "update WHERE FILTER(… || …)": (
            "INSERT { GRAPH <urn:hostile> { <urn:s> <urn:p> 1 } } WHERE { FILTER(false"
            + " || false" * n + ") }", True),
    }


def category_a(server: Server, quick: bool) -> list[Case]:
    cases = []
    for depth in (5_000,) if quick else (5_000, 10_000, 50_000):
        forms = {**deep_queries(depth), **flat_chains(depth)} if depth <= 10_000 else flat_chains(depth)
        for name, (text, update) in forms.items():
            status, seconds = post_sparql(server, text, update=update,
                                          token=WRITE_TOKEN if update else None, timeout=60)
            crashed = server.ensure()
            # refused (4xx) or answered (a deep but valid form): either way, not a crash
            ok = isinstance(status, int) and status < 500 and not crashed
            detail = "the server died" if crashed else f"{status} in {seconds:.2f} s"
            cases.append(Case("a", f"{name} x{depth}", ok, detail))
    return cases
