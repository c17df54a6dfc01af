"""The page a person reads at `/id/{kind}/{key}`: an actor, a project, an output, a
programme, a network (and the smaller records: partnerships, participations, fundings,
observations, transformations, memberships).

Name and kind first; then the facts with their labels, identifiers as links to their
registers, the indicators by year (a table; a chart drawn over it when scripts run), the
projects with roles and amounts, partners, outputs, memberships, transformations on a
timeline, whatever else points here by name; the provenance in one line with its details
behind a toggle. The head links the Turtle and JSON-LD of the same IRI and carries
schema.org JSON-LD for search engines.

Everything comes from the neighbourhood the `api-entity` named query gives (the same as the
JSON-LD document) and from `api-provenance`, over the graphs the reader may see.
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from markupsafe import Markup
from pyoxigraph import Literal, NamedNode, Triple
from starlette.requests import Request
from starlette.responses import HTMLResponse

from store.namespaces import DCTERMS, PROV, RDF, TSR

from ..named_queries import fold, shipped_queries
from ..resources.running import Reader
from .entity_facts import IDENTIFIERS, Facts, Link, identifier_links
from .i18n import Translator, label
from .render import format_number, render

MEASURES = ("jobsFTE", "researchJobsFTE", "phdCount", "volunteers", "budget",
            "researchBudget", "publicFunding", "privateFunding")
MONEY_MEASURES = frozenset({"budget", "researchBudget", "publicFunding", "privateFunding"})
# shown elsewhere on the page, not among the facts
_NOT_FACTS = frozenset({RDF + "type", TSR + "name", TSR + "title", TSR + "acronym",
                        TSR + "sourceSheet", TSR + "sourceRow", *IDENTIFIERS})
_MAIN_CLASS = {"actor": "Actor", "project": "Project", "output": "Output",
               "partnership": "Partnership", "participation": "Participation",
               "funding": "Funding", "programme": "Programme", "observation": "Observation",
               "transformation": "Transformation", "membership": "Membership",
               "network": "Network"}
_MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")}


def entity_page(request: Request, who: Reader, iri: NamedNode, kind: str, triples: list[Triple],
                lang: str, base: str, *, cut_at: int | None) -> HTMLResponse:
    """The page of `iri` (a `kind` of /id/) from its neighbourhood's `triples` (`who`: the
    reader, whose graphs give the provenance; `request`: for the page's links)."""
    t = Translator(lang)
    facts = Facts(triples, lang, base)
    item = iri.value
    page = _Page(facts, item, lang, t)
    sections_of = {"actor": page.actor_sections, "project": page.project_sections,
                   "programme": page.programme_sections, "network": page.network_sections}
    sections = sections_of.get(kind, lambda: [])()
    title = page.heading(kind)
    path = "/" + item[len(base):]
    return render(
        request, "entity_page.html", lang=lang, title=title, section="browse",
        heading=title, kind_line=page.kind_line(kind), facts=page.own_facts(),
        identifiers=identifier_links(facts, item, lang), sections=sections,
        indicators=page.indicators(), timeline=page.timeline(), others=page.others(),
        cut_at=cut_at, provenance=provenance(who, iri, lang, t), iri=item,
        alternates=[("text/turtle", path + ".ttl", "Turtle"),
                    ("application/ld+json", path + ".jsonld", "JSON-LD"),
                    ("application/n-triples", path + ".nt", "N-Triples"),
                    ("application/rdf+xml", path + ".rdf", "RDF/XML")],
        schema_org=_script_json(schema_org(facts, item, kind, base)))


def _amount(value: Any, lang: str) -> str:
    return "" if value is None else f"{format_number(value, lang)} €"


def _year_span(start: str | None, end: str | None) -> str:
    start, end = (start or "")[:4], (end or "")[:4]
    return start if start == end else "–".join(y for y in (start, end) if y)


