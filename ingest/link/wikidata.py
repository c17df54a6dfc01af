"""`tsr link wikidata`: actors and outputs matched to Wikidata items by their identifiers.

For each identifier property, the values are sent in batches (a `VALUES` block of a few
hundred) to a Wikidata-compatible SPARQL endpoint with SPARQLWrapper::

    SELECT ?item ?value WHERE { VALUES ?value { "812345674" … } ?item wdt:P1616 ?value }

A `tsr:wikidata` the data already declares is a candidate too (rule `wikidata:declared`).
The rules, the ambiguity checks and the graph written are described in `records.py` and
`matching.py`; the run never writes anything if a request fails for good.
"""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from store import Store
from store.namespaces import DataIris

from .matching import Candidate, decide, links_for, missing_identifier_links
from .polite import (
    LinkServiceError,
    PoliteCaller,
    TransientFailure,
    is_transient_status,
    retry_after_seconds,
)
from .records import LinkRun, save_run
from .review import ReviewItem
from .subjects import Subject, graphs_except, read_actors, read_outputs

WD_ENTITY = "http://www.wikidata.org/entity/"
WD_DIRECT = "http://www.wikidata.org/prop/direct/"
BATCH_SIZE = 200

# tsr property -> Wikidata property (the brief's table). Wikidata writes DOIs upper-case.
ACTOR_PROPERTIES = {"siren": "P1616", "siret": "P3215", "rnsr": "P3016", "ror": "P6782",
                    "idref": "P269"}
OUTPUT_PROPERTIES = {"doi": "P356"}


@dataclass
class WikidataResult:
    run: LinkRun
    review: list[ReviewItem]
    requests: int
    retries: int
    triples: int = 0


def link_wikidata(store: Store, iris: DataIris, *, endpoint: str, user_agent: str,
                  requests_per_second: float, timeout: float = 60.0, attempts: int = 5,
                  batch_size: int = BATCH_SIZE, write: bool = True) -> WikidataResult:
    """Match, then replace `{base}graph/links/wikidata`; nothing is written on failure."""
    run = LinkRun("wikidata", endpoint, iris)
    graphs = graphs_except(store, run.graph)
    actors, outputs = read_actors(store, graphs), read_outputs(store, graphs)
    client = WikidataClient(endpoint, user_agent, timeout,
                            PoliteCaller(f"Wikidata endpoint {endpoint}",
                                         requests_per_second=requests_per_second,
                                         attempts=attempts))
    candidates = list(_declared(actors.values()))
    candidates += _declared(outputs.values())
    candidates += client.candidates(actors.values(), ACTOR_PROPERTIES, batch_size)
    candidates += client.candidates(outputs.values(), OUTPUT_PROPERTIES, batch_size)
    accepted, review = decide("wikidata", candidates)
    run.links = links_for(accepted) + missing_identifier_links(accepted, "wikidata", WD_ENTITY)
    run.reviewed = len(review)
    result = WikidataResult(run, review, client.caller.requests_sent, client.caller.retries)
    if write:
        result.triples = save_run(store, run)
    return result


def _declared(subjects: Iterable[Subject]) -> Iterator[Candidate]:
    for subject in subjects:
        for qid in sorted(subject.ids.get("wikidata", ())):
            if qid[:1] in "Qq" and qid[1:].isdigit():
                yield Candidate(subject, WD_ENTITY + qid.upper(), "wikidata:declared",
                                "wikidata", qid.upper())


class WikidataClient:
    def __init__(self, endpoint: str, user_agent: str, timeout: float,
                 caller: PoliteCaller) -> None:
        self.endpoint, self.user_agent, self.timeout, self.caller = (
            endpoint, user_agent, timeout, caller)

    def candidates(self, subjects: Iterable[Subject], properties: dict[str, str],
                   batch_size: int) -> list[Candidate]:
        found: list[Candidate] = []
        for name, pid in properties.items():
            owners: dict[str, list[Subject]] = defaultdict(list)
            for subject in subjects:
                for value in subject.ids.get(name, ()):
                    owners[_wikidata_form(name, value)].append(subject)
            values = sorted(owners)
            for start in range(0, len(values), batch_size):
                for item, value in self.lookup(pid, values[start:start + batch_size]):
                    for subject in owners.get(value, ()):
                        found.append(Candidate(subject, item, f"wikidata:{name}-{pid}",
                                               name, value))
        return found

    def lookup(self, pid: str, values: list[str]) -> list[tuple[str, str]]:
        """(item IRI, value) pairs for items whose `pid` is one of `values`."""
        block = " ".join(json.dumps(value) for value in values)
        text = (f"SELECT ?item ?value WHERE {{ VALUES ?value {{ {block} }} "
                f"?item <{WD_DIRECT}{pid}> ?value . }}")
        data = self.caller.call(lambda: self._ask(text))
        pairs: list[tuple[str, str]] = []
        try:
            for row in data["results"]["bindings"]:
                item, value = row["item"]["value"], row["value"]["value"]
                if item.startswith(WD_ENTITY):
                    pairs.append((item, value))
        except (KeyError, TypeError):
            raise LinkServiceError(
                f"Wikidata endpoint {self.endpoint} answered JSON that is not SPARQL results"
            ) from None
        return pairs

    def _ask(self, text: str) -> Any:
        wrapper = SPARQLWrapper(self.endpoint, agent=self.user_agent)
        wrapper.setMethod(POST)
        wrapper.setReturnFormat(JSON)
        # setTimeout() truncates to whole seconds (0.5 would mean "no timeout"): set it as is
        wrapper.timeout = self.timeout  # type: ignore[assignment]
        wrapper.setQuery(text)
        try:
            result = wrapper.query()
        except urllib.error.HTTPError as error:
            retry_after = retry_after_seconds(error.headers.get("Retry-After"))
            error.close()
            if is_transient_status(error.code):
                raise TransientFailure(f"HTTP {error.code}", retry_after) from None
            raise LinkServiceError(
                f"Wikidata endpoint {self.endpoint} answered HTTP {error.code}") from None
        except SPARQLWrapperException as error:
            # SPARQLWrapper turns 500 into EndPointInternalError and 4xx into others
            if type(error).__name__ == "EndPointInternalError":
                raise TransientFailure("HTTP 500") from None
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise LinkServiceError(f"Wikidata endpoint {self.endpoint}: {first}") from None
        except urllib.error.URLError as error:
            raise _network_failure(error.reason, self.timeout) from None
        except (OSError, http.client.HTTPException) as error:
            raise _network_failure(error, self.timeout) from None
        response = result.response
        try:
            return json.load(response)
        except ValueError:
            raise TransientFailure("malformed JSON answer") from None
        except (OSError, http.client.HTTPException) as error:
            raise _network_failure(error, self.timeout) from None
        finally:
            response.close()


def _network_failure(reason: object, timeout: float) -> TransientFailure:
    if isinstance(reason, TimeoutError | socket.timeout):
        return TransientFailure(f"no answer within {timeout:g} s")
    if isinstance(reason, http.client.RemoteDisconnected | ConnectionError
                  | http.client.IncompleteRead):
        return TransientFailure("connection closed by the server")
    return TransientFailure(f"cannot connect: {reason}")


def _wikidata_form(name: str, value: str) -> str:
    return value.upper() if name == "doi" else value
