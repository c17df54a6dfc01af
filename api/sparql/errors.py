"""Protocol errors: one line of plain text and the status the SPARQL protocol asks for."""

from __future__ import annotations

from starlette.responses import PlainTextResponse


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def response(self) -> PlainTextResponse:
        return PlainTextResponse(self.message + "\n", status_code=self.status,
                                 headers=self.headers)