class _Page:
    """What the page shows, section by section; each section records what points here it
    used, so that the rest ('linked from') lists only what no section showed."""

    def __init__(self, facts: Facts, item: str, lang: str, t: Translator) -> None:
        self.facts, self.item, self.lang, self.t = facts, item, lang, t
        self.shown: set[str] = {item}

    def _of(self, cls: str, prop: str) -> list[str]:
        """Resources of class `cls` whose `prop` is this item (marked as shown)."""
        found = [s for s in self.facts.pointing(self.item, prop)
                 if TSR + cls in self.facts.types(s)]
        self.shown.update(found)
        return found

    def heading(self, kind: str) -> str:
        f, item = self.facts, self.item
        name = f.text(item, "name") or f.text(item, "title")
        if name:
            acronym = f.text(item, "acronym")
            return f"{name} ({acronym})" if acronym and acronym not in name else name
        names = {prop: f.name(v.value) for prop in ("actor", "partner", "project", "funder",
                                                     "network", "partnershipType", "role",
                                                     "transformationType")
                 if (v := f.first(item, TSR + prop)) is not None}
        year = f.text(item, "year") or f.text(item, "date") or f.text(item, "startYear") or ""
        parts = {
            "partnership": [names.get("actor"), names.get("partner")],
            "participation": [names.get("actor"), names.get("project")],
            "funding": [names.get("funder"), names.get("project")],
            "observation": [names.get("actor"), year],
            "transformation": [names.get("actor"), year[:10]],
            "membership": [names.get("actor"), names.get("network"), year],
        }.get(kind, [])
        what = label(TSR + _MAIN_CLASS.get(kind, "Actor"), self.lang)
        shown = " – ".join(part for part in parts if part)
        return f"{what} : {shown}" if self.lang == "fr" and shown else (
            f"{what}: {shown}" if shown else what)

    def kind_line(self, kind: str) -> list[str]:
        """What the entity is, most telling first: its type concept, its sector, its class."""
        f, item, lang = self.facts, self.item, self.lang
        found = [link.text for prop in ("actorType", "outputType", "partnershipType")
                 for link in f.links(item, prop)]
        types = f.types(item)
        for cls in ("TSRActor", "ESRActor"):
            if TSR + cls in types:
                found.append(self.t(f"browse.sector.{cls}"))
        if not found:
            found.append(label(TSR + _MAIN_CLASS.get(kind, "Actor"), lang))
        place = list(dict.fromkeys(  # Paris, Paris: the commune and its department once
            link.text for prop in ("commune", "department", "region", "country")
            for link in self.facts.links(item, prop)))
        return found + ([", ".join(place)] if place else [])

    def own_facts(self) -> list[dict[str, Any]]:
        """The item's own statements, by property label (the ontology's, in the page's
        language), values named and linked."""
        rows = []
        for prop, terms in self.facts.out.get(self.item, {}).items():
            if prop in _NOT_FACTS:
                continue
            links = sorted((self._value(prop, term) for term in terms),
                           key=lambda link: fold(link.text))
            rows.append({"label": _capital(label(prop, self.lang)), "iri": prop,
                         "values": links})
        return sorted(rows, key=lambda row: fold(row["label"]))

    def _value(self, prop: str, term: Any) -> Link:
        if isinstance(term, Literal):
            kind = term.datatype.value.rsplit("#", 1)[-1]
            if prop == TSR + "website":
                return Link(term.value, term.value)
            if prop in (TSR + "amount", TSR + "contribution", TSR + "totalCost") or (
                    prop[len(TSR):] in MONEY_MEASURES):
                return Link(_amount(term.value, self.lang))
            if kind in ("decimal", "integer"):
                return Link(format_number(term.value, self.lang, _digits(term.value)))
            if kind == "boolean":
                return Link(self.t("entity.yes") if term.value == "true" else self.t("entity.no"))
            if kind == "date":
                return Link(long_date(term.value, self.lang))
        return self.facts.link(term)

    def _table(self, key: str, columns: list[str], rows: list[list[Any]],
               numeric: tuple[int, ...] = (), total: str | None = None) -> dict[str, Any]:
        return {"id": key, "title": self.t(f"entity.section.{key}"),
                "columns": [self.t(f"entity.column.{c}") for c in columns], "rows": rows,
                "numeric": numeric, "total": total}

    def _role_rows(self, links: list[str], who: str) -> list[list[Any]]:
        f = self.facts
        rows = []
        for link in links:
            other = f.first(link, TSR + who)
            rows.append([f.link(other) if other else "", ", ".join(
                x.text for x in f.links(link, "role")),
                format_number(f.text(link, "participantCount"), self.lang),
                _amount(f.text(link, "contribution"), self.lang)])
        return sorted(rows, key=lambda row: fold(str(getattr(row[0], "text", row[0]))))

    def _funding_rows(self, fundings: list[str], columns: tuple[str, str]
                      ) -> tuple[list[list[Any]], str | None]:
        f = self.facts
        rows, total = [], Decimal(0)
        for funding in fundings:
            amount = f.text(funding, "amount")
            with contextlib.suppress(InvalidOperation):
                total += Decimal(amount or 0)
            cells = [f.link(x) if (x := f.first(funding, TSR + c)) else "" for c in columns]
            rows.append([*cells, f.text(funding, "year") or "", _amount(amount, self.lang)])
        rows.sort(key=lambda row: (str(row[2]), str(getattr(row[0], "text", ""))))
        return rows, (_amount(total, self.lang) if len(rows) > 1 else None)

    def actor_sections(self) -> list[dict[str, Any]]:
        f, item, lang = self.facts, self.item, self.lang
        sections = []
        participations = self._of("Participation", "actor")
        if participations:
            sections.append(self._table("projects", ["project", "role", "participants",
                                                     "contribution"],
                                        self._role_rows(participations, "project"), (2, 3)))
        granted = self._of("Funding", "funder")
        if granted:
            rows, total = self._funding_rows(granted, ("project", "programme"))
            sections.append(self._table("granted", ["project", "programme", "year", "amount"],
                                        rows, (3,), total))
        partnerships = sorted(set(self._of("Partnership", "actor") +
                                  self._of("Partnership", "partner")))
        if partnerships:
            rows = []
            for link in partnerships:
                sides = [v for prop in ("actor", "partner")
                         for v in f.values(link, TSR + prop) if v.value != item]
                project = f.first(link, TSR + "project")
                rows.append([f.link(sides[0]) if sides else "", Link(
                    ", ".join(x.text for x in f.links(link, "partnershipType")) or
                    self.t("browse.partnership"), f.link(NamedNode(link)).href),
                    _year_span(f.text(link, "startYear"), f.text(link, "endYear")),
                    f.link(project) if project else ""])
            sections.append(self._table("partnerships", ["partner", "type", "years",
                                                         "project"], _by_text(rows)))
        outputs = self._of("Output", "author")
        if outputs:
            sections.append(self._table("outputs", ["title", "year", "type"],
                                        self._output_rows(outputs)))
        memberships = self._of("Membership", "actor")
        if memberships:
            rows = [[f.link(n) if (n := f.first(m, TSR + "network")) else "",
                     f.text(m, "year") or "",
                     self.t("entity.yes") if f.text(m, "isRenewal") == "true" else self.t("entity.no")]
                    for m in memberships]
            rows.sort(key=lambda row: (str(row[1]), str(getattr(row[0], "text", ""))),
                      reverse=True)
            sections.append(self._table("memberships", ["network", "year", "renewal"], rows))
        units = f.pointing(item, "parentOrganisation")
        if units:
            self.shown.update(units)
            sections.append(self._table("units", ["name"], _by_text(
                [[f.link(NamedNode(u))] for u in units])))
        del lang
        return sections

    def _output_rows(self, outputs: list[str]) -> list[list[Any]]:
        f = self.facts
        rows: list[list[Any]] = [[f.link(NamedNode(o)), f.text(o, "year") or "",
                                  ", ".join(x.text for x in f.links(o, "outputType"))]
                                 for o in outputs]
        rows.sort(key=lambda row: fold(str(row[0].text)))
        rows.sort(key=lambda row: str(row[1]), reverse=True)
        return rows

    def project_sections(self) -> list[dict[str, Any]]:
        f = self.facts
        sections = []
        participations = self._of("Participation", "project")
        if participations:
            sections.append(self._table("participants", ["actor", "role", "participants",
                                                         "contribution"],
                                        self._role_rows(participations, "actor"), (2, 3)))
        fundings = self._of("Funding", "project")
        if fundings:
            rows, total = self._funding_rows(fundings, ("funder", "programme"))
            sections.append(self._table("fundings", ["funder", "programme", "year", "amount"],
                                        rows, (3,), total))
        outputs = self._of("Output", "project")
        if outputs:
            sections.append(self._table("outputs", ["title", "year", "type"],
                                        self._output_rows(outputs)))
        partnerships = self._of("Partnership", "project")
        if partnerships:
            rows = [[Link(", ".join(x.text for x in f.links(p, "partnershipType")) or
                          self.t("browse.partnership"), f.link(NamedNode(p)).href),
                     f.link(a) if (a := f.first(p, TSR + "actor")) else "",
                     f.link(b) if (b := f.first(p, TSR + "partner")) else "",
                     _year_span(f.text(p, "startYear"), f.text(p, "endYear"))]
                    for p in partnerships]
            sections.append(self._table("partnerships", ["type", "actor", "partner", "years"],
                                        _by_text(rows)))
        return sections

    def programme_sections(self) -> list[dict[str, Any]]:
        fundings = self._of("Funding", "programme")
        if not fundings:
            return []
        rows, total = self._funding_rows(fundings, ("project", "funder"))
        return [self._table("funded", ["project", "funder", "year", "amount"], rows, (3,),
                            total)]

    def network_sections(self) -> list[dict[str, Any]]:
        f = self.facts
        memberships = self._of("Membership", "network")
        if not memberships:
            return []
        by_year: dict[str, list[str]] = defaultdict(list)
        for membership in memberships:
            by_year[f.text(membership, "year") or "?"].append(membership)
        summary = [[year, format_number(len(found), self.lang), format_number(
            sum(f.text(m, "isRenewal") == "true" for m in found), self.lang)]
            for year, found in sorted(by_year.items(), reverse=True)]
        rows: list[list[Any]] = [[f.link(a) if (a := f.first(m, TSR + "actor")) else "",
                 f.text(m, "year") or "",
                 self.t("entity.yes") if f.text(m, "isRenewal") == "true" else self.t("entity.no")]
                for m in memberships]
        rows.sort(key=lambda row: fold(str(getattr(row[0], "text", ""))))
        rows.sort(key=lambda row: str(row[1]), reverse=True)
        return [self._table("members_by_year", ["year", "members", "renewals"], summary, (1, 2)),
                self._table("members", ["member", "year", "renewal"], rows)]

    def indicators(self) -> dict[str, Any] | None:
        """The actor's observations as a table: a row per measure, a column per year."""
        observations = self._of("Observation", "actor")
        if not observations:
            return None
        f = self.facts
        by_year = {f.text(o, "year") or "?": o for o in sorted(observations)}
        years = sorted(by_year)
        rows = []
        for measure in MEASURES:
            values = [f.text(by_year[year], measure) for year in years]
            if any(value is not None for value in values):
                money = measure in MONEY_MEASURES
                rows.append({"label": _capital(label(TSR + measure, self.lang)),
                             "measure": measure, "raw": values,
                             "cells": [(_amount(v, self.lang) if money else
                                        format_number(v, self.lang, _digits(v)))
                                       if v is not None else "" for v in values]})
        return {"years": years, "rows": rows,
                "data": _script_json({"years": years, "series": [
                    {"label": row["label"], "values": [float(v) if v is not None else None
                                                       for v in row["raw"]]}
                    for row in rows if row["measure"] in ("jobsFTE", "researchJobsFTE")]})}

    def timeline(self) -> list[dict[str, Any]]:
        """The actor's transformations, oldest first."""
        f = self.facts
        events = []
        for change in self._of("Transformation", "actor"):
            date = f.text(change, "date") or ""
            events.append({"date": date, "when": long_date(date, self.lang),
                           "what": ", ".join(x.text for x in f.links(change, "transformationType")),
                           "description": f.text(change, "description") or "",
                           "href": f.link(NamedNode(change)).href})
        return sorted(events, key=lambda event: event["date"])

    def others(self) -> list[dict[str, Any]]:
        """What else points here, by the property's label, each named."""
        f, item = self.facts, self.item
        target = NamedNode(item)
        grouped: dict[str, list[Link]] = defaultdict(list)  # property -> what points here
        for subject, props in f.out.items():
            if subject in self.shown:
                continue
            for prop, terms in props.items():
                if target in terms and prop != RDF + "type":
                    grouped[prop].append(f.link(NamedNode(subject)))
        rows: list[dict[str, Any]] = [
            {"label": _capital(label(prop, self.lang)),
             "values": sorted(links, key=lambda link: fold(link.text))}
            for prop, links in grouped.items()]
        return sorted(rows, key=lambda row: fold(str(row["label"])))


