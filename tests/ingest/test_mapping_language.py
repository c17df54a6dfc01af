"""The mapping language for foreign files (docs/mapping.md): several entities from one row,
value maps, lists, series, repeats, and the mapping file's own checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from ingest.mapping_spec import MappingError, read_mapping_spec
from ingest.pipeline import IngestOptions, ingest_files, validate_files
from ingest.shapes_model import shapes_model
from store import Settings, open_store
from store.namespaces import TSR

BASE = "https://data.tsr-observatory.org/"
VOCAB = "https://w3id.org/tsr-observatory/vocab/"
SETTINGS = Settings(store="memory")

EXPORT = """Num;Projet;Structure;Catégorie;Partenaires;Budget par année;Commentaire
1;Sols vivants;Atelier des sols;Associatif;Université de Lyon , Collectif X;2019 = 3200 , 2020 = 800;à revoir
2;Eau claire;Atelier des sols;Associatif;;N/A;
3;Air pur;Collectif X;Non connu;Université de Lyon;;
"""

MAPPING = """
empty: ["N/A", "Non connu"]
sheets:
  export:
    entities:
      projet:
        sheet: Projets
        columns:
          Code: {template: "carto-{Num}"}
          Titre: Projet
      structure:
        sheet: Acteurs
        columns:
          Nom: Structure
          Type d'acteur: {column: Catégorie, map: {Associatif: association}, default: collective}
      porteur:
        sheet: Participations
        columns:
          Projet: {entity: projet}
          Acteur: {entity: structure}
          Rôle: {value: lead}
      partenaire:
        sheet: Acteurs
        each: {column: Partenaires, split: ",", as: nom}
        columns:
          Nom: nom
          Type d'acteur: {value: collective}
      participation:
        sheet: Participations
        each: partenaire
        columns:
          Projet: {entity: projet}
          Acteur: {entity: partenaire}
          Rôle: {value: associated-partner}
      budget:
        sheet: Indicateurs
        each: {column: Budget par année, split: ",",
               pattern: '(?P<year>\\d{4})\\s*=\\s*(?P<amount>[\\d ,.]+)'}
        columns:
          Acteur: {entity: structure}
          Année: year
          Budget (EUR): amount
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_one_row_makes_several_linked_entities(tmp_path: Path) -> None:
    export = write(tmp_path, "export.csv", EXPORT)
    mapping = write(tmp_path, "m.yaml", MAPPING)
    with open_store(SETTINGS) as store:
        [outcome] = ingest_files(store, [export], SETTINGS, IngestOptions(mapping=mapping))
        rows = store.query(f"""
            SELECT ?code ?name ?role WHERE {{
              ?p <{TSR}project>/<{TSR}code> ?code ; <{TSR}actor>/<{TSR}name> ?name ;
                 <{TSR}role> ?r . BIND(STRAFTER(STR(?r), "project-role/") AS ?role) }}
            ORDER BY ?code ?name""")
        participations = [(r["code"].value, r["name"].value, r["role"].value) for r in rows]
        types = {r["name"].value: r["type"].value.rsplit("/", 1)[-1] for r in store.query(
            f"SELECT ?name ?type {{ ?a <{TSR}name> ?name ; <{TSR}actorType> ?type }}")}
        budgets = [(r["y"].value, r["b"].value) for r in store.query(
            f"SELECT ?y ?b {{ ?o <{TSR}year> ?y ; <{TSR}budget> ?b }} ORDER BY ?y")]
    assert participations == [
        ("carto-1", "Atelier des sols", "lead"),
        ("carto-1", "Collectif X", "associated-partner"),
        ("carto-1", "Université de Lyon", "associated-partner"),
        ("carto-2", "Atelier des sols", "lead"),
        ("carto-3", "Collectif X", "lead"),
        ("carto-3", "Université de Lyon", "associated-partner"),
    ]
    # "Non connu" means empty, so the default applies; repeats that agree are one actor
    assert types == {"Atelier des sols": "association", "Université de Lyon": "collective",
                     "Collectif X": "collective"}
    assert budgets == [("2019", "3200"), ("2020", "800")]
    assert outcome.reading.rows == 3
    [notice] = outcome.reading.notices
    assert notice.message("en") == (f"{export}, sheet 'export': columns the mapping does not "
                                    "use, not loaded: 'Commentaire'")


