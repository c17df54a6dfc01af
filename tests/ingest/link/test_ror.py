"""`link_ror` on a slice of the real ROR v2 dump, as JSON and as the distributed zip."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from ingest.link import link_ror
from ingest.link.review import BELOW_THRESHOLD, SEVERAL_EXTERNAL
from ingest.link.ror import read_dump
from store import Settings, Store, open_store
from store.namespaces import OWL, TSR
from store.rdf_files import BadInputError

from .conftest import IRIS, ROR_JSON, ROR_ZIP, load_observatory, triples_of

ACTOR = "https://data.tsr-observatory.org/id/actor/"
GRAPH = IRIS.links_graph("ror")
LINKED = {
    ACTOR + "rnsr-200212345x": ("002a9ne93", "ror:id"),
    ACTOR + "rna-w751234567": ("005asv405", "ror:wikidata"),
    ACTOR + "siren-812345674": ("000hvq933", "ror:name+country"),
    ACTOR + "siren-423456789": ("00714rg33", "ror:name+country"),
    ACTOR + "siren-312345678": ("00q38pc88", "ror:name+country"),
}


def links(store: Store) -> dict[str, tuple[str, str]]:
    rows = store.query(f"""
        SELECT ?actor ?ror ?rule WHERE {{ GRAPH {GRAPH} {{
            ?actor <{OWL}sameAs> ?ror .
            ?link <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?actor ;
                  <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?ror ;
                  <{TSR}matchRule> ?rule }} }}""", default_graph=[])
    return {r["actor"].value: (r["ror"].value.removeprefix("https://ror.org/"), r["rule"].value)
            for r in rows}


@pytest.mark.parametrize("dump", [ROR_JSON, ROR_ZIP], ids=["json", "zip"])
def test_links_by_id_then_other_ids_then_name(observatory: Store, dump: Path) -> None:
    result = link_ror(observatory, IRIS, dump)
    assert result.records_read == 60
    assert links(observatory) == LINKED


def test_ror_id_is_added_only_where_missing(observatory: Store) -> None:
    link_ror(observatory, IRIS, ROR_JSON)
    added = {(s.strip("<>"), o) for s, p, o in triples_of(observatory, GRAPH)
             if p == f"<{TSR}ror>"}
    assert added == {(ACTOR + "rna-w751234567", '"005asv405"'),
                     (ACTOR + "siren-812345674", '"000hvq933"'),
                     (ACTOR + "siren-423456789", '"00714rg33"'),
                     (ACTOR + "siren-312345678", '"00q38pc88"')}


def test_rerun_keeps_the_added_ror_ids(observatory: Store) -> None:
    link_ror(observatory, IRIS, ROR_JSON)
    first = {t for t in triples_of(observatory, GRAPH) if "/run/" not in t[2]}
    link_ror(observatory, IRIS, ROR_ZIP)
    assert {t for t in triples_of(observatory, GRAPH) if "/run/" not in t[2]} == first


def test_ambiguous_and_weak_names_go_to_review(observatory: Store) -> None:
    result = link_ror(observatory, IRIS, ROR_JSON)
    by_subject = {item.subject: item for item in result.review}
    academy = by_subject[ACTOR + "name-academie-d-agriculture-de-france"]
    assert academy.reason == SEVERAL_EXTERNAL
    assert academy.candidates == ("https://ror.org/0090rb715", "https://ror.org/00rk5pw14")
    weak = by_subject[ACTOR + "name-association-francaise-d-astronomie-populaire"]
    assert weak.reason == BELOW_THRESHOLD
    assert weak.candidates == ("https://ror.org/00s8dk612",)
    assert weak.score is not None and 0.75 <= weak.score < 0.92
    assert ACTOR + "name-academie-d-agriculture-de-france" not in links(observatory)


def test_cli_writes_the_review_report(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    with open_store(Settings(store=str(store_dir))) as store:
        load_observatory(store)
    report = tmp_path / "review.csv"
    result = CliRunner().invoke(cli, ["link", "ror", "--dump", str(ROR_ZIP), "--store",
                                      str(store_dir), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert result.stderr == (f"ror: 5 linked, 2 left for review (see {report}); "
                             "60 records read\n")
    with report.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["reason"] for row in rows] == [SEVERAL_EXTERNAL, BELOW_THRESHOLD]
    assert rows[1]["subject_label"] == "Association française d'astronomie populaire"


def test_dump_is_streamed_one_record_at_a_time(tmp_path: Path) -> None:
    # a dump whose end is broken still yields its first records before failing
    broken = tmp_path / "broken.json"
    broken.write_text(ROR_JSON.read_text(encoding="utf-8")[:20_000], encoding="utf-8")
    records = read_dump(broken)
    assert next(records)["id"].startswith("https://ror.org/")
    with pytest.raises(BadInputError, match=rf"^{broken}: not valid JSON"):
        list(records)


def test_bad_dumps_are_one_line_exit_2(tmp_path: Path) -> None:
    empty_zip = tmp_path / "dump.zip"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("notes.txt", "no data")
    runner = CliRunner()
    missing = runner.invoke(cli, ["link", "ror", "--dump", str(tmp_path / "nope.json"),
                                  "--store", "memory"])
    assert missing.exit_code == 2
    assert missing.stderr == f"tsr: error: {tmp_path / 'nope.json'}: no such file\n"
    wrong = runner.invoke(cli, ["link", "ror", "--dump", str(empty_zip), "--store", "memory"])
    assert wrong.exit_code == 2
    assert wrong.stderr == (f"tsr: error: {empty_zip}: no ROR schema v2 JSON file in the zip "
                            "(found: no JSON file)\n")
