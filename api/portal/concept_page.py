"""The page a person reads for a concept of the vocabularies (`/vocab/{scheme}/{notation}`
in a browser): its label and definition in the page's language, its place in the
vocabulary, and how many actors, projects, outputs and partnerships of the observatory have
it, each count a link to the filtered list (the counts of `browse-{kind}-facets`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from store.namespaces import SKOS, TSRV

from ..resources.browse_index import KINDS, BrowseIndex
from ..resources.model_docs import TermDoc, model_docs
from ..resources.running import Reader
from .browse import parameter_value, reader_view
from .entity_page import _script_json
from .i18n import Translator, label, page_language
from .render import render


def concept_page(request: Request, who: Reader, lists: BrowseIndex, doc: TermDoc, scheme: str
                 ) -> HTMLResponse:
    """The page of the concept `doc` of the vocabulary `scheme` (`who`: the reader, whose
    lists give the counts)."""
    lang = page_language(request)
    t = Translator(lang)
    iri = doc.iri
    view = reader_view(lists, who)
    uses: list[dict[str, Any]] = []
    for name, kind in KINDS.items():
        for facet, values in view.kinds[name].counts_of_all.items():
            count = dict(values).get(iri)
            if count:
                value = parameter_value(facet, iri, "")
                uses.append({"kind": t(f"browse.kind.{name}"), "facet": t(f"browse.facet.{facet}"),
                             "count": count, "href": f"/browse/{name}?{facet}={value}&lang={lang}",
                             "query": f"/api/queries/{kind.facets_query}"})
    other = "en" if lang == "fr" else "fr"
    related = {relation: [{"text": label(target, lang), "href": _concept_path(target, lang)}
                          for target in doc.links.get(SKOS + relation, [])]
               for relation in ("broader", "narrower", "related")}
    scheme_doc = model_docs().terms.get(f"{TSRV}{scheme}")
    scheme_label = scheme_doc.label(lang) if scheme_doc else scheme
    notation = doc.text((SKOS + "notation",), "")
    markup = {"@context": "https://schema.org", "@type": "DefinedTerm", "@id": iri,
              "name": doc.label(lang), "termCode": notation,
              "inDefinedTermSet": f"{TSRV}{scheme}"}
    if doc.comment(lang):
        markup["description"] = doc.comment(lang)
    return render(request, "concept_page.html", lang=lang, section="browse",
                  title=doc.label(lang), heading=doc.label(lang), iri=iri,
                  other_label=doc.text((SKOS + "prefLabel",), other), notation=notation,
                  definition=doc.comment(lang), scheme_label=scheme_label,
                  scheme_href=f"/vocab/{scheme}?lang={lang}#{doc.anchor}", related=related,
                  uses=uses, schema_org=_script_json(markup),
                  turtle=f"/vocab/{scheme}")


def _concept_path(iri: str, lang: str) -> str:
    if iri.startswith(TSRV):
        return f"/vocab/{iri[len(TSRV):]}?lang={lang}"
    return iri