def _by_text(rows: list[list[Any]]) -> list[list[Any]]:
    return sorted(rows, key=lambda row: fold(str(getattr(row[0], "text", row[0]))))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _digits(value: str | None) -> int:
    if value is None or "." not in value:
        return 0
    return min(2, len(value.split(".", 1)[1].rstrip("0")))


def long_date(value: str, lang: str) -> str:
    """`2024-03-01` as `1 mars 2024` / `1 March 2024`; anything else as it is."""
    parts = value[:10].split("-")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return value
    year, month, day = (int(part) for part in parts)
    if not 1 <= month <= 12:
        return value
    return f"{day} {_MONTHS.get(lang, _MONTHS['en'])[month - 1]} {year}"


def _script_json(value: Any) -> Markup:
    """JSON safe inside a <script> element (`</` cannot end it)."""
    return Markup(json.dumps(value, ensure_ascii=False).replace("</", "<\\/"))


def provenance(who: Reader, iri: NamedNode, lang: str, t: Translator
               ) -> list[dict[str, Any]]:
    """Per source graph: one line (file, sheet, row, loaded on) and every recorded detail."""
    sources: dict[str, list[tuple[str, str, str]]] = {}
    for row in who.run(shipped_queries()["api-provenance"], {"_item": iri}):
        found = sources.setdefault(row["graph"].value, [])
        if row["property"] is not None:
            value = row["value"]
            found.append((row["about"].value if row["about"] is not None else "",
                          row["property"].value,
                          value.value if isinstance(value, NamedNode | Literal) else str(value)))
    lines = []
    for graph, details in sorted(sources.items()):
        def first(prop: str, about: Callable[[str], bool] = lambda _: True,
                  details: list[tuple[str, str, str]] = details) -> str | None:
            return min((v for a, p, v in details if p == prop and about(a)), default=None)

        file_name = first(DCTERMS + "title", lambda about: "/id/file/" in about)
        sheet = first(TSR + "sourceSheet", lambda about: about == iri.value)
        row_number = first(TSR + "sourceRow", lambda about: about == iri.value)
        loaded = first(PROV + "endedAtTime")
        parts = [t("entity.provenance_file", file=file_name) if file_name else
                 t("entity.provenance_graph", graph=graph.rsplit("/", 1)[-1])]
        if sheet:
            parts.append(t("entity.provenance_sheet", sheet=sheet))
        if row_number:
            parts.append(t("entity.provenance_row", row=row_number))
        if loaded:
            parts.append(t("entity.provenance_loaded", date=long_date(loaded, lang)))
        lines.append({"graph": graph, "line": ", ".join(parts), "details": [
            {"about": about.rsplit("/", 1)[-1], "label": label(prop, lang), "iri": prop,
             "value": value} for about, prop, value in details]})
    return lines


