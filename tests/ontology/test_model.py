"""The ontology, the vocabularies, the JSON-LD context and the example dataset's IRIs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from importlib.resources import as_file, files
from pathlib import Path

import owlrl
import pytest
from pyld import jsonld
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, SH, SKOS

TSR = Namespace("https://w3id.org/tsr-observatory/ontology#")
TSRV = "https://w3id.org/tsr-observatory/vocab/"
TSRX = Namespace("https://w3id.org/tsr-observatory/shapes-ext#")
BASE = "https://data.tsr-observatory.org/"
ONTOLOGY = URIRef("https://w3id.org/tsr-observatory/ontology")
REPO = Path(__file__).resolve().parents[2]
ERROR = URIRef("http://www.daml.org/2002/03/agents/agent-ont#ErrorMessage")


def turtle_files() -> list[Path]:
    found = []
    for package, sub in (("ontology", None), ("ontology", "vocabularies"), ("shapes", None),
                         ("examples", None)):
        root = files(package) if sub is None else files(package) / sub
        for resource in root.iterdir():
            if resource.name.endswith(".ttl"):
                with as_file(resource) as path:
                    found.append(Path(path))
    return sorted(found)


def load(*parts: tuple[str, str | None]) -> Graph:
    graph = Graph()
    for package, sub in parts:
        root = files(package) if sub is None else files(package) / sub
        for resource in sorted(root.iterdir(), key=lambda r: r.name):
            if resource.name.endswith(".ttl"):
                with as_file(resource) as path:
                    graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load(("ontology", None))


@pytest.fixture(scope="module")
def vocabularies() -> Graph:
    return load(("ontology", "vocabularies"))


@pytest.fixture(scope="module")
def example() -> Graph:
    with as_file(files("examples") / "tsr-example.ttl") as path:
        return Graph().parse(path, format="turtle")


def langs(graph: Graph, subject: URIRef, predicate: URIRef) -> set[str | None]:
    return {o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal)}


# --------------------------------------------------------------------------- ontology

@pytest.mark.parametrize("path", turtle_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_turtle_file_parses(path: Path) -> None:
    assert len(Graph().parse(path, format="turtle")) > 0


def test_ontology_header(ontology: Graph) -> None:
    assert ontology.value(ONTOLOGY, OWL.versionIRI) == URIRef(f"{ONTOLOGY}/0.1.0")
    assert str(ontology.value(ONTOLOGY, OWL.versionInfo)) == "0.1.0"
    assert ontology.value(ONTOLOGY, URIRef("http://purl.org/dc/terms/license")) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/")
    assert ontology.value(ONTOLOGY, URIRef("http://purl.org/dc/terms/creator")) is not None


def test_every_class_and_property_has_fr_en_label_and_comment(ontology: Graph) -> None:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    terms = {s for kind in kinds for s in ontology.subjects(RDF.type, kind) if str(s).startswith(str(TSR))}
    assert len(terms) > 80
    for term in terms:
        assert {"fr", "en"} <= langs(ontology, term, RDFS.label), term
        assert {"fr", "en"} <= langs(ontology, term, RDFS.comment), term


def test_identifier_properties_specialise_dcterms_identifier(ontology: Graph) -> None:
    for name in ("siren", "siret", "rna", "rnsr", "ror", "idref", "wikidata", "halStructure", "orcid",
                 "doi", "halId", "pic", "vatNumber"):
        assert (TSR[name], RDFS.subPropertyOf, URIRef("http://purl.org/dc/terms/identifier")) in ontology


@pytest.mark.slow  # the OWL RL closure of the model and the example: 8 s
def test_owl_rl_closure_is_consistent(ontology: Graph, vocabularies: Graph, example: Graph) -> None:
    graph = ontology + vocabularies + example
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    errors = [str(m) for e in graph.subjects(RDF.type, ERROR) for m in graph.objects(e, None)]
    assert errors == []
    assert list(graph.subjects(RDF.type, OWL.Nothing)) == []
    # the closure does its job: a lab is an ESR actor, an association a TSR actor
    assert (URIRef(f"{BASE}id/actor/rnsr-211007351b"), RDF.type, TSR.ESRActor) in graph
    assert (URIRef(f"{BASE}id/actor/siren-810079194"), RDF.type, TSR.TSRActor) in graph


# --------------------------------------------------------------------------- vocabularies

def test_every_concept_is_complete(vocabularies: Graph) -> None:
    concepts = set(vocabularies.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 200
    for concept in concepts:
        assert {"fr", "en"} <= langs(vocabularies, concept, SKOS.prefLabel), concept
        notation = vocabularies.value(concept, SKOS.notation)
        scheme = vocabularies.value(concept, SKOS.inScheme)
        assert notation is not None and scheme is not None, concept
        assert str(concept) == f"{scheme}/{notation}", concept
        definitions = langs(vocabularies, concept, SKOS.definition)
        assert definitions in (set(), {"fr", "en"}), concept


def test_every_scheme_is_labelled(vocabularies: Graph) -> None:
    schemes = set(vocabularies.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(schemes) == 14
    for scheme in schemes:
        assert {"fr", "en"} <= langs(vocabularies, scheme, SKOS.prefLabel), scheme


def test_territories(vocabularies: Graph) -> None:
    regions = set(vocabularies.subjects(SKOS.inScheme, URIRef(TSRV + "region")))
    departments = set(vocabularies.subjects(SKOS.inScheme, URIRef(TSRV + "department")))
    assert len(regions) == 18
    assert len(departments) == 101
    for department in departments:
        assert vocabularies.value(department, SKOS.broader) in regions, department
    assert (URIRef(TSRV + "department/2A"), SKOS.broader, URIRef(TSRV + "region/94")) in vocabularies
    assert (URIRef(TSRV + "department/974"), SKOS.broader, URIRef(TSRV + "region/04")) in vocabularies


def test_countries_are_iso_3166_alpha_2_with_the_eu_codes_hidden(vocabularies: Graph) -> None:
    countries = set(vocabularies.subjects(SKOS.inScheme, URIRef(TSRV + "country")))
    assert len(countries) == 249
    assert all(re.fullmatch(r"[A-Z]{2}", str(vocabularies.value(c, SKOS.notation))) for c in countries)
    hidden = {str(h): c for c in countries for h in vocabularies.objects(c, SKOS.hiddenLabel)}
    # CORDIS and VIES write Greece EL and the United Kingdom UK
    assert hidden["EL"] == URIRef(TSRV + "country/GR") and hidden["GRC"] == URIRef(TSRV + "country/GR")
    assert hidden["UK"] == URIRef(TSRV + "country/GB")
    assert (URIRef(TSRV + "country/FR"), SKOS.prefLabel, Literal("France", lang="fr")) in vocabularies


def test_actor_types_imply_ontology_classes(vocabularies: Graph, ontology: Graph) -> None:
    actor_types = set(vocabularies.subjects(SKOS.inScheme, URIRef(TSRV + "actor-type")))
    for concept in actor_types:
        implied = vocabularies.value(concept, TSR.impliesClass)
        assert (implied, RDF.type, OWL.Class) in ontology, concept
        assert TSR.Actor in set(ontology.transitive_objects(implied, RDFS.subClassOf)), concept


# --------------------------------------------------------------------------- JSON-LD context

def test_context_terms_expand_to_known_terms(ontology: Graph, vocabularies: Graph) -> None:
    with as_file(files("ontology") / "context.jsonld") as path:
        context = json.loads(Path(path).read_text(encoding="utf-8"))
    terms = context["@context"]
    for key in ("name", "title", "code", "legalForm", "region", "actorType", "siren", "rna", "ror",
                "wikidata", "projects", "participations", "role", "partners", "outputs", "year", "amount"):
        assert key in terms, key
    known = {str(s) for s in ontology.subjects()}
    document = {"@context": terms, "@id": f"{BASE}id/actor/x"}
    for key, value in terms.items():
        if key.startswith("@") or key in ("id", "type") or not isinstance(value, str | dict):
            continue
        if isinstance(value, str) and value.startswith("http"):
            continue  # a prefix
        target = value if isinstance(value, str) else value.get("@id", value.get("@reverse"))
        if target.startswith("tsr:"):
            assert str(TSR) + target[4:] in known, key
        if not isinstance(value, dict) or "@reverse" not in value:
            document[key] = "x" if not (isinstance(value, dict) and value.get("@container") == "@language") \
                else {"fr": "x"}
    expanded = jsonld.expand(document)
    assert len(expanded) == 1 and len(expanded[0]) > 60


# --------------------------------------------------------------------------- example data

def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-")


def test_example_is_what_the_generator_writes() -> None:
    script = REPO / "examples" / "generate_example.py"
    done = subprocess.run([sys.executable, str(script), "--check"], check=False)
    assert done.returncode == 0, "examples/tsr-example.ttl is stale: run examples/generate_example.py"


def test_example_sizes(example: Graph) -> None:
    def count(cls: URIRef) -> int:
        return len(set(example.subjects(RDF.type, cls)))

    tsr_actors = count(TSR.TSROrganisation) + count(TSR.IndependentResearcher)
    assert tsr_actors + count(TSR.IntermediaryStructure) == 40
    assert count(TSR.ESROrganisation) + count(TSR.ResearchUnit) == 15
    assert count(TSR.Project) == 25
    assert count(TSR.Output) == 60
    assert count(TSR.Partnership) == 30
    observations = example.subjects(RDF.type, TSR.Observation)
    years = {str(y) for o in observations for y in example.objects(o, TSR.year)}
    assert years == {"2022", "2023", "2024"}
    assert not any(isinstance(t, BNode) for triple in example for t in triple)


def test_example_identifiers_are_well_formed(example: Graph) -> None:
    sirens = [str(o) for o in example.objects(None, TSR.siren)]
    sirets = [str(o) for o in example.objects(None, TSR.siret)]
    assert sirens and sirets
    assert all(luhn(v) for v in sirens + sirets)
    for actor in example.subjects(TSR.siret, None):
        assert str(example.value(actor, TSR.siret)).startswith(str(example.value(actor, TSR.siren)))
    assert len(set(example.subjects(TSR.wikidata, None)) & set(example.subjects(RDF.type, TSR.Actor))) >= 8


def _key_part(example: Graph, value: URIRef | Literal, vocabularies: Graph) -> str:
    if isinstance(value, URIRef) and str(value).startswith(TSRV):
        return slug(str(vocabularies.value(value, SKOS.notation)))
    if isinstance(value, URIRef):
        return str(value).rsplit("/", 1)[1]
    return slug(str(value))


def test_example_iris_follow_the_shapes_key_rules(example: Graph, vocabularies: Graph) -> None:
    """Recompute every entity's IRI from its shape's tsrx: annotations (CONVENTIONS.md): a key
    from an identifier property (but a code) is shared; a code, a name or a title is minted
    in the example source's namespace ("tsr-example~"), unless the shape shares its keys; a
    key made of other entities' keys is as local as they are."""
    shapes = load(("shapes", None))
    ontology = load(("ontology", None))
    identifiers = set(ontology.transitive_subjects(RDFS.subPropertyOf, DCTERMS.identifier))
    shared_paths = identifiers - {TSR.code, DCTERMS.identifier}
    checked = 0
    for shape in shapes.subjects(SH.targetClass, None):
        cls = shapes.value(shape, SH.targetClass)
        kind = str(shapes.value(shape, TSRX.iriType))
        parts = shapes.value(shape, TSRX.keyParts)
        alternatives = shapes.value(shape, TSRX.keyAlternatives)
        shared_keys = shapes.value(shape, TSRX.sharedKeys) == Literal(True)
        for entity in example.subjects(RDF.type, cls):
            if parts is not None:
                values = [example.value(entity, p) for p in Collection(shapes, parts)]
                key = "--".join(_key_part(example, v, vocabularies) for v in values)
                of_entities = any(str(v).startswith(BASE + "id/") for v in values)
                if not (of_entities or shared_keys):
                    key = f"tsr-example~{key}"
            else:
                for alt in Collection(shapes, alternatives):
                    path = shapes.value(alt, TSRX.path)
                    value = example.value(entity, path)
                    if value is not None:
                        key = f"{shapes.value(alt, TSRX.prefix)}-{slug(str(value))}"
                        if path not in shared_paths:
                            key = f"tsr-example~{key}"
                        break
            assert str(entity) == f"{BASE}id/{kind}/{key}"
            checked += 1
    assert checked > 500