def test_a_repeat_that_disagrees_is_reported_with_both_rows(tmp_path: Path) -> None:
    export = write(tmp_path, "export.csv", EXPORT.replace("3;Air pur;Collectif X;Non connu",
                                                          "3;Air pur;Atelier des sols;HES"))
    mapping = write(tmp_path, "m.yaml", MAPPING.replace("{Associatif: association}",
                                                        "{Associatif: association, HES: university}"))
    [outcome] = validate_files(None, [export], SETTINGS, IngestOptions(mapping=mapping))
    [violation] = outcome.violations
    assert (violation.sheet, violation.row, violation.column, violation.letter) == (
        "export", 4, "Catégorie", "D")
    assert violation.message("en") == (
        "This row describes the same entity as row 2 of sheet 'export', but differently: "
        "'Actor type' is 'university' here and 'association' there.")
    assert violation.message("fr").startswith("Cette ligne décrit la même entité que la ligne 2")


def test_a_value_the_mapping_makes_is_checked_at_the_cell_it_came_from(tmp_path: Path) -> None:
    export = write(tmp_path, "export.csv", EXPORT.replace("2019 = 3200", "2019 = beaucoup"))
    mapping = write(tmp_path, "m.yaml", MAPPING)
    [outcome] = validate_files(None, [export], SETTINGS, IngestOptions(mapping=mapping))
    [violation] = outcome.violations
    assert (violation.row, violation.column, violation.letter, violation.component) == (
        2, "Budget par année", "F", "MappingPatternComponent")
    assert violation.value == "2019 = beaucoup"


def test_every_mistake_of_a_mapping_file_is_listed_at_once(tmp_path: Path) -> None:
    mapping = write(tmp_path, "m.yaml", """
sheets:
  export:
    entities:
      projet:
        sheet: Projects
        colums: {}
        columns:
          Code: Num
          Titel: Projet
      structure:
        sheet: Acteurz
        columns: {Nom: Structure}
      porteur:
        sheet: Participations
        columns:
          Projet: {entity: projet}
          Acteur: {entity: personne}
          Rôle: {value: chef, split: ""}
""")
    with pytest.raises(MappingError) as raised:
        read_mapping_spec(mapping, "en")
    projects = shapes_model().sheet_named("Projects")
    assert projects is not None
    project_columns = ", ".join(repr(c.name("en")) for c in projects.columns)
    assert [p.text("en") for p in raised.value.problems] == [
        "sheets.export.entities.projet.colums: unknown key (known keys: 'columns', "
        "'description', 'each', 'key', 'sheet')",
        "sheets.export.entities.projet.columns.Titel: unknown column of sheet 'Projects' "
        f"(columns: {project_columns})",
        "sheets.export.entities.projet.columns: no value for the required column 'Title'",
        "sheets.export.entities.structure.sheet: unknown template sheet 'Acteurz' (sheets: "
        "'Actors', 'Projects', 'Participations', 'Programmes', 'Fundings', 'Outputs', "
        "'Partnerships', 'Indicators', 'Transformations', 'Networks', 'Memberships')",
        "sheets.export.entities.porteur.columns.Rôle.split: a separator is a text of at least "
        "one character (for example ';' or ',')",
        "sheets.export.entities.porteur.columns.Rôle: 'chef' is not a value of the list of "
        "column 'Role' (codes: 'academic-partner', 'associated-partner', "
        "'citizen-participants', 'civil-society-partner', 'funder', 'lead')",
        "sheets.export.entities.porteur: unknown entity 'personne' (entities: 'projet', "
        "'porteur')",
    ]
    assert str(raised.value).splitlines()[0] == f"{mapping}: 7 mistakes in the mapping file:"
    french = MappingError(str(mapping), raised.value.problems, "fr")
    assert str(french).splitlines()[1] == (
        "  sheets.export.entities.projet.colums: clé inconnue (clés permises : « columns », "
        "« description », « each », « key », « sheet »)")


def test_split_with_an_empty_separator_is_a_clear_error(tmp_path: Path) -> None:
    """Was a traceback (ValueError: empty separator)."""
    export = write(tmp_path, "export-structures.csv", "Nom;Identifiants\nAtelier;810079194\n")
    mapping = write(tmp_path, "m.yaml", "sheets:\n  export-structures:\n    sheet: Acteurs\n"
                    "    split: {Identifiants: {separator: '', into: [SIREN, RNA]}}\n")
    result = CliRunner().invoke(cli, ["validate", str(export), "--mapping", str(mapping),
                                      "--store", "memory", "--lang", "en"])
    assert result.exit_code == 2
    assert result.stderr == (f"tsr: error: {mapping}: sheets.export-structures.split."
                             "Identifiants.separator: a separator is a text of at least one "
                             "character (for example ';' or ',')\n")


