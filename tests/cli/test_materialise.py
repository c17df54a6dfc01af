"""`tsr load` of raw RDF writes the classes of its entities up the model's hierarchy, and
`tsr materialise` writes those missing after data came in another way (both backends)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from store import Settings, open_store

from .conftest import Runner, tsr_command

TSR = "https://w3id.org/tsr-observatory/ontology#"
GRAPH = "https://data.tsr-observatory.org/graph/source/raw"
TURTLE = f"""@prefix tsr: <{TSR}> .
<https://data.tsr-observatory.org/id/actor/a1> a tsr:Actor ;
    tsr:actorType <https://w3id.org/tsr-observatory/vocab/actor-type/cooperative> .
<https://data.tsr-observatory.org/id/actor/a2> a tsr:ResearchUnit .
"""


def count(tsr: Runner, cls: str) -> int:
    result = tsr("query", f"SELECT (COUNT(?a) AS ?n) WHERE {{ ?a a <{TSR}{cls}> }}",
                 "--format", "csv")
    assert result.returncode == 0, result.stderr
    return int(result.stdout.splitlines()[1])


def test_load_and_materialise_write_every_class(tsr: Runner, tmp_path: Path) -> None:
    source = tmp_path / "raw.ttl"
    source.write_text(TURTLE, encoding="utf-8")
    loaded = tsr("load", str(source), "--graph", GRAPH)
    assert loaded.returncode == 0, loaded.stderr
    assert (count(tsr, "TSRActor"), count(tsr, "ESRActor"), count(tsr, "Organisation")) == (1, 1, 2)
    again = tsr("materialise")  # nothing is missing after a load
    assert again.returncode == 0, again.stderr
    assert again.stderr.strip() == "0 type statements added"


def test_materialise_writes_the_classes_an_update_left_out(tmp_path: Path) -> None:
    settings = Settings(store=str(tmp_path / "db"))
    with open_store(settings) as store:  # data written by other means than tsr load or ingest
        store.update(f"INSERT DATA {{ GRAPH <{GRAPH}> {{ "
                     f"<https://data.tsr-observatory.org/id/actor/a3> a <{TSR}IndependentResearcher> }} }}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSR_")}
    done = subprocess.run([*tsr_command(), "materialise", "--store", str(tmp_path / "db")],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "2 type statements added"  # TSRActor, Actor
    with open_store(settings) as store:
        rows = store.query("SELECT ?t WHERE { <https://data.tsr-observatory.org/id/actor/a3> a ?t }")
        assert {row["t"].value.removeprefix(TSR) for row in rows} == {
            "IndependentResearcher", "TSRActor", "Actor"}


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
