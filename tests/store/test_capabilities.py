"""The Store interface is the only way to a backend: api/ and ingest/ ask a store's
capabilities, never its class, and never reach the engine under it."""

from __future__ import annotations

import re
from pathlib import Path

from store import Settings, open_store
from store.base import Capabilities, Store
from store.remote import RemoteStore

ROOT = Path(__file__).resolve().parents[2]
# what reaching past the interface looks like in code
REACHING = re.compile(r"isinstance\([^)]*(Embedded|Remote)Store|\.oxigraph\b|[\"']oxigraph[\"']"
                      r"|\.kind\s*[!=]=\s*[\"'](embedded|remote)")


def test_api_and_ingest_never_test_the_backend() -> None:
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for package in ("api", "ingest")
             for path in sorted((ROOT / package).rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if REACHING.search(line)]
    assert found == []


def test_each_backend_says_what_it_can_do() -> None:
    with open_store(Settings(store="memory")) as memory:
        assert memory.capabilities == Capabilities(text_loads=True, local_change_mark=True,
                                                   constructs_in_solution_order=True)
        assert memory.every_graph_name() == []
    assert RemoteStore.capabilities == Capabilities()
    assert Store.every_graph_name(memory) is None  # the interface's answer: not listed
