"""c. SERVICE and LOAD escapes: no connection may reach the listener."""

from __future__ import annotations

import time

import httpx

from .harness import LAST_ANSWER, WRITE_TOKEN, Case, Listener, Server, post_sparql


def escapes(listener: Listener) -> dict[str, tuple[str, str | None]]:
    """name -> (text, None for a query or "update")."""
    url = listener.url
    port = listener.port
    pattern = "{ ?s ?p ?o }"
    h_escaped = "\\u0068" + url[1:]
    return {
        "plain SERVICE": (f"SELECT * {{ SERVICE <{url}> {pattern} }}", None),
        "comment ended by CR": (f"SELECT * {{ #x\rSERVICE <{url}> {pattern} }}", None),
        "comment ended by CR, lower case": (f"SELECT * {{ #x\rservice <{url}> {pattern} }}", None),
        "\\u escape in the IRI": (f"SELECT * {{ SERVICE <{h_escaped}> {pattern} }}", None),
        "\\u escape of the last character": (
            f"SELECT * {{ SERVICE <{url[:-1]}\\u0{ord(url[-1]):03X}> {pattern} }}", None),
        "mixed case": (f"SELECT * {{ SeRvIcE <{url}> {pattern} }}", None),
        "SERVICE SILENT": (f"SELECT * {{ SERVICE SILENT <{url}> {pattern} }}", None),
        "tab and comment between": (f"SELECT * {{ SERVICE\t#c\n<{url}> {pattern} }}", None),
        "prefixed name": (f"PREFIX l: <{url[:-6]}> SELECT * {{ SERVICE l:sparql {pattern} }}",
                          None),
        "relative IRI under BASE": (f"BASE <{url}> SELECT * {{ SERVICE <> {pattern} }}", None),
        "variable bound by VALUES": (
            f"SELECT * {{ VALUES ?e {{ <{url}> }} SERVICE ?e {pattern} }}", None),
        "in a subquery": (f"SELECT * {{ {{ SELECT * {{ SERVICE <{url}> {pattern} }} }} }}", None),
        "in OPTIONAL": (f"SELECT * {{ OPTIONAL {{ SERVICE <{url}> {pattern} }} }}", None),
        "in FILTER EXISTS": (f"ASK {{ FILTER EXISTS {{ SERVICE <{url}> {pattern} }} }}", None),
        "in MINUS": (f"SELECT * {{ ?a ?b ?c MINUS {{ SERVICE <{url}> {pattern} }} }}", None),
        "localhost": (f"SELECT * {{ SERVICE <http://localhost:{port}/sparql> {pattern} }}", None),
        "decimal address": (f"SELECT * {{ SERVICE <http://2130706433:{port}/sparql> {pattern} }}",
                            None),
        "127.1": (f"SELECT * {{ SERVICE <http://127.1:{port}/sparql> {pattern} }}", None),
        "CONSTRUCT": (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {pattern} }}", None),
        "update WHERE SERVICE": (
            f"INSERT {{ GRAPH <urn:hostile> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{url}> {pattern} }}",
            "update"),
        "update, comment ended by CR": (
            f"INSERT {{ GRAPH <urn:hostile> {{ ?s ?p ?o }} }} WHERE {{ #x\rSERVICE <{url}> "
            f"{pattern} }}", "update"),
        "LOAD": (f"LOAD <{url}>", "update"),
        "LOAD SILENT INTO GRAPH": (f"LOAD SILENT <{url}> INTO GRAPH <urn:hostile>", "update"),
        "LOAD, \\u escape": (f"LOAD <{h_escaped}>", "update"),
    }


def category_c(server: Server, listener: Listener, allowed: Listener, quick: bool,
               ) -> list[Case]:
    cases = []
    for name, (text, kind) in escapes(listener).items():
        before = listener.count
        token = WRITE_TOKEN if kind else None
        status, _ = post_sparql(server, text, update=kind == "update", token=token, timeout=30)
        get_status: int | str = "-"
        if kind is None and not quick:  # the GET form too
            try:
                get_status = httpx.get(f"{server.base}/sparql", params={"query": text},
                                       timeout=30).status_code
            except httpx.HTTPError as error:
                get_status = type(error).__name__
        time.sleep(0.3)
        connections = listener.count - before
        crashed = server.ensure()
        cases.append(Case("c", name, connections == 0 and not crashed,
                          f"{connections} connection(s); POST {status}, GET {get_status}"
                          + ("; the server died" if crashed else "")
                          + (f" ({LAST_ANSWER['text']})" if status != 200 else ""),
                          {"connections": connections}))
    # the control: an endpoint on the allow-list is called, so the listeners do count
    before = allowed.count
    status, _ = post_sparql(server, f"SELECT * {{ SERVICE <{allowed.url}> {{ ?s ?p ?o }} }}")
    time.sleep(0.3)
    cases.append(Case("c", "control: SERVICE to an allowed endpoint connects",
                      allowed.count > before, f"{allowed.count - before} connection(s); {status}"))
    return cases
