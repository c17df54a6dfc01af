"""JSON-LD bodies are written by orjson, with the json module for what orjson refuses."""

from __future__ import annotations

import json

from api.resources.documents import _json


def test_a_body_is_compact_utf8_json() -> None:
    response = _json({"name": "Société « Sols vivants »", "count": 3}, "application/ld+json", "fr")
    assert response.body == '{"name":"Société « Sols vivants »","count":3}'.encode()
    assert response.headers["content-language"] == "fr"


def test_an_integer_beyond_64_bits_is_still_written() -> None:
    big = 10**30  # an xsd:integer in the data may be any size; orjson stops at 64 bits
    response = _json({"budget": big}, "application/ld+json", "fr")
    assert json.loads(response.body) == {"budget": big}
