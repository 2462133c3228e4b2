"""No page and no file meant for people shows the engine's internal keys (issue 14).

The demo (every stage and status, an account for every role) is crawled as each role and
anonymously, in Bahasa Indonesia and in English: every page reachable by links from the start
page, one of each kind, and every Excel, CSV and PDF file those pages link to. None of them
may show a status, action, stage, bidang or source key as text (``diterima_dengan_perubahan``,
``sosial_budaya``, ``survei_selesai``, ``musrenbang_kelurahan``...): only their labels. And the
English pages carry no Indonesian label left untranslated (compared against the catalogue).

Open data keeps its documented codes on purpose (with labels beside them); its data
dictionary page lists those codes and is the one page allowed to show them.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from support.apps import empty_all_tables, make_app
from support.crawl import SKIP_PATHS, crawl, export_texts, is_export, visible
from support.web import csrf_token

from eplanning_core.demo.seed import DEMO_PASSWORD
from eplanning_core.exports.labels import BIDANG_NAMES, SOURCE_NAMES
from eplanning_core.usulan.messages import ACTION_NAMES, STATUS_NAMES
from eplanning_core.workflow import moves, state
from eplanning_core.workflow.kinds import KINDS

#: Every role of the demo, the narrowest first (each kind of page is read by the first roles
#: that reach it), and anonymous visitors.
ROLES = ("lingkungan", "kelurahan", "kecamatan", "dinas", "dprd", "setwan", "admin", "pemantau", None)
#: Where the codes are shown on purpose: the open data files and their data dictionary (the
#: documented codes, labels beside them), the import pages, which name the codes a file to
#: import must carry, and the SIPD file, whose columns follow SIPD's own codes.
DOCUMENTED_CODES = ("/publik/data", "/kamus/impor", "/realisasi/sipd/")
#: How many times each kind of page (its URL with the numbers blanked) is read per language.
PER_SHAPE = 2
#: Pages read per role and language, at most.
LIMIT = 70
#: The issue's limit for the crawl (both languages, every role) per backend: about 10 s on an
#: idle two-core machine (plus about 6 s to seed the demo); the assertion allows twice that
#: limit, for a machine shared with other test runs.
CRAWL_SECONDS = 60
PO = Path(__file__).resolve().parent.parent / "eplanning_core" / "translations" / "id" / "LC_MESSAGES" / "messages.po"


def internal_keys(stage_keys=()) -> set[str]:
    """The engine's keys a person must never read: statuses, actions, stage kinds and keys,
    bidang and sources; those with "_" (the others are words: "ditolak", "kirim")."""
    keys = set(state.STATUSES) | set(moves.ACTIONS) | set(KINDS) | set(stage_keys)
    keys |= set(STATUS_NAMES) | set(ACTION_NAMES) | set(BIDANG_NAMES) | set(SOURCE_NAMES)
    keys |= {k for k in state.SOURCES.values()}
    return {k for k in keys if "_" in k}


#: Words that stay Indonesian in English too (the glossary's domain words).
DOMAIN_WORDS = {"usulan", "musrenbang", "pokir", "renja", "pagu", "kelurahan", "lingkungan", "kecamatan",
                "bappeda", "setwan", "dprd", "rkpd", "apbd", "perangkat", "daerah", "rembuk", "warga", "desa",
                "kegiatan", "sub", "(pagu)", "(setwan)", "(pd)", "pd"}


def untranslated_labels() -> set[str]:
    """Indonesian labels of the catalogue (a few words, not the English text too): on an
    English page, a text that is exactly one of these was left untranslated."""
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    ids = {m.id for m in catalog if isinstance(m.id, str)}
    labels = set()
    for message in catalog:
        if not isinstance(message.id, str) or not isinstance(message.string, str) or not message.string:
            continue
        text = message.string.strip()
        if text == message.id or text in ids or "%(" in text or not 4 <= len(text) <= 40:
            continue
        if all(word.lower() in DOMAIN_WORDS for word in text.split()):
            continue
        if len(text.split()) <= 4 and text[0].isalpha():
            labels.add(text)
    return labels


@pytest.fixture(scope="module")
def demo(database_url):
    """The demo's data (``make demo``) in this backend's database, and its app."""
    from eplanning_core.demo.seed import seed_demo
    from eplanning_core.extensions import db

    app = make_app(database_url, TESTING=False, DEMO=True, WTF_CSRF_ENABLED=True)
    with app.app_context():
        seed_demo()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


def _client(app, role, lang):
    client = app.test_client()
    if role is not None:
        token = csrf_token(client)
        response = client.post("/masuk", data={"csrf_token": token, "username": role, "password": DEMO_PASSWORD})
        assert response.status_code in (302, 303), f"{role} cannot log in"
    with client.session_transaction() as session:
        session["lang"] = lang
    return client


def _names_in_data(app) -> set[str]:
    """Names people gave (agencies, units, accounts, funding sources): Indonesian in any language."""
    from sqlalchemy import select

    from eplanning_core.accounts.models import PerangkatDaerah, User
    from eplanning_core.extensions import db
    from eplanning_core.wilayah.models import Wilayah

    with app.test_request_context("/"):
        names = set()
        for column in (PerangkatDaerah.nama, User.nama, Wilayah.nama):
            names |= set(db.session.scalars(select(column).distinct()))
        from eplanning_core.tenancy.context import tenant_config

        names |= set(getattr(tenant_config(), "funding_sources", ()))  # the region's own list
    return names


def _raw_in(texts, pattern) -> dict[str, str]:
    """key -> the text it was seen in (the first)."""
    found = {}
    for text in texts:
        for key in pattern.findall(text):
            found.setdefault(key, text[:160])
    return found


def test_no_page_or_export_shows_an_internal_key_and_english_is_complete(demo):
    from eplanning_core.extensions import db
    from eplanning_core.siklus.models import Siklus
    from eplanning_core.tenancy.context import tenant_select
    from eplanning_core.usulan.engine_adapter import cycle_for

    with demo.test_request_context("/"):
        siklus = db.session.scalar(tenant_select(Siklus))
        stage_keys = [s.key for s in cycle_for(siklus).stages]
    keys = internal_keys(stage_keys)
    assert {"diterima_dengan_perubahan", "sosial_budaya", "survei_selesai", "belum_dibahas"} <= keys
    pattern = re.compile(r"(?<![\w/.-])(" + "|".join(sorted(map(re.escape, keys), key=len, reverse=True))
                         + r")(?![\w/-])")
    indonesian = untranslated_labels()
    data = _names_in_data(demo)
    read_pdf = shutil.which("pdftotext") is not None

    started = time.monotonic()
    problems: list[str] = []
    pages = files = 0
    visited: list[str] = []
    for lang in ("id", "en"):
        shapes: dict[str, int] = {}
        for role in ROLES:
            client = _client(demo, role, lang)
            for url, response in crawl(client, "/", per_shape=PER_SHAPE, limit=LIMIT, seen_shapes=shapes,
                                       skip=SKIP_PATHS + DOCUMENTED_CODES):
                who = f"{role or 'anonymous'} [{lang}] {url}"
                visited.append(f"{who} {response.status_code}")
                assert response.status_code < 500, f"{who}: HTTP {response.status_code}"
                if response.status_code != 200 or url.startswith(DOCUMENTED_CODES):
                    continue
                if is_export(url) or response.mimetype != "text/html":
                    if response.data.startswith(b"%PDF") and not read_pdf:
                        continue
                    files += 1
                    texts = export_texts(response)
                else:
                    pages += 1
                    texts = visible(response.get_data(as_text=True)).texts
                    if lang == "en":
                        left = sorted({t for t in texts if t in indonesian and t not in data})
                        if left:
                            problems.append(f"{who}: untranslated on the English page: {left}")
                raw = _raw_in(texts, pattern)
                if raw:
                    problems.append(f"{who}: shows internal keys {sorted(raw.items())}")
    elapsed = time.monotonic() - started
    if os.environ.get("EPLANNING_CRAWL_REPORT"):
        Path(os.environ["EPLANNING_CRAWL_REPORT"]).write_text("\n".join(problems + ["", "visited:"] + visited),
                                                              encoding="utf-8")
    assert not problems, "\n".join(problems)
    assert pages > 100 and files >= 5, (pages, files)
    assert elapsed < CRAWL_SECONDS * 2, f"the crawl took {elapsed:.0f} s"
