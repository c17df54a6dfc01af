"""The portal's layout and languages: every page in French by default, English on request."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from api.portal.i18n import strings

from ..api.conftest import AppClient

I18N = Path(__file__).resolve().parents[2] / "api" / "portal" / "i18n"
PAGES = ["/", "/query"]


def test_both_languages_have_the_same_strings() -> None:
    french = json.loads((I18N / "fr.json").read_text(encoding="utf-8"))
    english = json.loads((I18N / "en.json").read_text(encoding="utf-8"))
    assert sorted(french) == sorted(english)
    assert all(value.strip() for value in [*french.values(), *english.values()])


def html_lang(page: str) -> str:
    found = re.search(r'<html lang="([a-z]+)">', page)
    assert found, page[:200]
    return found.group(1)


@pytest.mark.parametrize("path", PAGES)
def test_french_by_default_english_on_request(api: AppClient, path: str) -> None:
    french = api.get(path)
    assert french.status_code == 200
    assert html_lang(french.text) == "fr" and french.headers["content-language"] == "fr"
    assert f">{strings('fr')['nav.indicators']}</a>" in french.text
    english = api.get(path, params={"lang": "en"})
    api.client.cookies.clear()
    assert html_lang(english.text) == "en"
    assert f">{strings('en')['nav.indicators']}</a>" in english.text
    # the switch leads to the same page in the other language
    assert f'href="{path}?lang=fr" hreflang="fr"' in english.text
    assert f'href="{path}?lang=en" hreflang="en"' in french.text


def test_language_from_cookie_then_accept_language(api: AppClient) -> None:
    asked = api.get("/", params={"lang": "en"})
    assert "lang=en" in asked.headers["set-cookie"]
    api.client.cookies.clear()
    remembered = api.get("/", headers={"Cookie": "lang=en", "Accept-Language": "fr"})
    assert html_lang(remembered.text) == "en"
    assert html_lang(api.get("/", headers={"Accept-Language": "en-GB,fr;q=0.5"}).text) == "en"
    assert html_lang(api.get("/", headers={"Accept-Language": "de"}).text) == "fr"
    assert html_lang(api.get("/", headers={"Cookie": "lang=de"}).text) == "fr"
    # ?lang= wins over the cookie, and an unknown ?lang= is ignored
    assert html_lang(api.get("/", params={"lang": "fr"}, headers={"Cookie": "lang=en"}).text) == "fr"
    assert html_lang(api.get("/", params={"lang": "xx"}).text) == "fr"


def test_layout_has_navigation_search_and_licence(api: AppClient) -> None:
    page = api.get("/").text
    for path in ("/", "/indicators", "/browse", "/query", "/data"):
        assert f'href="{path}?lang=fr"' in page
    assert '<form class="search" role="search" action="/browse" method="get">' in page
    assert 'name="q"' in page
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in page
    assert '<a href="/workspace">Espace des coordinateurs</a>' in page  # coordinators sign in there
    assert '<a href="/" aria-current="page">' not in page  # the current link keeps ?lang
    assert 'aria-current="page">Accueil</a>' in page
    css = api.get("/static/portal/portal.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert api.get("/static/portal/..%2Fi18n%2Ffr.json").status_code == 404
    assert api.get("/static/portal/missing.css").status_code == 404


def test_model_labels_in_the_page_language() -> None:
    from api.portal.i18n import label
    from store.namespaces import TSR
    assert label(TSR + "TSRActor", "fr") != label(TSR + "TSRActor", "en")
