"""The help panel of each page (issue 14, point 8): every page of the top bar has a short
help text (what the page is for, what to do next) in Bahasa Indonesia and in English,
rendered by one block of base.html: open on the desk, one closed line elsewhere, never on a
page without an entry and never for an anonymous visitor."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_babel import gettext as plain_gettext

from eplanning_core import help as page_help

CHEAP_PASSWORD_HASHING = True
BASE = Path(page_help.__file__).parent / "templates" / "base.html"
#: Top-bar links that are not an operator's working page.
NOT_OPERATOR_PAGES = {"portal.start", "auth.logout", "i18n.switch_language", "tenancy.logo"}


def nav_endpoints() -> set[str]:
    """Every endpoint the top bar of base.html links to."""
    text = BASE.read_text(encoding="utf-8")
    nav = text[text.index("<nav"):text.index("</nav>")]
    return set(re.findall(r"url_for\('([a-z_]+\.[a-z_]+)'", nav)) - NOT_OPERATOR_PAGES


def test_every_page_of_the_top_bar_has_help():
    missing = sorted(nav_endpoints() - set(page_help.HELP))
    assert not missing, f"pages of the top bar without a help text in eplanning_core/help.py: {missing}"


def test_every_help_entry_names_a_real_page(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    stale = sorted(set(page_help.HELP) - endpoints)
    assert not stale, f"help for endpoints that do not exist: {stale}"


def test_every_help_text_is_translated_in_both_languages(app):
    untranslated = []
    with app.test_request_context():
        for endpoint, entry in page_help.HELP.items():
            for text in (entry.purpose, entry.next):
                source = text._args[0]
                with force_locale("id"):
                    indonesian = plain_gettext(source)
                with force_locale("en"):
                    english = plain_gettext(source)
                if indonesian == source or not indonesian.strip():
                    untranslated.append(f"{endpoint} (id): {source}")
                if english != source:
                    untranslated.append(f"{endpoint} (en): {source} -> {english}")
    assert not untranslated, "\n".join(untranslated)


def _panel(page: str):
    return re.search(r'<details class="help" id="page-help"( open)?>(.*?)</details>', page, re.S)


def test_the_desk_shows_the_help_open_in_indonesian_and_other_pages_closed(client, region, siklus, as_user):
    as_user("kel1")
    desk = client.get("/").get_data(as_text=True)
    panel = _panel(desk)
    assert panel and panel.group(1) == " open"
    assert "Bantuan untuk halaman ini" in panel.group(2)
    assert "Meja kerja Anda" in panel.group(2) and "Selanjutnya:" in panel.group(2)

    listing = client.get("/usulan/").get_data(as_text=True)
    panel = _panel(listing)
    assert panel and panel.group(1) is None  # closed: one line
    assert "Semua usulan yang boleh Anda lihat" in panel.group(2)


def test_english_help_in_english(client, region, siklus, as_user):
    as_user("kec1")
    client.post("/bahasa", data={"lang": "en", "next": "/",
                                 "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                                                         client.get("/").get_data(as_text=True)).group(1)})
    page = client.get("/peringkat/").get_data(as_text=True)
    panel = _panel(page)
    assert panel and "Help for this page" in panel.group(2)
    assert "score each proposal on the criteria" in panel.group(2)


@pytest.mark.parametrize("path", ["/masuk", "/masuk/lupa"])
def test_no_help_for_anonymous_pages(client, path):
    page = client.get(path).get_data(as_text=True)
    assert 'id="page-help"' not in page
