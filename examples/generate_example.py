# ruff: noqa: E501  (data tables: one entity per line reads better than wrapped tuples)
"""Generate examples/tsr-example.ttl, the fictional example dataset of the observatory.

Deterministic: the same script gives byte-identical Turtle. Every name is invented; persons
are placeholders ("Exemple", "Fictif", "Modèle"), never real people. IRIs are minted as
ontology/CONVENTIONS.md says, under the default data base IRI.

    python examples/generate_example.py            # rewrites examples/tsr-example.ttl
    python examples/generate_example.py --check    # exit 1 if the file is out of date
"""

from __future__ import annotations

import random
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from store.entailment import TypeRules
from store.model import model_triples
from store.namespaces import TSR

HERE = Path(__file__).resolve().parent
OUT = HERE / "tsr-example.ttl"
DEPARTMENTS = HERE.parent / "ontology" / "vocabularies" / "department.ttl"
BASE = "https://data.tsr-observatory.org/"
V = "https://w3id.org/tsr-observatory/vocab/"
TSR_PREFIX = "tsr:"


# --------------------------------------------------------------------------- identifiers

# The example is the source "tsr-example" (`tsr quickstart` loads it under that name): keys
# that identify only within a source (a project code, a bare name) are minted in its
# namespace; identifiers (SIREN, RNSR, RNA, ROR, ORCID, DOI, HAL) and the shared codes of
# programmes and networks are not (ontology/CONVENTIONS.md, "Keys local to a source").
SOURCE_NAMESPACE = "tsr-example"


def local(key: str) -> str:
    return f"{SOURCE_NAMESPACE}~{key}"


def slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_complete(prefix: str) -> str:
    """Append the digit that makes `prefix` + digit pass the Luhn check."""
    for d in "0123456789":
        if luhn_ok(prefix + d):
            return prefix + d
    raise AssertionError(prefix)


def siren(n: int) -> str:
    return luhn_complete(f"{(81_000_000 + n * 7_919) % 100_000_000:08d}")


def siret(siren_value: str) -> str:
    return luhn_complete(siren_value + "0001")


CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def ror(n: int) -> str:
    """A ROR-shaped id: '0', six Crockford base32 characters, ISO 7064 mod 97-10 checksum."""
    value = 900_000_000 + n * 104_729
    chars = ""
    for _ in range(6):
        value, r = divmod(value, 32)
        chars = CROCKFORD[r] + chars
    number = 0
    for ch in chars:
        number = number * 32 + CROCKFORD.index(ch)
    check = 98 - (number * 100) % 97
    return f"0{chars}{check:02d}"


def orcid(n: int) -> str:
    base = f"000900001234{n:03d}"
    total = 0
    for ch in base:
        total = (total + int(ch)) * 2
    result = (12 - total % 11) % 11
    check = "X" if result == 10 else str(result)
    full = base + check
    return "-".join(full[i:i + 4] for i in range(0, 16, 4))


