"""Bahasa Indonesia is complete, English is complete, and neither falls behind the code."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "eplanning_core" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}


def _catalog(lang, domain="messages"):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / f"{domain}.po", "rb") as handle:
        return read_po(handle)


def _source_msgids() -> set[str]:
    method_map = [("eplanning_core/**.py", "python"), ("eplanning_core/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(ROOT), method_map=method_map,
            options_map={"eplanning_core/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
            keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_catalogue_template_lists_every_message_of_the_code():
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        pot = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(handle) if m.id}
    source = _source_msgids()
    assert source - pot == set(), "run `make translations`: messages missing from messages.pot"
    assert pot - source == set(), "run `make translations`: messages.pot lists removed messages"


@pytest.mark.parametrize("lang,domain", [("id", "messages"), ("en", "messages"), ("id", "wtforms")])
def test_every_message_is_translated_with_its_placeholders(lang, domain):
    untranslated, broken = [], []
    for message in _catalog(lang, domain):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            untranslated.append(ids[0])
            continue
        if sorted(set(PLACEHOLDER.findall(ids[0]))) != sorted(set(PLACEHOLDER.findall(strings[0]))):
            broken.append(ids[0])
    assert untranslated == [], f"{lang}/{domain}: untranslated or fuzzy"
    assert broken == [], f"{lang}/{domain}: placeholders differ"


@pytest.mark.parametrize("lang,domain", [("id", "messages"), ("en", "messages"), ("id", "wtforms")])
def test_compiled_catalogue_matches_its_source(lang, domain):
    def plain(catalog):
        return {tuple(m.id) if isinstance(m.id, (list, tuple)) else m.id:
                tuple(m.string) if isinstance(m.string, (list, tuple)) else m.string
                for m in catalog if m.id}

    po = plain(_catalog(lang, domain))
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / f"{domain}.mo", "rb") as handle:
        mo = plain(read_mo(handle))
    assert mo == po, "run `make translations` to recompile the .mo files"
