"""The model's own IRIs resolve here: `/ontology` documents every class and property
(`https://w3id.org/tsr-observatory/ontology#X` is `/ontology#X`), `/vocab/{scheme}` every
concept of a SKOS scheme; both in fr and en, generated from the shipped Turtle, or the
Turtle itself by content negotiation. `/context.jsonld` is the published JSON-LD context."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib.resources.abc import Traversable

from fastapi import APIRouter, HTTPException, Path, Request, Response
from fastapi.responses import RedirectResponse
from pyoxigraph import NamedNode, RdfFormat, serialize

from store.model import model_triples, ontology_files, vocabulary_files
from store.namespaces import OWL, PREFIXES, RDFS, TSRV

from ..portal.browse import browse_index
from ..portal.concept_page import concept_page
from ..resources.context import context_bytes
from ..resources.model_docs import TermDoc, model_docs, page_of
from ..resources.negotiation import LANG_QUERY, Language, choose_media_type, reader_language
from ..resources.pages import render_page
from ..resources.running import reader

router = APIRouter(tags=["ontology"])
HTML, TURTLE = "text/html", "text/turtle"
_DOC_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "HTML documentation (fr or en), or the Turtle source.",
          "content": {HTML: {"schema": {"type": "string"}}, TURTLE: {"schema": {"type": "string"}}}},
    406: {"description": "Neither HTML nor Turtle is acceptable."},
}
_SECTIONS = (("class", "Classes", "Classes"),
             ("object property", "Object properties", "Propriétés d'objet"),
             ("datatype property", "Datatype properties", "Propriétés de données"),
             ("annotation property", "Annotation properties", "Propriétés d'annotation"))
_RELATIONS = ((RDFS + "subClassOf", "rdfs:subClassOf"), (RDFS + "subPropertyOf",
              "rdfs:subPropertyOf"), (RDFS + "domain", "rdfs:domain"),
              (RDFS + "range", "rdfs:range"), (OWL + "equivalentClass", "owl:equivalentClass"))


@router.get("/context.jsonld", summary="The JSON-LD context of every API response",
            response_class=Response,
            responses={200: {"content": {"application/ld+json": {"schema": {"type": "object"}}}}})
def context() -> Response:
    return Response(context_bytes(), media_type="application/ld+json",
                    headers={"Cache-Control": "public, max-age=3600"})


@router.get("/ontology", summary="The ontology, documented (HTML fr/en) or as Turtle",
            response_class=Response, responses=_DOC_RESPONSES)
def ontology(request: Request, lang: Language | None = LANG_QUERY) -> Response:
    if (turtle := _shipped_turtle(request, ontology_files)) is not None:
        return turtle
    language = reader_language(request, lang)
    docs = model_docs()
    base = _data_base(request)

    def relations(term: TermDoc) -> Iterator[tuple[str, list[dict[str, str]]]]:
        for iri, name in _RELATIONS:
            targets = term.links.get(iri, [])
            if targets:
                yield name, [{"href": page_of(t, base), "text": docs.label(t, language)
                              or _short(t)} for t in targets]

    sections = [{"title": french if language == "fr" else english,
                 "terms": docs.of_kind(kind)} for kind, english, french in _SECTIONS]
    return render_page("ontology.html", language, title=docs.ontology.label(language),
                       ontology=docs.ontology, sections=[s for s in sections if s["terms"]],
                       relations=relations, alternates=[
                           {"type": TURTLE, "href": "/ontology", "name": "Turtle"}])


@router.get("/vocab", summary="The controlled vocabularies (HTML fr/en) or as Turtle",
            response_class=Response, responses=_DOC_RESPONSES)
def vocabularies(request: Request, lang: Language | None = LANG_QUERY) -> Response:
    if (turtle := _shipped_turtle(request, vocabulary_files)) is not None:
        return turtle
    language = reader_language(request, lang)
    title = "Vocabulaires contrôlés" if language == "fr" else "Controlled vocabularies"
    return render_page("vocabulary.html", language, title=title, scheme=None,
                       schemes=model_docs().schemes())


@router.get("/vocab/{scheme}", summary="One vocabulary: its concepts (HTML fr/en) or Turtle",
            response_class=Response,
            responses={**_DOC_RESPONSES, 404: {"description": "No such vocabulary."}})
def vocabulary(request: Request, scheme: str = Path(pattern=r"^[a-z0-9-]+$", max_length=100),
               lang: Language | None = LANG_QUERY) -> Response:
    docs = model_docs()
    iri = TSRV + scheme
    doc = docs.terms.get(iri)
    if doc is None or "concept scheme" not in doc.kinds:
        raise HTTPException(404, f"no vocabulary {scheme!r}; see /vocab")
    media = _media(request)
    concepts = docs.concepts(iri)
    if media == TURTLE:
        subjects = {iri} | {concept.iri for concept in concepts}
        triples = [t for t in model_triples()
                   if isinstance(t.subject, NamedNode) and t.subject.value in subjects]
        body = serialize(triples, format=RdfFormat.TURTLE, prefixes=PREFIXES) or b""
        return Response(body, media_type=TURTLE)
    language = reader_language(request, lang)
    return render_page("vocabulary.html", language, title=doc.label(language), scheme=doc,
                       concepts=concepts, alternates=[
                           {"type": TURTLE, "href": f"/vocab/{scheme}", "name": "Turtle"},
                           {"type": "application/ld+json", "name": "JSON-LD",
                            "href": f"/api/vocabularies/{scheme}"}])


@router.get("/vocab/{scheme}/{notation}", summary="One concept: a page for people, or its place "
            "in the vocabulary", status_code=303, response_class=Response,
            responses={303: {"description": "See the vocabulary page, at the concept."},
                       200: {"description": "A browser (Accept names text/html): the "
                             "portal's page of the concept",
                             "content": {HTML: {"schema": {"type": "string"}}}}})
def concept(request: Request, scheme: str = Path(pattern=r"^[a-z0-9-]+$", max_length=100),
            notation: str = Path(max_length=200)) -> Response:
    doc = model_docs().terms.get(f"{TSRV}{scheme}/{notation}")
    if doc is not None and HTML in request.headers.get("accept", ""):
        return concept_page(request, reader(request), browse_index(request), doc, scheme)
    return RedirectResponse(f"/vocab/{scheme}#{notation}", status_code=303)


def _media(request: Request) -> str:
    media = choose_media_type(request.headers.get("accept"), [HTML, TURTLE])
    if media is None:
        raise HTTPException(406, f"acceptable media types here: {HTML}, {TURTLE}")
    return media


def _shipped_turtle(request: Request, files: Callable[[], list[Traversable]]) -> Response | None:
    """The shipped Turtle `files`, when the client asks for Turtle rather than the page."""
    if _media(request) != TURTLE:
        return None
    return Response(b"\n".join(resource.read_bytes() for resource in files()), media_type=TURTLE)


def _short(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _data_base(request: Request) -> str:
    base: str = request.app.state.settings.base_iri
    return base if base.endswith(("/", "#")) else base + "/"