def idref(n: int) -> str:
    base = f"{23_456_000 + n * 37:08d}"
    total = sum(int(d) * w for d, w in zip(base, range(9, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return base + ("X" if check == 10 else str(check))


# --------------------------------------------------------------------------- model

@dataclass
class Actor:
    name: str
    type: str
    legal: str | None
    dept: str | None
    commune: str | None = None
    insee: str | None = None
    created: str | None = None
    forms: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    acronym: str | None = None
    siren: bool = True
    rna: bool = False
    ror: bool = False
    wikidata: str | None = None
    idref: bool = False
    hal: str | None = None
    orcid: bool = False
    parents: tuple[str, ...] = ()
    ids: dict[str, str] = field(default_factory=dict)
    key: str = ""


TSR_TYPES = {"association", "cooperative", "foundation", "endowment-fund", "ess-company",
             "small-company", "collective", "independent-researcher", "science-shop",
             "research-third-place"}

A = Actor
ACTORS: list[Actor] = [
    # ---- third sector of research (40)
    A("Atelier des Savoirs Partagés", "association", "association-1901", "69", "Lyon", "69123", "2009-03-12",
      ("participatory-research", "mediation", "training"), ("social-sciences", "education"), rna=True,
      wikidata="Q130000101"),
    A("Collectif des Sols Vivants", "collective", "de-facto-group", "35", "Rennes", "35238", None,
      ("participatory-research",), ("agriculture-food", "biodiversity"), siren=False),
    A("Coopérative Terres et Communs", "cooperative", "scic", "44", "Nantes", "44109", "2014-06-02",
      ("action-research", "expertise", "participatory-research"), ("agriculture-food", "social-economy"),
      wikidata="Q130000102"),
    A("Observatoire citoyen de l'eau du Gardon", "association", "association-1901", "30", "Alès", "30007",
      "2012-09-20", ("participatory-research",), ("water", "environment"), rna=True),
    A("Fondation Recherche et Solidarités Rurales", "foundation", "foundation-rup", "75", "Paris", "75056",
      "1998-01-15", ("in-house-research", "expertise"), ("agriculture-food", "social-sciences"),
      ror=True, wikidata="Q130000103", idref=True),
    A("Fonds de dotation Savoirs en Partage", "endowment-fund", "endowment-fund", "13", "Marseille", "13055",
      "2016-11-08", ("mediation",), ("education",)),
    A("Scop Études et Territoires", "cooperative", "scop", "31", "Toulouse", "31555", "2005-04-01",
      ("expertise", "action-research"), ("urban-planning", "social-sciences")),
    A("Boutique des sciences de Bellerive", "science-shop", "association-1901", "59", "Lille", "59350",
      "2011-10-03", ("science-shop", "participatory-research"), ("social-sciences", "environment"), rna=True),
    A("La Fabrique à Hypothèses", "research-third-place", "association-1901", "93", "Montreuil", "93048",
      "2018-05-22", ("research-third-place", "participatory-research", "mediation"), ("digital", "democracy"),
      rna=True),
    A("Association Santé Communautaire et Recherche", "association", "association-1901", "13", "Marseille",
      "13055", "2003-02-10", ("participatory-research", "action-research"), ("health",), acronym="ASCOR",
      rna=True, wikidata="Q130000104"),
    A("Réseau Paysan d'Expérimentation", "association", "association-1901", "29", "Quimper", "29232",
      "2001-12-01", ("participatory-research", "in-house-research"), ("agriculture-food",), rna=True),
    A("Les Curieux de l'Estuaire", "association", "association-1901", "33", "Bordeaux", "33063", "2010-07-07",
      ("mediation", "training"), ("environment", "education"), rna=True),
    A("Labo Citoyen des Mobilités", "association", "association-local-law", "67", "Strasbourg", "67482",
      "2017-03-30", ("participatory-research", "social-innovation"), ("urban-planning",)),
    A("Coopérative d'Ingénierie Sociale Alpine", "cooperative", "scic", "38", "Grenoble", "38185", "2013-01-14",
      ("social-innovation", "expertise", "doctoral-hosting"), ("social-economy", "social-sciences")),
    A("La Grange aux Sciences", "research-third-place", "association-1901", "63", "Clermont-Ferrand", "63113",
      "2019-09-09", ("research-third-place", "mediation"), ("agriculture-food", "digital"), rna=True),
    A("Handi-Savoirs", "association", "association-rup", "75", "Paris", "75056", "1995-06-18",
      ("participatory-research", "expertise", "doctoral-hosting"), ("disability", "health"), rna=True,
      wikidata="Q130000105", idref=True),
    A("Biodiv'Action", "ess-company", "sas-ess", "34", "Montpellier", "34172", "2015-02-02",
      ("expertise", "participatory-research"), ("biodiversity",)),
    A("Hydra Conseil", "small-company", "sarl", "21", "Dijon", "21231", "2008-10-10", ("expertise",),
      ("water",)),
    A("Association des Jardins Partagés de Valombre", "association", "association-1901", "87", "Limoges", "87085",
      "2012-04-04", ("participatory-research",), ("agriculture-food", "urban-planning"), rna=True, siren=False),
    A("Mémoires Ouvrières du Nord", "association", "association-1901", "59", "Roubaix", "59512", "1999-11-11",
      ("action-research", "mediation"), ("humanities",), rna=True),
    A("Collectif Numérique Libre et Recherche", "collective", "de-facto-group", "35", "Rennes", "35238", None,
      ("participatory-research", "training"), ("digital",), siren=False),
    A("Institut Coopératif pour l'Habitat Participatif", "cooperative", "scic", "69", "Villeurbanne", "69266",
      "2016-01-20", ("action-research", "social-innovation"), ("urban-planning",)),
    A("Océan Commun", "association", "association-1901", "29", "Brest", "29019", "2014-08-08",
      ("participatory-research", "mediation"), ("biodiversity", "environment"), rna=True, wikidata="Q130000106"),
    A("Énergies Citoyennes en Recherche", "cooperative", "scic", "26", "Valence", "26362", "2018-02-15",
      ("participatory-research", "social-innovation"), ("energy-climate",), acronym="ECR"),
    A("Fondation Éducation et Territoires", "foundation", "sheltered-foundation", "75", "Paris", "75056",
      "2011-05-05", ("in-house-research",), ("education",), siren=False, rna=False),
    A("Agora des Communs Locaux", "association", "association-1901", "44", "Saint-Nazaire", "44184",
      "2016-10-01", ("action-research", "participatory-research"), ("democracy",), rna=True),
    A("Parcours Santé Mentale et Pairs", "association", "association-1901", "31", "Toulouse", "31555",
      "2013-03-03", ("participatory-research", "expertise"), ("health",), rna=True),
    A("Scop Analyse et Débat", "cooperative", "scop", "75", "Paris", "75056", "2007-12-12",
      ("expertise", "training"), ("democracy", "social-sciences"), wikidata="Q130000107"),
    A("Boutique des sciences du Massif", "science-shop", "association-1901", "63", "Clermont-Ferrand", "63113",
      "2020-01-06", ("science-shop",), ("environment",), rna=True, siren=False),
    A("Savoirs Péi", "association", "association-1901", "974", "Saint-Denis", "97411", "2015-07-14",
      ("participatory-research", "mediation"), ("biodiversity", "humanities"), rna=True),
    A("Nature et Cités Rhénanes", "association", "association-local-law", "67", "Strasbourg", "67482",
      "2009-09-09", ("participatory-research",), ("biodiversity", "urban-planning")),
    A("Atelier d'Urbanisme Participatif", "association", "association-1901", "13", "Aix-en-Provence", "13001",
      "2010-01-25", ("action-research", "expertise"), ("urban-planning",), acronym="AUP", rna=True),
    A("Fonds de dotation Recherche Paysanne", "endowment-fund", "endowment-fund", "35", "Rennes", "35238",
      "2019-06-01", ("in-house-research",), ("agriculture-food",)),
    A("Données Solidaires", "ess-company", "sas-ess", "33", "Bordeaux", "33063", "2020-03-16",
      ("expertise", "social-innovation"), ("digital", "social-economy")),
    A("Maison des Savoirs Paysans", "association", "association-1901", "19", "Tulle", "19272", "2006-05-20",
      ("participatory-research", "training"), ("agriculture-food",), rna=True),
    A("Collectif Vigilance Air", "collective", "de-facto-group", "38", "Grenoble", "38185", None,
      ("participatory-research",), ("health", "environment"), siren=False),
    A("Alex Exemple", "independent-researcher", "sole-proprietorship", "34", "Montpellier", "34172", None,
      ("expertise", "participatory-research"), ("biodiversity",), siren=False, orcid=True),
    A("Sam Fictif", "independent-researcher", "sole-proprietorship", "44", "Nantes", "44109", None,
      ("action-research",), ("social-sciences",), siren=False, orcid=True),
    A("Lou Modèle", "independent-researcher", None, "21", "Dijon", "21231", None, ("expertise",),
      ("humanities",), siren=False, orcid=True),
    A("Observatoire des Transitions Alimentaires", "association", "association-1901", "84", "Avignon", "84007",
      "2017-11-30", ("expertise", "participatory-research"), ("agriculture-food",), acronym="OTA", rna=True,
      ror=True),
    # ---- higher education and research (15)
    A("Université de Valombre", "university", "epscp", "69", "Lyon", "69123", "1970-01-01", (),
      ("social-sciences", "environment"), ror=True, wikidata="Q130000201", idref=True, hal="300001"),
    A("Université Atlantique de Loire", "university", "epscp", "44", "Nantes", "44109", "1971-01-01", (),
      ("biodiversity",), ror=True, hal="300002"),
    A("Université Occitane des Sciences Humaines", "university", "epscp", "31", "Toulouse", "31555",
      "1969-01-01", (), ("humanities", "social-sciences"), ror=True, hal="300003"),
    A("École nationale d'ingénieurs des territoires", "school", "epscp", "63", "Clermont-Ferrand", "63113",
      "1985-01-01", ("training",), ("digital", "agriculture-food"), ror=True),
    A("Institut national de recherche pour l'environnement et les sociétés", "research-organisation", "epst",
      "75", "Paris", "75056", "1982-01-01", (), ("environment",), acronym="INRES", ror=True,
      wikidata="Q130000202"),
    A("Centre national d'études en santé publique participative", "research-organisation", "epst", "75",
      "Paris", "75056", "1990-01-01", (), ("health",), acronym="CNESPP", ror=True),
    A("Laboratoire Sociétés, Environnements, Territoires", "research-unit", None, "69", "Lyon", "69123", None,
      ("participatory-research",), ("environment", "social-sciences"), acronym="SET", siren=False,
      parents=("Université de Valombre",
               "Institut national de recherche pour l'environnement et les sociétés"), hal="400001"),
    A("Laboratoire d'Écologie Participative", "research-unit", None, "44", "Nantes", "44109", None,
      ("participatory-research", "science-shop"), ("biodiversity",), acronym="LEP", siren=False,
      parents=("Université Atlantique de Loire",
               "Institut national de recherche pour l'environnement et les sociétés"), ror=True),
    A("Centre de recherche sur les Savoirs et l'Action", "research-unit", None, "31", "Toulouse", "31555", None,
      ("action-research",), ("social-sciences",), acronym="CRSA", siren=False,
      parents=("Université Occitane des Sciences Humaines",)),
    A("Laboratoire Hydrosystèmes et Sociétés", "research-unit", None, "34", "Montpellier", "34172", None, (),
      ("water",), acronym="LHS", siren=False,
      parents=("Université Occitane des Sciences Humaines",
               "Institut national de recherche pour l'environnement et les sociétés")),
    A("Unité Santé, Communautés, Territoires", "research-unit", None, "13", "Marseille", "13055", None,
      ("participatory-research",), ("health",), acronym="USCT", siren=False,
      parents=("Centre national d'études en santé publique participative",)),
    A("Laboratoire d'Informatique Citoyenne", "research-unit", None, "63", "Clermont-Ferrand", "63113", None,
      (), ("digital",), acronym="LIC", siren=False, parents=("École nationale d'ingénieurs des territoires",)),
    A("Laboratoire Mer et Littoraux", "research-unit", None, "29", "Brest", "29019", None, (),
      ("biodiversity", "environment"), acronym="LML", siren=False, parents=("Université Atlantique de Loire",)),
    A("Laboratoire d'Histoire Sociale du Travail", "research-unit", None, "59", "Lille", "59350", None, (),
      ("humanities",), acronym="LHST", siren=False, parents=("Université de Valombre",)),
    A("Laboratoire Alimentation, Agricultures et Transitions", "research-unit", None, "35", "Rennes", "35238",
      None, ("participatory-research",), ("agriculture-food",), acronym="LAAT", siren=False,
      parents=("Institut national de recherche pour l'environnement et les sociétés",
               "Université Atlantique de Loire")),
    # ---- funders and public authorities (5)
    A("Agence nationale de la recherche participative", "funder", "epa", "75", "Paris", "75056", "2005-02-07",
      (), (), acronym="ANRP", ror=True),
    A("Agence de la transition écologique et solidaire", "funder", "epic", "49", "Angers", "49007",
      "1991-12-19", ("expertise",), ("energy-climate",), acronym="ATES"),
    A("Fondation pour les savoirs partagés", "funder", "foundation-rup", "75", "Paris", "75056", "2010-10-10",
      (), ()),
    A("Agence régionale pour l'innovation Bretagne-Atlantique", "funder", "gip", "35", "Rennes", "35238",
      "2012-01-01", (), (), acronym="ARIBA"),
    A("Communauté urbaine de Valombre", "public-authority", "local-authority", "69", "Lyon", "69123", None,
      (), ()),
]

BY_NAME = {a.name: a for a in ACTORS}


def assign_identifiers() -> None:
    rnsr_n = 0
    for i, a in enumerate(ACTORS, start=1):
        if a.siren:
            a.ids["siren"] = siren(i)
            if a.type not in ("independent-researcher",) and i % 3 != 0:
                a.ids["siret"] = siret(a.ids["siren"])
        if a.type == "research-unit":
            rnsr_n += 1
            a.ids["rnsr"] = f"2{(10 + rnsr_n) % 100:02d}{(rnsr_n * 7_351) % 1_000_000:06d}{'ABCDEFGHJKLMNPR'[rnsr_n]}"
        if a.rna:
            a.ids["rna"] = f"W{(a.dept or '75')[:2].replace('97', '9R')}{(i * 104_729) % 10_000_000:07d}"
        if a.ror:
            a.ids["ror"] = ror(i)
        if a.idref:
            a.ids["idref"] = idref(i)
        if a.orcid:
            a.ids["orcid"] = orcid(i)
        if a.wikidata:
            a.ids["wikidata"] = a.wikidata
        if a.hal:
            a.ids["halStructure"] = a.hal
        for prefix in ("siren", "rnsr", "rna", "ror", "orcid"):
            if prefix in a.ids:
                a.key = f"{prefix}-{slug(a.ids[prefix])}"
                break
        else:
            a.key = local(f"name-{slug(a.name)}")


def actor_iri(name: str) -> str:
    return f"<{BASE}id/actor/{BY_NAME[name].key}>"


# --------------------------------------------------------------------------- projects

@dataclass
class Project:
    code: str
    title: str
    start: str
    end: str
    status: str
    level: str
    fields: tuple[str, ...]
    regions: tuple[str, ...]
    lead: str
    academic: tuple[str, ...]
    civil: tuple[str, ...] = ()
    citizens: tuple[str, int] | None = None
    fundings: tuple[tuple[str, str | None, int, int, str], ...] = ()  # funder, programme, amount, year, source
    keywords: tuple[str, ...] = ()


FSP = "Fondation pour les savoirs partagés"
ANRP = "Agence nationale de la recherche participative"
ATES = "Agence de la transition écologique et solidaire"
ARIBA = "Agence régionale pour l'innovation Bretagne-Atlantique"
CUV = "Communauté urbaine de Valombre"
U1, U2, U3 = "Université de Valombre", "Université Atlantique de Loire", "Université Occitane des Sciences Humaines"
INRES = "Institut national de recherche pour l'environnement et les sociétés"
SET, LEP, CRSA = ("Laboratoire Sociétés, Environnements, Territoires", "Laboratoire d'Écologie Participative",
                  "Centre de recherche sur les Savoirs et l'Action")
LHS, USCT, LIC = ("Laboratoire Hydrosystèmes et Sociétés", "Unité Santé, Communautés, Territoires",
                  "Laboratoire d'Informatique Citoyenne")
LML, LHST, LAAT = ("Laboratoire Mer et Littoraux", "Laboratoire d'Histoire Sociale du Travail",
                   "Laboratoire Alimentation, Agricultures et Transitions")
ENIT = "École nationale d'ingénieurs des territoires"
CNESPP = "Centre national d'études en santé publique participative"

P = Project
PROJECTS: list[Project] = [
    # CO3-like programme (2018-2022)
    P("CO3-SOLS", "Sols vivants : diagnostics paysans et analyses de laboratoire", "2019-01-15", "2022-06-30",
      "completed", "co-created", ("agriculture-food", "biodiversity"), ("53",), "Collectif des Sols Vivants",
      (LAAT,), ("Réseau Paysan d'Expérimentation",), ("Réseau Paysan d'Expérimentation", 85),
      ((FSP, "co3", 180_000, 2019, "foundation"),), ("sols", "agroécologie")),
    P("CO3-EAU", "L'eau du Gardon en partage", "2019-03-01", "2022-02-28", "completed", "collaborative",
      ("water",), ("76",), "Observatoire citoyen de l'eau du Gardon", (LHS,), (), ("Observatoire citoyen de l'eau du Gardon", 140),
      ((FSP, "co3", 150_000, 2019, "foundation"),), ("rivière", "qualité de l'eau")),
    P("CO3-SANTE", "Santé communautaire dans les quartiers nord", "2020-01-06", "2022-12-15", "completed",
      "co-created", ("health",), ("93",), "Association Santé Communautaire et Recherche", (USCT,),
      ("Parcours Santé Mentale et Pairs",), None, ((FSP, "co3", 200_000, 2020, "foundation"),), ("santé",)),
    P("CO3-HABITAT", "Habiter autrement : évaluer l'habitat participatif", "2018-10-01", "2021-09-30",
      "completed", "collaborative", ("urban-planning",), ("84",), "Institut Coopératif pour l'Habitat Participatif",
      (SET, U1), (), None, ((FSP, "co3", 120_000, 2018, "foundation"),), ("habitat",)),
    P("CO3-MEMOIRE", "Mémoires ouvrières et transitions", "2019-09-01", "2022-08-31", "completed",
      "co-created", ("humanities",), ("32",), "Mémoires Ouvrières du Nord", (LHST,),
      ("Boutique des sciences de Bellerive",), ("Mémoires Ouvrières du Nord", 40),
      ((FSP, "co3", 95_000, 2019, "foundation"),)),
    # ANR-like participatory calls
    P("ANRP-BIODIV-URB", "Biodiversité urbaine observée par les habitants", "2021-01-01", "2024-12-31",
      "ongoing", "contributory", ("biodiversity", "urban-planning"), ("44",), "Nature et Cités Rhénanes",
      (LEP,), ("Biodiv'Action",), ("Nature et Cités Rhénanes", 320),
      ((ANRP, "anrp-sp", 250_000, 2021, "state"),)),
    P("ANRP-HANDI", "Recherche inclusive et handicap", "2022-01-01", "2025-06-30", "ongoing", "co-created",
      ("disability", "health"), ("11",), "Handi-Savoirs", (CNESPP, CRSA), (), ("Handi-Savoirs", 60),
      ((ANRP, "anrp-sp", 300_000, 2022, "state"), (FSP, None, 40_000, 2023, "foundation"))),
    P("ANRP-AIR", "Capteurs citoyens de la qualité de l'air", "2022-09-01", "2025-08-31", "ongoing",
      "contributory", ("health", "environment"), ("84",), "Collectif Vigilance Air", (SET,),
      ("Labo Citoyen des Mobilités",), ("Collectif Vigilance Air", 210),
      ((ANRP, "anrp-sp", 220_000, 2022, "state"),)),
    P("ANRP-OCEAN", "Observatoire participatif du littoral", "2023-01-01", "2026-12-31", "ongoing",
      "collaborative", ("biodiversity",), ("53",), "Océan Commun", (LML,), ("Les Curieux de l'Estuaire",),
      ("Océan Commun", 150), ((ANRP, "anrp-sp", 280_000, 2023, "state"),)),
    P("ANRP-PAIRS", "Savoirs des pairs en santé mentale", "2023-03-01", "2026-02-28", "ongoing", "co-created",
      ("health",), ("76",), "Parcours Santé Mentale et Pairs", (CRSA,), (), None,
      ((ANRP, "anrp-sp", 190_000, 2023, "state"),)),
    # ADEME-like
    P("ATES-ENERGIE", "Communautés énergétiques citoyennes", "2021-04-01", "2024-03-31", "completed",
      "collaborative", ("energy-climate",), ("84",), "Énergies Citoyennes en Recherche", (SET,),
      ("Coopérative d'Ingénierie Sociale Alpine",), ("Énergies Citoyennes en Recherche", 75),
      ((ATES, "ates-tes", 160_000, 2021, "state"),)),
    P("ATES-ALIM", "Transitions alimentaires territoriales", "2022-02-01", "2024-12-31", "ongoing",
      "collaborative", ("agriculture-food",), ("93",), "Observatoire des Transitions Alimentaires", (LAAT,),
      ("Maison des Savoirs Paysans",), None, ((ATES, "ates-tes", 140_000, 2022, "state"),)),
    P("ATES-MOBI", "Mobilités du quotidien en ville moyenne", "2022-06-01", "2024-05-31", "completed",
      "contributory", ("urban-planning", "energy-climate"), ("44",), "Labo Citoyen des Mobilités", (SET,), (),
      ("Labo Citoyen des Mobilités", 400), ((ATES, "ates-tes", 90_000, 2022, "state"),)),
    P("ATES-EAU-AGRI", "Eau et agriculture : expérimentations paysannes", "2023-01-01", "2025-12-31", "ongoing",
      "co-created", ("water", "agriculture-food"), ("76",), "Hydra Conseil", (LHS,),
      ("Observatoire citoyen de l'eau du Gardon",), None,
      ((ATES, "ates-tes", 110_000, 2023, "state"), (CUV, None, 30_000, 2024, "local-authority"))),
    # foundation call
    P("FSP-EDUC", "Apprendre par la recherche au collège", "2022-09-01", "2024-06-30", "completed",
      "collaborative", ("education",), ("11",), "Fondation Éducation et Territoires", (CRSA,),
      ("Les Curieux de l'Estuaire",), None, ((FSP, "fsp-savoirs", 60_000, 2022, "foundation"),)),
    P("FSP-NUMLIB", "Outils libres pour la recherche citoyenne", "2023-01-01", "2024-12-31", "ongoing",
      "co-created", ("digital",), ("53",), "Collectif Numérique Libre et Recherche", (LIC,),
      ("La Fabrique à Hypothèses",), None, ((FSP, "fsp-savoirs", 45_000, 2023, "foundation"),)),
    P("FSP-TIERSLIEU", "Tiers-lieux de recherche en milieu rural", "2023-04-01", "2025-03-31", "ongoing",
      "co-created", ("agriculture-food", "democracy"), ("84",), "La Grange aux Sciences", (ENIT,),
      ("Boutique des sciences du Massif",), ("La Grange aux Sciences", 55),
      ((FSP, "fsp-savoirs", 70_000, 2023, "foundation"),)),
    P("FSP-DEMOC", "Démocratie locale et savoirs d'usage", "2022-01-01", "2023-12-31", "completed",
      "collaborative", ("democracy",), ("52",), "Agora des Communs Locaux", (U2,), ("Sam Fictif",), None,
      ((FSP, "fsp-savoirs", 50_000, 2022, "foundation"),)),
    # regional programme
    P("ARIBA-PECHE", "Pêche artisanale et savoirs locaux", "2022-03-01", "2024-02-29", "completed",
      "collaborative", ("biodiversity", "humanities"), ("53",), "Océan Commun", (LML,), (), None,
      ((ARIBA, "ariba-ra", 80_000, 2022, "local-authority"),)),
    P("ARIBA-SEMENCES", "Semences paysannes en Bretagne", "2023-02-01", "2025-01-31", "ongoing", "co-created",
      ("agriculture-food",), ("53",), "Réseau Paysan d'Expérimentation", (LAAT,),
      ("Fonds de dotation Recherche Paysanne",), ("Réseau Paysan d'Expérimentation", 120),
      ((ARIBA, "ariba-ra", 75_000, 2023, "local-authority"), ("Fonds de dotation Recherche Paysanne", None,
                                                             20_000, 2023, "foundation"))),
    P("ARIBA-DATA", "Données ouvertes des associations", "2024-01-01", "2025-12-31", "ongoing", "collaborative",
      ("digital", "social-economy"), ("53",), "Données Solidaires", (LIC,),
      ("Collectif Numérique Libre et Recherche",), None, ((ARIBA, "ariba-ra", 55_000, 2024, "local-authority"),)),
    # other projects
    P("ESS-SCIC-IMPACT", "Mesurer l'impact social des SCIC", "2021-09-01", "2023-08-31", "completed",
      "collaborative", ("social-economy",), ("84",), "Coopérative d'Ingénierie Sociale Alpine", (U1,),
      ("Coopérative Terres et Communs",), None, ((CUV, None, 35_000, 2021, "local-authority"),)),
    P("PEI-BIODIV", "Savoirs créoles de la biodiversité", "2022-05-01", "2025-04-30", "ongoing", "co-created",
      ("biodiversity", "humanities"), ("04",), "Savoirs Péi", (INRES,), (), ("Savoirs Péi", 90),
      ((ANRP, None, 120_000, 2022, "state"),)),
    P("URBA-AIX", "Urbanisme participatif et îlots de chaleur", "2023-06-01", "2024-11-30", "completed",
      "contributory", ("urban-planning", "energy-climate"), ("93",), "Atelier d'Urbanisme Participatif", (LHS,),
      ("Alex Exemple",), ("Atelier d'Urbanisme Participatif", 180)),
    P("TRAV-RUR", "Travail et ruralité : enquête participative", "2024-02-01", "2026-01-31", "planned",
      "collaborative", ("social-sciences",), ("75",), "Fondation Recherche et Solidarités Rurales", (CRSA,),
      ("Maison des Savoirs Paysans", "Lou Modèle"), None,
      (("Fondation Recherche et Solidarités Rurales", None, 65_000, 2024, "foundation"),)),
]

PROGRAMMES = [
    ("co3", "CO3", "CO3 – Co-construction des connaissances pour la transition écologique et solidaire (exemple)",
     FSP, 2018, 2022, "Programme fictif inspiré de CO3 : projets co-construits entre acteurs de la société civile et de la recherche."),
    ("anrp-sp", "ANRP-SP", "Sciences participatives (ANRP)", ANRP, 2020, 2026,
     "Appel annuel fictif de l'agence pour des projets de recherche participative."),
    ("ates-tes", "ATES-TES", "Transitions écologiques et sociales (ATES)", ATES, 2021, 2025,
     "Appel fictif de l'agence de la transition écologique pour la recherche-action."),
    ("fsp-savoirs", "FSP-SAVOIRS", "Savoirs partagés (Fondation pour les savoirs partagés)", FSP, 2022, 2024,
     "Appel fictif d'une fondation pour des projets de recherche et de médiation."),
    ("ariba-ra", "ARIBA-RA", "Recherche-action en Bretagne-Atlantique", ARIBA, 2022, 2025,
     "Appel régional fictif pour la recherche-action."),
]

NETWORKS = [
    ("reseau-tsr-esr", "RESEAU-TSR-ESR", "Réseau national Tiers secteur de la recherche – ESR (exemple)",
     "Réseau fictif gouverné à parité par des membres du TSR et de l'ESR."),
    ("rrp-occitanie", "RRP-OCCITANIE", "Réseau régional des recherches participatives d'Occitanie (exemple)",
     "Réseau régional fictif."),
]


def q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def concept(scheme: str, notation: str) -> str:
    return f"<{V}{scheme}/{notation}>"


def entity(kind: str, key: str) -> str:
    return f"<{BASE}id/{kind}/{key}>"


IMPLIED = {
    **{t: "tsr:TSROrganisation" for t in ("association", "cooperative", "foundation", "endowment-fund",
                                           "ess-company", "small-company", "collective")},
    "independent-researcher": "tsr:IndependentResearcher", "science-shop": "tsr:IntermediaryStructure",
    "research-third-place": "tsr:IntermediaryStructure", "university": "tsr:ESROrganisation",
    "school": "tsr:ESROrganisation", "research-organisation": "tsr:ESROrganisation",
    "research-unit": "tsr:ResearchUnit", "funder": "tsr:Funder", "public-authority": "tsr:PublicAuthority",
}


RULES = TypeRules.of(model_triples())


def block(subject: str, types: list[str], props: list[tuple[str, str]]) -> str:
    # every class up the model's hierarchy, as the ingest writes them (materialised classes)
    types = [TSR_PREFIX + t.removeprefix(TSR) for t in RULES.closed(
        [TSR + t.removeprefix(TSR_PREFIX) for t in types])]
    lines = [f"{subject} a {', '.join(types)} ;"]
    lines += [f"    {p} {o} ;" for p, o in props]
    lines[-1] = lines[-1][:-2] + " ."
    return "\n".join(lines) + "\n"


def gyear(y: int) -> str:
    return f'"{y}"^^xsd:gYear'


def dec(x: float) -> str:
    return f'"{x:.2f}"^^xsd:decimal'


def load_department_regions() -> dict[str, str]:
    text = DEPARTMENTS.read_text(encoding="utf-8")
    found = re.findall(r"vocab/department/(\w+)> a .*?vocab/region/(\w+)>", text, flags=re.S)
    return dict(found)


def build() -> str:
    assign_identifiers()
    dept_region = load_department_regions()
    out: list[str] = [
        "@prefix tsr:  <https://w3id.org/tsr-observatory/ontology#> .\n"
        "@prefix qb:   <http://purl.org/linked-data/cube#> .\n"
        "@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .\n\n"
        "# The observatory's fictional example dataset. Generated by examples/generate_example.py;\n"
        "# edit the script, not this file. Every organisation and person here is invented.\n"
    ]

    out.append("\n# ---------------------------------------------------------------- actors\n")
    for a in ACTORS:
        props: list[tuple[str, str]] = [("tsr:name", q(a.name))]
        if a.acronym:
            props.append(("tsr:acronym", q(a.acronym)))
        props.append(("tsr:actorType", concept("actor-type", a.type)))
        if a.legal:
            props.append(("tsr:legalForm", concept("legal-form", a.legal)))
        for k in ("siren", "siret", "rna", "rnsr", "ror", "idref", "orcid", "wikidata", "halStructure"):
            if k in a.ids:
                props.append((f"tsr:{k}", q(a.ids[k])))
        if a.dept:
            props.append(("tsr:region", concept("region", dept_region[a.dept])))
            props.append(("tsr:department", concept("department", a.dept)))
        if a.commune:
            props.append(("tsr:commune", q(a.commune)))
        if a.insee:
            props.append(("tsr:communeCode", q(a.insee)))
        if a.created:
            props.append(("tsr:creationDate", f'"{a.created}"^^xsd:date'))
        for f in a.forms:
            props.append(("tsr:investmentForm", concept("investment-form", f)))
        for f in a.fields:
            props.append(("tsr:researchField", concept("research-field", f)))
        for p in a.parents:
            props.append(("tsr:parentOrganisation", actor_iri(p)))
        out.append(block(f"<{BASE}id/actor/{a.key}>", ["tsr:Actor", IMPLIED[a.type]], props))

    out.append("\n# ---------------------------------------------------------------- networks\n")
    for key, code, name, desc in NETWORKS:
        out.append(block(entity("network", key), ["tsr:Network"],
                         [("tsr:code", q(code)), ("tsr:name", q(name)), ("tsr:description", q(desc))]))

    out.append("\n# ---------------------------------------------------------------- programmes\n")
    for key, code, name, funder, y0, y1, desc in PROGRAMMES:
        assert slug(code) == key
        out.append(block(entity("programme", key), ["tsr:Programme"], [
            ("tsr:code", q(code)), ("tsr:name", q(name)), ("tsr:funder", actor_iri(funder)),
            ("tsr:startYear", gyear(y0)), ("tsr:endYear", gyear(y1)), ("tsr:description", q(desc))]))

    out.append("\n# ---------------------------------------------------------------- projects\n")
    roles = ("lead", "academic-partner", "civil-society-partner", "citizen-participants", "funder")
    participations: list[str] = []
    fundings: list[str] = []
    for p in PROJECTS:
        pkey = local(slug(p.code))
        props = [("tsr:code", q(p.code)), ("tsr:title", q(p.title)),
                 ("tsr:startDate", f'"{p.start}"^^xsd:date'), ("tsr:endDate", f'"{p.end}"^^xsd:date'),
                 ("tsr:projectStatus", concept("project-status", p.status)),
                 ("tsr:participationLevel", concept("participation-level", p.level))]
        props += [("tsr:researchField", concept("research-field", f)) for f in p.fields]
        props += [("tsr:keyword", q(k)) for k in p.keywords]
        props += [("tsr:fieldRegion", concept("region", r)) for r in p.regions]
        out.append(block(entity("project", pkey), ["tsr:Project"], props))
        members: list[tuple[str, str, int | None]] = [(p.lead, "lead", None)]
        members += [(x, "academic-partner", None) for x in p.academic]
        members += [(x, "civil-society-partner", None) for x in p.civil]
        if p.citizens:
            members.append((p.citizens[0], "citizen-participants", p.citizens[1]))
        for funder in dict.fromkeys(f[0] for f in p.fundings):
            members.append((funder, "funder", None))
        assert all(r in roles for _, r, _ in members)
        for who, role, count in members:
            key = f"{pkey}--{BY_NAME[who].key}--{role}"
            pprops = [("tsr:project", entity("project", pkey)), ("tsr:actor", actor_iri(who)),
                      ("tsr:role", concept("project-role", role))]
            if count is not None:
                pprops.append(("tsr:participantCount", f'"{count}"^^xsd:integer'))
            participations.append(block(entity("participation", key), ["tsr:Participation"], pprops))
        for funder, prog, amount, year, source in p.fundings:
            key = f"{pkey}--{BY_NAME[funder].key}--{year}"
            fprops = [("tsr:project", entity("project", pkey)), ("tsr:funder", actor_iri(funder))]
            if prog:
                fprops.append(("tsr:programme", entity("programme", prog)))
            fprops += [("tsr:amount", dec(amount)), ("tsr:year", gyear(year)),
                       ("tsr:fundingSourceType", concept("funding-source-type", source))]
            fundings.append(block(entity("funding", key), ["tsr:Funding"], fprops))
    out.append("\n# ---------------------------------------------------------------- participations\n")
    out += participations
    out.append("\n# ---------------------------------------------------------------- fundings\n")
    out += fundings

    out.append("\n# ---------------------------------------------------------------- outputs\n")
    out += outputs()
    out.append("\n# ---------------------------------------------------------------- partnerships\n")
    out += partnerships()
    out.append("\n# ---------------------------------------------------------------- indicators\n")
    out += observations()
    out.append("\n# ---------------------------------------------------------------- transformations\n")
    out += transformations()
    out.append("\n# ---------------------------------------------------------------- memberships\n")
    out += memberships()
    return "\n".join(out)


# --------------------------------------------------------------------------- outputs

OUTPUT_TYPES = ("article", "report", "book", "book-chapter", "thesis", "conference-paper", "grey-literature",
                "dataset", "software", "policy-brief", "educational-resource", "audiovisual")
TYPE_FR = {"article": "Article", "report": "Rapport", "book": "Ouvrage", "book-chapter": "Chapitre",
           "thesis": "Thèse", "conference-paper": "Communication", "grey-literature": "Livret",
           "dataset": "Données", "software": "Logiciel", "policy-brief": "Note", "educational-resource":
           "Kit pédagogique", "audiovisual": "Film"}


def outputs() -> list[str]:
    blocks = []
    n = 0
    seen: set[str] = set()
    # two outputs per project (50), then 10 outputs of single TSR actors
    plan: list[tuple[str, list[str], list[str], int]] = []  # type, authors, project codes, year
    for i, p in enumerate(PROJECTS):
        end_year = min(int(p.end[:4]), 2024)
        start_year = int(p.start[:4])
        t1 = OUTPUT_TYPES[(2 * i) % 12]
        t2 = OUTPUT_TYPES[(2 * i + 1) % 12]
        # one of the two outputs is co-authored by the lead and its first academic partner
        both, alone = [p.lead, p.academic[0]], [p.lead]
        plan.append((t1, both if i % 2 == 0 else alone, [p.code], end_year))
        plan.append((t2, alone if i % 2 == 0 else both, [p.code], min(start_year + 1, 2024)))
    solo = [("Handi-Savoirs", "report", 2022), ("Scop Analyse et Débat", "policy-brief", 2023),
            ("Fondation Recherche et Solidarités Rurales", "book", 2021),
            ("Coopérative Terres et Communs", "grey-literature", 2022), ("Alex Exemple", "article", 2023),
            ("Hydra Conseil", "report", 2024), ("Atelier des Savoirs Partagés", "educational-resource", 2022),
            ("Données Solidaires", "software", 2024), ("Sam Fictif", "thesis", 2021),
            ("Les Curieux de l'Estuaire", "audiovisual", 2023)]
    plan += [(t, [who], [], y) for who, t, y in solo]
    for t, authors, codes, year in plan:
        n += 1
        lead = authors[0]
        title = f"{TYPE_FR[t]} n°{n} : " + (
            next(p.title for p in PROJECTS if p.code == codes[0]) if codes else f"travaux de {lead}")
        props = [("tsr:title", q(title)), ("tsr:outputType", concept("output-type", t)), ("tsr:year", gyear(year))]
        doi = hal = None
        if t in ("article", "book", "book-chapter", "dataset", "software") and n % 5 != 0:
            doi = f"10.5555/tsr.{2000 + n}"
        if t in ("report", "thesis", "conference-paper", "article") and n % 2 == 0:
            hal = f"hal-{4_100_000 + n * 13:08d}"
        if doi:
            props.append(("tsr:doi", q(doi)))
            key = f"doi-{slug(doi)}"
        elif hal:
            key = f"hal-{slug(hal)}"
        else:
            key = local(f"name-{slug(title)}")
        if hal:
            props.append(("tsr:halId", q(hal)))
        if n in (3, 17):
            props.append(("tsr:wikidata", q(f"Q13000{n:04d}")))
        props += [("tsr:author", actor_iri(a)) for a in authors]
        props += [("tsr:project", entity("project", local(slug(c)))) for c in codes]
        assert key not in seen
        seen.add(key)
        blocks.append(block(entity("output", key), ["tsr:Output"], props))
    assert n == 60, n
    return blocks


# --------------------------------------------------------------------------- partnerships

PARTNERSHIPS = [
    ("Atelier des Savoirs Partagés", U1, "framework-agreement", 2019, None, ()),
    ("Collectif des Sols Vivants", LAAT, "research-agreement", 2019, 2022, ("CO3-SOLS",)),
    ("Coopérative Terres et Communs", U1, "cifre", 2021, 2024, ()),
    ("Observatoire citoyen de l'eau du Gardon", LHS, "research-agreement", 2019, 2022, ("CO3-EAU",)),
    ("Fondation Recherche et Solidarités Rurales", INRES, "framework-agreement", 2015, None, ()),
    ("Fondation Recherche et Solidarités Rurales", CRSA, "co-supervision", 2024, None, ("TRAV-RUR",)),
    ("Scop Études et Territoires", CRSA, "service-contract", 2022, 2023, ()),
    ("Boutique des sciences de Bellerive", LHST, "hosting", 2018, None, ()),
    ("La Fabrique à Hypothèses", LIC, "joint-lab", 2023, None, ("FSP-NUMLIB",)),
    ("Association Santé Communautaire et Recherche", USCT, "joint-lab", 2020, None, ("CO3-SANTE",)),
    ("Association Santé Communautaire et Recherche", CNESPP, "cifre", 2022, None, ()),
    ("Réseau Paysan d'Expérimentation", LAAT, "research-agreement", 2023, 2025, ("ARIBA-SEMENCES",)),
    ("Labo Citoyen des Mobilités", SET, "research-agreement", 2022, 2024, ("ATES-MOBI",)),
    ("Coopérative d'Ingénierie Sociale Alpine", U1, "cifre", 2020, 2023, ()),
    ("Coopérative d'Ingénierie Sociale Alpine", SET, "co-supervision", 2021, None, ()),
    ("La Grange aux Sciences", ENIT, "hosting", 2023, None, ("FSP-TIERSLIEU",)),
    ("Handi-Savoirs", CNESPP, "framework-agreement", 2021, None, ("ANRP-HANDI",)),
    ("Handi-Savoirs", CRSA, "cifre", 2022, None, ()),
    ("Biodiv'Action", LEP, "service-contract", 2021, 2022, ()),
    ("Mémoires Ouvrières du Nord", LHST, "research-agreement", 2019, 2022, ("CO3-MEMOIRE",)),
    ("Institut Coopératif pour l'Habitat Participatif", SET, "research-agreement", 2018, 2021, ("CO3-HABITAT",)),
    ("Océan Commun", LML, "joint-lab", 2022, None, ("ARIBA-PECHE", "ANRP-OCEAN")),
    ("Énergies Citoyennes en Recherche", SET, "research-agreement", 2021, 2024, ("ATES-ENERGIE",)),
    ("Parcours Santé Mentale et Pairs", CRSA, "co-supervision", 2023, None, ("ANRP-PAIRS",)),
    ("Savoirs Péi", INRES, "research-agreement", 2022, None, ("PEI-BIODIV",)),
    ("Observatoire des Transitions Alimentaires", LAAT, "cifre", 2022, None, ()),
    ("Alex Exemple", LHS, "hosting", 2023, None, ()),
    ("Données Solidaires", LIC, "research-agreement", 2024, None, ("ARIBA-DATA",)),
    # two partnerships inside the third sector
    ("Coopérative Terres et Communs", "Réseau Paysan d'Expérimentation", "framework-agreement", 2020, None, ()),
    ("La Fabrique à Hypothèses", "Collectif Numérique Libre et Recherche", "hosting", 2023, None, ()),
]


def partnerships() -> list[str]:
    blocks = []
    for a, b, t, y0, y1, codes in PARTNERSHIPS:
        key = f"{BY_NAME[a].key}--{BY_NAME[b].key}--{t}--{y0}"
        props = [("tsr:actor", actor_iri(a)), ("tsr:partner", actor_iri(b)),
                 ("tsr:partnershipType", concept("partnership-type", t)), ("tsr:startYear", gyear(y0))]
        if y1:
            props.append(("tsr:endYear", gyear(y1)))
        props += [("tsr:project", entity("project", local(slug(c)))) for c in codes]
        blocks.append(block(entity("partnership", key), ["tsr:Partnership"], props))
    assert len(blocks) == 30
    return blocks


# --------------------------------------------------------------------------- indicators

def observations() -> list[str]:
    rng = random.Random(20240617)
    blocks = []
    for a in ACTORS:
        if a.type not in TSR_TYPES:
            continue
        person = a.type == "independent-researcher"
        jobs = 1.0 if person else round(rng.uniform(0.5, 25.0), 1)
        budget = round(rng.uniform(60_000, 95_000) if person else jobs * rng.uniform(45_000, 70_000), -2)
        volunteers = 0 if person else rng.randint(0, 120)
        for year in (2022, 2023, 2024):
            growth = 1 + rng.uniform(-0.05, 0.15)
            jobs = round(jobs * (1 if person else growth), 1)
            research_jobs = round(jobs * rng.uniform(0.15, 0.9 if person else 0.6), 1)
            phd = 0 if person else rng.choice((0, 0, 0, 1, 1, 2))
            budget = round(budget * growth, -2)
            research_budget = round(budget * rng.uniform(0.1, 0.5), -2)
            public = round(budget * rng.uniform(0.2, 0.7), -2)
            private = round(budget - public, -2)
            props = [("qb:dataSet", "tsr:indicators"), ("tsr:actor", actor_iri(a.name)),
                     ("tsr:year", gyear(year)), ("tsr:jobsFTE", dec(jobs)),
                     ("tsr:researchJobsFTE", dec(research_jobs)), ("tsr:phdCount", f'"{phd}"^^xsd:integer'),
                     ("tsr:volunteers", f'"{volunteers + (year - 2022) * 3}"^^xsd:integer'),
                     ("tsr:budget", dec(budget)), ("tsr:researchBudget", dec(research_budget)),
                     ("tsr:publicFunding", dec(public)), ("tsr:privateFunding", dec(private))]
            blocks.append(block(entity("observation", f"{a.key}--{year}"), ["tsr:Observation"], props))
    return blocks


TRANSFORMATIONS = [
    ("Atelier des Savoirs Partagés", "research-department", "2021-09-01", "Création d'un pôle recherche de deux personnes."),
    ("Coopérative Terres et Communs", "first-phd", "2021-10-15", "Recrutement d'une première doctorante CIFRE."),
    ("Coopérative Terres et Communs", "legal-form-change", "2014-06-02", "L'association devient une SCIC."),
    ("Handi-Savoirs", "scientific-council", "2020-03-01", "Création d'un conseil scientifique mixte."),
    ("Handi-Savoirs", "first-phd", "2022-11-02", "Première thèse CIFRE."),
    ("Association Santé Communautaire et Recherche", "joint-lab-created", "2020-06-01", "Laboratoire commun avec l'USCT."),
    ("Scop Études et Territoires", "accreditation", "2019-01-10", "Agrément au crédit d'impôt recherche."),
    ("Coopérative d'Ingénierie Sociale Alpine", "first-research-job", "2022-01-03", "Premier poste de chargée de recherche."),
    ("Océan Commun", "joint-lab-created", "2022-04-01", "Laboratoire commun avec le LML."),
    ("La Fabrique à Hypothèses", "research-in-statutes", "2021-12-01", "La recherche entre dans l'objet statutaire."),
    ("Énergies Citoyennes en Recherche", "research-department", "2023-02-01", "Création d'un service études et recherche."),
    ("Observatoire des Transitions Alimentaires", "first-phd", "2022-10-01", "Premier doctorant CIFRE."),
    ("Parcours Santé Mentale et Pairs", "accreditation", "2023-05-15", "Agrément ESUS."),
    ("Biodiv'Action", "accreditation", "2020-09-01", "Agrément au crédit d'impôt recherche."),
    ("Données Solidaires", "research-in-statutes", "2024-03-01", "Mission de recherche inscrite dans les statuts."),
]


def transformations() -> list[str]:
    blocks = []
    for who, t, date, desc in TRANSFORMATIONS:
        key = f"{BY_NAME[who].key}--{t}--{slug(date)}"
        blocks.append(block(entity("transformation", key), ["tsr:Transformation"], [
            ("tsr:actor", actor_iri(who)), ("tsr:transformationType", concept("transformation-type", t)),
            ("tsr:date", f'"{date}"^^xsd:date'), ("tsr:description", q(desc))]))
    return blocks


def membership_years() -> dict[tuple[str, str], list[int]]:
    years: dict[tuple[str, str], list[int]] = {}
    tsr_and_esr = [a for a in ACTORS if a.type not in ("funder", "public-authority")]
    for i, a in enumerate(tsr_and_esr):
        if i % 7 == 6:
            continue  # not a member
        if i % 5 == 0:
            ys = [2023, 2024]  # joined in 2023
        elif i % 11 == 3:
            ys = [2022, 2023]  # left after 2023
        elif i % 13 == 4:
            ys = [2024]  # joined in 2024
        elif i % 17 == 9:
            ys = [2022, 2024]  # lapsed in 2023, came back
        else:
            ys = [2022, 2023, 2024]
        years[(a.name, "reseau-tsr-esr")] = ys
    for name in ("Observatoire citoyen de l'eau du Gardon", "Scop Études et Territoires",
                 "Parcours Santé Mentale et Pairs", "Alex Exemple", CRSA, LHS):
        years[(name, "rrp-occitanie")] = [2023, 2024]
    return years


def memberships() -> list[str]:
    blocks = []
    for (who, net), ys in membership_years().items():
        for y in ys:
            key = f"{BY_NAME[who].key}--{net}--{y}"
            renewal = "true" if (y - 1) in ys else "false"
            blocks.append(block(entity("membership", key), ["tsr:Membership"], [
                ("tsr:actor", actor_iri(who)), ("tsr:network", entity("network", net)),
                ("tsr:year", gyear(y)), ("tsr:isRenewal", f'"{renewal}"^^xsd:boolean')]))
    return blocks


def main(argv: list[str]) -> int:
    text = build()
    if "--check" in argv:
        return 0 if OUT.read_text(encoding="utf-8") == text else 1
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
