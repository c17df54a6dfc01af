"""Defects of issue 13's "Why" list, each as a user meets it through the real `tsr` command."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner, Result
from openpyxl import load_workbook

from cli.main import cli

ACTORS = "Nom;Type d'acteur;SIREN;Site web\n"


def tsr(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_sees_several_files_together_like_ingest(tmp_path: Path) -> None:
    files = [str(write(tmp_path / "projets.csv", "Code;Titre\nP1;Un\nP2;Deux\n")),
             str(write(tmp_path / "acteurs.csv", ACTORS + "Atelier;Association;810079194;\n")),
             str(write(tmp_path / "participations.csv", "Projet;Acteur;Rôle\n"
                       "P1;810079194;Porteur\nP2;Atelier;Porteur\n"))]
    checked = tsr("validate", *files, "--store", "memory")
    assert checked.exit_code == 0, checked.stderr
    assert "participations.csv: 2 rows, valid" in checked.stderr
    loaded = tsr("ingest", *files, "--store", "memory")
    assert loaded.exit_code == 0, loaded.stderr
    # and a reference to nothing is still found by both
    write(tmp_path / "participations.csv", "Projet;Acteur;Rôle\nP3;810079194;Porteur\n")
    assert tsr("validate", *files, "--store", "memory").exit_code == 2
    assert tsr("ingest", *files, "--store", "memory").exit_code == 2


def test_partial_summary_counts_the_rows_loaded(tmp_path: Path) -> None:
    path = write(tmp_path / "acteurs.csv", ACTORS + "A;Association;;\nB;Banane;;\nC;Association;;\n")
    store = str(tmp_path / "store")
    result = tsr("ingest", str(path), "--store", store, "--partial", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    assert f"{path}: 1 rows rejected" in result.stderr
    assert f"{path}: 2 rows (1 rejected), " in result.stderr
    [source] = json.loads(tsr("sources", "--store", store, "--json").stdout)
    assert source["rows"] == 2


def test_a_website_without_a_scheme_breaks_the_rule(tmp_path: Path) -> None:
    path = write(tmp_path / "acteurs.csv", ACTORS + "A;Association;;www.exemple.org\n"
                                                    "B;Association;;https://exemple.org/b\n")
    result = tsr("validate", str(path), "--store", "memory", "--lang", "en")
    assert result.exit_code == 2
    assert [line for line in result.stderr.splitlines() if "value" in line] == [
        "acteurs.csv, sheet 'acteurs', row 2, column 'Site web' (D2), value 'www.exemple.org': "
        "'Website': a single value; web address (https://…)."]


def test_a_bad_vocabulary_value_is_reported_once(tmp_path: Path) -> None:
    path = write(tmp_path / "acteurs.csv", ACTORS + "A;Banane;;\n")
    report = tmp_path / "rapport.csv"
    result = tsr("validate", str(path), "--store", "memory", "--report", str(report))
    assert result.exit_code == 2
    with report.open(encoding="utf-8-sig", newline="") as handle:
        records = list(csv.DictReader(handle))
    assert [(r["cell"], r["value"]) for r in records] == [("B2", "Banane")]
    refused = tsr("ingest", str(path), "--store", "memory")
    assert "1 violation in acteurs.csv; nothing was loaded" in refused.stderr


def test_duplicate_rows_reach_the_annotated_workbook(tmp_path: Path) -> None:
    path = write(tmp_path / "acteurs.csv", ACTORS + "A;Association;810079194;\n"
                                                    "B;Association;810079194;\n")
    report = tmp_path / "rapport.xlsx"
    result = tsr("validate", str(path), "--store", "memory", "--report", str(report),
                 "--lang", "en")
    assert result.exit_code == 2
    page = load_workbook(report)["acteurs"]
    assert page["A3"].comment is not None
    assert "same entity as row 2" in page["A3"].comment.text
    assert page["A3"].fill.fgColor.rgb.endswith("FFC7CE")
