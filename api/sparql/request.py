"""Reading a SPARQL Protocol request: which operation, which dataset, which format.

The three ways of the protocol: GET with `query=`; POST of an HTML form
(`application/x-www-form-urlencoded`, `query=` or `update=`); POST of the text itself
(`application/sparql-query` or `application/sparql-update`, dataset parameters in the URL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from .errors import ProtocolError

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
# Request bodies and SPARQL texts longer than this are parsed and read in a worker thread,
# not on the event loop (which would stall every other request meanwhile).
INLINE_BYTES = 64 * 1024


@dataclass
class Operation:
    query: str | None = None
    update: str | None = None
    default_graph_uris: list[str] = field(default_factory=list)
    named_graph_uris: list[str] = field(default_factory=list)
    using_graph_uris: list[str] = field(default_factory=list)
    format: str | None = None

    @property
    def text(self) -> str:
        return self.query if self.query is not None else self.update or ""


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _single(pairs: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in pairs if key == name]
    if len(values) > 1:
        raise ProtocolError(400, f"the '{name}' parameter is given {len(values)} times; "
                                 "send exactly one")
    return values[0] if values else None


def _operation(pairs: list[tuple[str, str]]) -> Operation:
    def every(name: str) -> list[str]:
        return [value for key, value in pairs if key == name]

    return Operation(
        query=_single(pairs, "query"), update=_single(pairs, "update"),
        default_graph_uris=every("default-graph-uri"), named_graph_uris=every("named-graph-uri"),
        using_graph_uris=every("using-graph-uri") + every("using-named-graph-uri"),
        format=",".join(every("format")) or None,
    )


def _decode(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"the {what} is not UTF-8 text (byte {error.start})") from None


async def read_operation(request: Request) -> Operation:
    # the raw query string, decoded as Starlette's URL decodes it (without building a URL)
    url_pairs = parse_qsl(request.scope.get("query_string", b"").decode(),
                          keep_blank_values=True)
    if request.method in ("GET", "HEAD"):
        operation = _operation(url_pairs)
        if operation.update is not None:
            raise ProtocolError(400, "a SPARQL update must be sent with POST, not GET")
        return operation
    media_type = _media_type(request)
    body = await request.body()
    if len(body) > INLINE_BYTES:  # a megabyte takes about a second to decode and split
        return await run_in_threadpool(_body_operation, media_type, body, url_pairs)
    return _body_operation(media_type, body, url_pairs)


def _body_operation(media_type: str, body: bytes, url_pairs: list[tuple[str, str]]) -> Operation:
    if media_type == FORM:
        form_pairs = parse_qsl(_decode(body, "form"), keep_blank_values=True)
        # a format chosen in the URL still applies to a form post
        operation = _operation(form_pairs + [pair for pair in url_pairs if pair[0] == "format"])
        if operation.query is None and operation.update is None:
            raise ProtocolError(400, "the form has neither a 'query' nor an 'update' field")
    elif media_type in (QUERY_TYPE, UPDATE_TYPE):
        operation = _operation(url_pairs)
        if operation.query is not None or operation.update is not None:
            raise ProtocolError(
                400, f"with Content-Type {media_type} the operation is the body; "
                "do not also send 'query' or 'update' in the URL")
        text = _decode(body, "request body")
        if media_type == QUERY_TYPE:
            operation.query = text
        else:
            operation.update = text
    else:
        shown = media_type or "none"
        raise ProtocolError(
            415, f"unsupported Content-Type {shown}: send {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}")
    if operation.query is not None and operation.update is not None:
        raise ProtocolError(400, "send either 'query' or 'update', not both")
    return operation