def schema_org(facts: Facts, item: str, kind: str, base: str) -> dict[str, Any]:
    """schema.org markup of the entity, for search engines."""
    f = facts
    types = f.types(item)
    schema_type = {"project": "ResearchProject", "output": "CreativeWork",
                   "programme": "FundingScheme", "network": "Organization"}.get(kind, "Thing")
    if kind == "actor":
        schema_type = ("Person" if TSR + "IndependentResearcher" in types else
                       "ResearchOrganization" if TSR + "ESRActor" in types else
                       "NGO" if TSR + "TSRActor" in types else "Organization")
    found: dict[str, Any] = {"@context": "https://schema.org", "@type": schema_type, "@id": item,
                             "url": item, "name": f.text(item, "name") or f.text(item, "title")
                             or f.name(item)}
    if f.text(item, "acronym"):
        found["alternateName"] = f.text(item, "acronym")
    if f.text(item, "description"):
        found["description"] = f.text(item, "description")
    identifiers = identifier_links(f, item, "en")
    if identifiers:
        found["identifier"] = [{"@type": "PropertyValue", "propertyID": row["label"],
                                "value": row["value"]} for row in identifiers]
        same = [row["href"] for row in identifiers if row["href"] and any(
            host in str(row["href"]) for host in ("wikidata.org", "ror.org", "orcid.org",
                                                   "doi.org", "hal.science"))]
        if same:
            found["sameAs"] = same
    if f.text(item, "website"):
        found["sameAs"] = [*found.get("sameAs", []), f.text(item, "website")]
    if kind == "actor":
        region = f.first(item, TSR + "region")
        address = {key: value for key, value in (
            ("streetAddress", f.text(item, "streetAddress")),
            ("postalCode", f.text(item, "postalCode")),
            ("addressLocality", f.text(item, "commune")),
            ("addressRegion", f.name(region.value) if region is not None else None),
        ) if value}
        if address:
            found["address"] = {"@type": "PostalAddress", "addressCountry": "FR", **address}
        if f.text(item, "creationDate"):
            found["foundingDate"] = f.text(item, "creationDate")
    if kind == "output":
        if f.text(item, "year"):
            found["datePublished"] = f.text(item, "year")
        found["author"] = [{"@id": a.value, "name": f.name(a.value)}
                           for a in f.values(item, TSR + "author")]
    if kind == "project":
        for prop, key in (("startDate", "startDate"), ("endDate", "endDate")):
            if f.text(item, prop):
                found[key] = f.text(item, prop)
    del base
    return found