def test_a_columns_key_that_matches_no_header_is_an_error(tmp_path: Path) -> None:
    """Was ignored without a word."""
    export = write(tmp_path, "export-structures.csv", "Raison sociale;Ville\nAtelier;Lyon\n")
    mapping = write(tmp_path, "m.yaml", "sheets:\n  export-structures:\n    sheet: Acteurs\n"
                    "    columns: {Raison sociale: Nom, Vile: Commune, SIRN: SIREN}\n"
                    "    constants: {Type d'acteur: association}\n")
    result = CliRunner().invoke(cli, ["validate", str(export), "--mapping", str(mapping),
                                      "--store", "memory", "--lang", "en"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"tsr: error: {mapping}: 2 mistakes in the mapping file:",
        "  sheets.export-structures.columns.Vile: the file has no column 'Vile' (columns of the "
        "file: 'Raison sociale', 'Ville')",
        "  sheets.export-structures.columns.SIRN: the file has no column 'SIRN' (columns of the "
        "file: 'Raison sociale', 'Ville')",
    ]


def test_year_only_dates_are_kept_as_years(tmp_path: Path) -> None:
    export = write(tmp_path, "programmes.csv", "Code;Nom;Depuis\nCO3;Co-construction;2018.0\n"
                   "ANR;Sciences avec et pour la société;01/01/2019\n")
    mapping = write(tmp_path, "m.yaml", "sheets:\n  programmes:\n    entities:\n"
                    "      programme:\n        sheet: Programmes\n        columns:\n"
                    "          Code: Code\n          Nom: Nom\n"
                    "          Année de début: {column: Depuis, as: year}\n")
    with open_store(SETTINGS) as store:
        ingest_files(store, [export], SETTINGS, IngestOptions(mapping=mapping))
        years = sorted((r["y"].value, r["y"].datatype.value.rsplit("#", 1)[-1])
                       for r in store.query(f"SELECT ?y {{ ?p <{TSR}startYear> ?y }}"))
    assert years == [("2018", "gYear"), ("2019", "gYear")]


def test_init_writes_a_starter_mapping_and_preview_shows_the_entities(tmp_path: Path) -> None:
    export = write(tmp_path, "annuaire.csv", "Name;Acronym;Ville;Type d'acteur\n"
                   "Atelier des sols;ADS;Lyon;Association\n")
    mapping = tmp_path / "annuaire.yaml"
    made = CliRunner().invoke(cli, ["mapping", "init", str(export), "-o", str(mapping),
                                    "--lang", "en"])
    assert made.exit_code == 0, made.stderr
    assert mapping.read_text(encoding="utf-8").splitlines()[3:] == [
        "sheets:",
        "  annuaire:",
        "    entities:",
        "      actors:",
        "        sheet: Actors",
        "        columns:",
        "          Name: Name",
        "          Acronym: Acronym",
        "          Actor type: Type d'acteur",
        "    # columns of the file that no template column is named after:",
        "    ignore: [Ville]",
    ]
    shown = CliRunner().invoke(cli, ["mapping", "preview", str(export), "--mapping",
                                     str(mapping), "--lang", "en", "--source", "Annuaire 2024"])
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        "annuaire, row 2",
        "  Actors id/actor/annuaire-2024~name-atelier-des-sols",
        "    Name: Atelier des sols",
        "    Acronym: ADS",
        "    Actor type: association",
    ]


def test_a_mapping_says_whose_codes_its_keys_are(tmp_path: Path) -> None:
    mapping = write(tmp_path, "m.yaml", """
sheets:
  projets:
    entities:
      ours: {sheet: Projets, columns: {Code: Code, Titre: Titre}}
      shared: {sheet: Projets, key: shared, columns: {Code: Code, Titre: Titre}}
      theirs: {sheet: Projets, key: {same_as: reseau-a}, columns: {Code: Code, Titre: Titre}}
""")
    entities = read_mapping_spec(mapping).sheets["projets"].entities
    assert [(e.name, e.key, e.key_source) for e in entities] == [
        ("ours", None, None), ("shared", "shared", None), ("theirs", None, "reseau-a")]
    mapping.write_text(mapping.read_text(encoding="utf-8").replace("key: shared", "key: global"),
                       encoding="utf-8")
    with pytest.raises(MappingError) as raised:
        read_mapping_spec(mapping, "en")
    assert [p.text("en") for p in raised.value.problems] == [
        "sheets.projets.entities.shared.key: expected: 'local', 'shared' or 'same_as: <source>'"]
