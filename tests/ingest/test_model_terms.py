"""The model's terms for real exports, through the spreadsheet ingest: a head office abroad
(address, ISO country, EU codes EL/UK), EU PIC and VAT numbers as minting identifiers, the
private-company type (not third sector), a participation's EU contribution and costs, a
project's start and end as a year alone, its field territories and its network."""

from __future__ import annotations

from pathlib import Path

from ingest.pipeline import ingest_files, validate_files
from ingest.source_names import key_namespace, source_name
from store import Settings, open_store
from store.namespaces import TSR, XSD

SETTINGS = Settings(store="memory")
ID = "https://data.tsr-observatory.org/id/"
VOCAB = "https://w3id.org/tsr-observatory/vocab/"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def files(tmp_path: Path) -> list[Path]:
    return [
        write(tmp_path / "Acteurs.csv",
              "Nom;Type d'acteur;PIC;Numéro de TVA;Adresse;Code postal;Commune;Pays\n"
              "Fictive Werkstoffe GmbH;Entreprise privée;999999991;DE 999 999 999;"
              "Beispielstraße 12;10115;Berlin;Allemagne\n"
              "Hellenic Fictional Hub;Other;;el999999999;;;Athènes;EL\n"),
        write(tmp_path / "Réseaux.csv", "Code;Nom\nVIGIE-SOLS;Vigie-Sols\n"),
        write(tmp_path / "Projets.csv",
              "Code;Titre;Début;Fin;Régions;Pays du terrain;Réseaux;Coût total (EUR)\n"
              "P-1;Projet fictif;2011;2013.0;Bretagne;FR; VIGIE-SOLS;1 250 000,50\n"),
        write(tmp_path / "Participations.csv",
              "Projet;Acteur;Rôle;Contribution reçue (EUR);Coût total de la part (EUR)\n"
              "P-1;999999991;Partenaire associé;210000;523750\n"),
    ]


def test_foreign_actors_projects_and_contributions_load(tmp_path: Path) -> None:
    with open_store(SETTINGS) as store:
        paths = files(tmp_path)
        ingest_files(store, paths, SETTINGS)
        # a project code is local to its source (ontology/CONVENTIONS.md)
        project = f"project/{key_namespace(source_name(paths[2]))}~p-1"

        def objects(subject: str, prop: str) -> set[str]:
            rows = store.query(f"SELECT ?o WHERE {{ GRAPH ?g {{ <{ID}{subject}> <{TSR}{prop}> ?o }} }}")
            return {f"{row['o'].value}^^{row['o'].datatype.value}" if hasattr(row["o"], "datatype")
                    else row["o"].value for row in rows}

        # a PIC mints the actor's IRI when no French identifier is there, a VAT number next
        assert objects("actor/pic-999999991", "vatNumber") == {f"DE999999999^^{XSD}string"}
        assert objects("actor/pic-999999991", "country") == {VOCAB + "country/DE"}
        assert objects("actor/pic-999999991", "postalCode") == {f"10115^^{XSD}string"}
        assert objects("actor/vat-el999999999", "country") == {VOCAB + "country/GR"}
        types = {row["t"].value for row in store.query(
            f"SELECT ?t WHERE {{ GRAPH ?g {{ <{ID}actor/pic-999999991> a ?t }} }}")}
        assert types == {TSR + "Actor", TSR + "Organisation"}  # not a TSR actor
        # a year alone stays a year
        assert objects(project, "startDate") == {f"2011^^{XSD}gYear"}
        assert objects(project, "endDate") == {f"2013^^{XSD}gYear"}
        assert objects(project, "fieldRegion") == {VOCAB + "region/53"}
        assert objects(project, "fieldCountry") == {VOCAB + "country/FR"}
        assert objects(project, "network") == {ID + "network/vigie-sols"}
        assert objects(project, "totalCost") == {f"1250000.5^^{XSD}decimal"}
        participation = f"participation/{project[8:]}--pic-999999991--associated-partner"
        assert objects(participation, "contribution") == {f"210000^^{XSD}decimal"}
        assert objects(participation, "totalCost") == {f"523750^^{XSD}decimal"}


def test_a_start_that_is_neither_a_date_nor_a_year_is_reported(tmp_path: Path) -> None:
    projects = write(tmp_path / "Projets.csv", "Code;Titre;Début;Fin\nP-1;Projet;juin 2011;2013\n")
    with open_store(SETTINGS) as store:
        outcomes = validate_files(store, [projects], SETTINGS)
    violations = [v for outcome in outcomes for v in outcome.violations]
    assert [(v.sheet, v.row, v.column, v.value, v.component) for v in violations] == [
        ("Projets", 2, "Début", "juin 2011", "OrConstraintComponent")]
    assert violations[0].message("en") == (
        "'Start': a single value; date (YYYY-MM-DD or DD/MM/YYYY) or year (YYYY); "
        "not after 'End'.")
