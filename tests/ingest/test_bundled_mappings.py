"""The mappings shipped with tsr load real open exports as they are downloaded: CORDIS
participations (a CC BY 4.0 slice, tests/fixtures/cordis) and a ROR data dump's CSV
(CC0 records, tests/fixtures/ror)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from ingest.mapping_spec import bundled_mappings, read_mapping_spec
from ingest.pipeline import IngestOptions, ingest_files
from store import Settings, open_store
from store.namespaces import TSR

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CORDIS = FIXTURES / "cordis" / "horizon-europe-organizations-slice.xlsx"
ROR = FIXTURES / "ror" / "ror-data-sample.csv"
VOCAB = "https://w3id.org/tsr-observatory/vocab/"
ID = "https://data.tsr-observatory.org/id/"
SETTINGS = Settings(store="memory")

# French organisations of the slice that are third sector, or of CORDIS type OTH ("other"),
# with their projects and EU contributions, as the file gives them (rows 115-175 of the
# slice; an associated partner's empty ecContribution gives no contribution)
FRENCH_THIRD_SECTOR_OR_OTHER = [
    ("ACTION CONTRE LA FAIM", "WORM", None),
    ("EA ECO-ENTREPRISES ASSOCIATION", "CisWEFE-NEX", "82218.75"),
    ("EIT HEALTH HUB FRANCE", "EIT_XKIC_ShS", "0"),
    ("EIT MANUFACTURING ASBL", "EIT_XKIC_ShS", "1683133.75"),
    ("EIT MANUFACTURING ASBL", "Strategic Synergies", "2355188.75"),
    ("FEDERATION EUROPEENNE D'AGROFORESTERIE (EURAF) ASSOCIATION", "DeepHorizon", "36520"),
    ("IKER-CNRS", "SP-PVCB", None),
    ("INSTITUT D'AMENAGEMENT ET D'URBANISME DE LA REGION D'ILE DE FRANCE", "CAFE", None),
    ("LACQ ODYSSEE, CENTRE DE CULTURE SCIENTIFIQUE, TECHNIQUE ET INDUSTRIELLE DES PAYS DE "
     "L'ADOUR", "CHORAL", None),
    ("RAILENIUM", "LEADER 2030", "170250"),
    ("SCENES OBLIQUES", "CHORAL", None),
    ("THE ALLIANCE FOR INTERNATIONAL MEDICAL ACTION", "EBO-PEP", "750000"),
]


def test_bundled_mappings_are_listed_and_valid() -> None:
    assert bundled_mappings() == ["cordis", "ror"]
    for name in bundled_mappings():
        assert read_mapping_spec(name).description
    listed = CliRunner().invoke(cli, ["mapping", "list"])
    assert listed.stdout.split() == ["cordis", "ror"]


@pytest.fixture(scope="module")
def cordis_store():  # type: ignore[no-untyped-def]
    with open_store(SETTINGS) as store:
        [outcome] = ingest_files(store, [CORDIS], SETTINGS, IngestOptions(mapping=Path("cordis")))
        assert outcome.loaded and not outcome.violations
        assert outcome.reading.rows == 174
        yield store


def test_cordis_every_row_is_a_participation_of_its_project_and_organisation(
        cordis_store) -> None:  # type: ignore[no-untyped-def]
    [row] = cordis_store.query(f"""
        SELECT (COUNT(?p) AS ?participations) (COUNT(DISTINCT ?project) AS ?projects)
               (COUNT(DISTINCT ?org) AS ?organisations) WHERE {{
          ?p a <{TSR}Participation> ; <{TSR}project> ?project ; <{TSR}actor> ?org ;
             <{TSR}role> ?role .
          ?project a <{TSR}Project> . ?org a <{TSR}Actor> }}""")
    assert (row["participations"].value, row["projects"].value) == ("174", "114")
    assert row["organisations"].value == "122"
    # one organisation on two rows (two projects) is one node, minted from its PIC
    rows = cordis_store.query(f"""
        SELECT ?code ?role ?type ?country WHERE {{
          ?p <{TSR}actor> <{ID}actor/pic-898679684> ; <{TSR}project>/<{TSR}code> ?code ;
             <{TSR}role> ?role .
          <{ID}actor/pic-898679684> <{TSR}actorType> ?type ; <{TSR}country> ?country }}
        ORDER BY ?code""")
    assert [(r["code"].value, r["role"].value.rsplit("/", 1)[-1], r["type"].value,
             r["country"].value) for r in rows] == [
        ("101113131", "civil-society-partner", VOCAB + "actor-type/other", VOCAB + "country/FR"),
        ("101113151", "civil-society-partner", VOCAB + "actor-type/other", VOCAB + "country/FR"),
    ]


def test_cordis_french_third_sector_or_other_organisations(cordis_store) -> None:  # type: ignore[no-untyped-def]
    rows = cordis_store.query(f"""
        SELECT ?name ?acronym ?contribution WHERE {{
          ?org <{TSR}country> <{VOCAB}country/FR> ; <{TSR}name> ?name .
          {{ ?org a <{TSR}TSROrganisation> }} UNION {{ ?org <{TSR}actorType> <{VOCAB}actor-type/other> }}
          ?participation <{TSR}actor> ?org ; <{TSR}project>/<{TSR}title> ?acronym .
          OPTIONAL {{ ?participation <{TSR}contribution> ?contribution }}
        }} ORDER BY ?name ?acronym""")
    assert [(r["name"].value, r["acronym"].value,
             r["contribution"].value if r["contribution"] is not None else None)
            for r in rows] == FRENCH_THIRD_SECTOR_OR_OTHER


def test_cordis_roles_and_types_come_from_the_value_maps(cordis_store) -> None:  # type: ignore[no-untyped-def]
    rows = cordis_store.query(f"""
        SELECT ?type ?role (COUNT(*) AS ?n) WHERE {{
          ?p <{TSR}actor>/<{TSR}actorType> ?t ; <{TSR}role> ?r .
          BIND (STRAFTER(STR(?t), "actor-type/") AS ?type)
          BIND (STRAFTER(STR(?r), "project-role/") AS ?role) }}
        GROUP BY ?type ?role ORDER BY ?type ?role""")
    found = {(r["type"].value, r["role"].value): int(r["n"].value) for r in rows}
    assert set(found) >= {("university", "lead"), ("other", "civil-society-partner"),
                          ("research-organisation", "academic-partner"),
                          ("private-company", "civil-society-partner")}
    assert sum(found.values()) == 174
    assert not any(t in {"association", "collective"} for t, _ in found)


def test_ror_dump_csv_loads_with_the_bundled_mapping() -> None:
    with open_store(SETTINGS) as store:
        [outcome] = ingest_files(store, [ROR], SETTINGS, IngestOptions(mapping=Path("ror")))
        assert outcome.loaded and outcome.reading.rows == 26
        assert outcome.reading.notices == []  # every column is mapped or left out on purpose
        rows = store.query(f"""
            SELECT ?name ?type ?region ?wikidata WHERE {{
              <{ID}actor/ror-003vg9w96> <{TSR}name> ?name ; <{TSR}actorType> ?type ;
                 <{TSR}region> ?region ; <{TSR}wikidata> ?wikidata }}""")
        assert [(r["name"].value, r["type"].value, r["region"].value, r["wikidata"].value)
                for r in rows] == [
            ("Institut National de Recherche pour l'Agriculture, l'Alimentation et "
             "l'Environnement", VOCAB + "actor-type/public-authority", VOCAB + "region/11",
             "Q70571774")]
        [count] = store.query(f"""
            SELECT (COUNT(*) AS ?n) WHERE {{ ?a <{TSR}actorType> <{VOCAB}actor-type/other> ;
              <{TSR}country> <{VOCAB}country/FR> }}""")
        assert count["n"].value == "6"


def test_init_points_at_the_bundled_mapping_that_fits() -> None:
    made = CliRunner().invoke(cli, ["mapping", "init", str(CORDIS), "--lang", "en"])
    assert made.exit_code == 0, made.stderr
    assert made.stdout.splitlines()[3] == (
        "# The mapping shipped with tsr for this kind of export may do: "
        f"tsr ingest {CORDIS.name} --mapping cordis")
    made = CliRunner().invoke(cli, ["mapping", "init", str(ROR)])
    assert "--mapping ror" in made.stdout.splitlines()[3]
