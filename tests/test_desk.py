"""The desk (issue 14, point 1): after login each role lands on what waits for it now.

Each role's desk shows the right counts, and each count's link opens the work list with
exactly those proposals; the window with the time left in the region's time; quota and
ceiling against the limit; what still blocks sending, each with its fix; what happened to
what was sent; Bappeda's region. No internal key reaches the page in either language, and
the desk stays within the query budget whatever the size of the data.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from support.builders import add_accounts
from support.rows import add_rows
from support.snapshots import count_queries
from support.web import browser, login

from eplanning_core.extensions import db
from eplanning_core.testing.meetings import hold_meeting
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Keputusan, Usulan

CHEAP_PASSWORD_HASHING = True
KEL = "12.71.01.1001"      # Kelurahan Pasar Baru (kel1)
OTHER_KEL = "12.71.01.1002"


class _Page(HTMLParser):
    """The text a person reads and the links they can follow, by their visible text."""

    def __init__(self):
        super().__init__()
        self.text, self.links, self._href, self._skip = [], [], None, 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "a":
            self._href, self._label = dict(attrs).get("href"), []

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if tag == "a" and self._href is not None:
            self.links.append((" ".join("".join(self._label).split()), html.unescape(self._href)))
            self._href = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._href is not None:
            self._label.append(data)


def read(client, url="/"):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    page = _Page()
    page.feed(response.get_data(as_text=True))
    return " ".join(" ".join(page.text).split()), page.links, response.get_data(as_text=True)


def section(raw: str, ident: str) -> str:
    match = re.search(rf'<section[^>]*id="{ident}".*?</section>', raw, re.S)
    assert match, f"no section {ident}"
    return match.group(0)


def task_count(raw: str, stage: str, task: str) -> tuple[int, str]:
    """(count, link) of one task row of a stage's card."""
    card = section(raw, f"desk-{stage}")
    match = re.search(rf'<a href="([^"]+)" data-task="{task}">.*?desk-count">(\d+)<', card, re.S)
    assert match, f"no task {task} at {stage}"
    return int(match.group(2)), html.unescape(match.group(1))


def listed_codes(client, url: str) -> set[str]:
    raw = client.get(url).get_data(as_text=True)
    table = re.search(r'<table[^>]*id="usulan-list".*?</table>', raw, re.S).group(0)
    return set(re.findall(r"<code>(MDN-[0-9-]+)</code>", table))


def codes_where(**filters) -> set[str]:
    query = db.select(Usulan.kode_lacak)
    for name, value in filters.items():
        query = query.where(getattr(Usulan, name) == value)
    return set(db.session.scalars(query))


@pytest.fixture
def work(siklus, region, clock):
    """Proposals at every level of Kecamatan Medan Kota, on 5 February 09:00 WIB (the kelurahan
    Musrenbang is open), inserted as a prepared set."""
    clock.set_local("2026-02-05T09:00")
    pu, dprd = region["agencies"]["pu"].id, region["users"]["dprd1"].id
    rows = (
        [dict(unit="12.71.01.1001.01", status="belum_dibahas")] * 2
        + [dict(unit="12.71.01.1001.01", status="belum_dibahas", survei_selesai=True)]
        + [dict(unit=KEL, tahapan="musrenbang_kelurahan", status="belum_dibahas")] * 3
        + [dict(unit=KEL, tahapan="musrenbang_kelurahan", status="diterima", total=2_000_000)] * 2
        + [dict(unit=OTHER_KEL, tahapan="musrenbang_kelurahan", status="belum_dibahas")] * 4
        + [dict(unit=KEL, tahapan="musrenbang_kecamatan", status="belum_dibahas", terkunci=True)] * 2
        + [dict(unit=KEL, tahapan="musrenbang_kecamatan", status="ditolak", terkunci=True,
                alasan="Sudah dianggarkan provinsi")]
        + [dict(unit=KEL, tahapan="forum_pd", status="belum_dibahas", perangkat_daerah_id=pu, terkunci=True)]
        + [dict(unit=KEL, tahapan="pokir", status="belum_dibahas", sumber="pokir", dprd_user_id=dprd,
                dapil="MDN-1")] * 2
        + [dict(unit=KEL, tahapan="pokir", status="diperiksa", sumber="pokir", dprd_user_id=dprd,
                dapil="MDN-1")]
    )
    add_rows(siklus, region, rows, start=700000)
    rejected = db.session.scalar(db.select(Usulan).where(Usulan.status == "ditolak"))
    db.session.add(Keputusan(tenant_id=siklus.tenant_id, usulan_id=rejected.id, tahapan="musrenbang_kecamatan",
                             keputusan="ditolak", alasan="Sudah dianggarkan provinsi", user_nama="Uji kec1"))
    db.session.commit()
    return siklus


# ---- the kelurahan operator -----------------------------------------------------------------------

def test_kelurahan_desk_counts_link_to_exactly_those_proposals(client, as_user, work):
    as_user("kel1")
    text, _links, raw = read(client)
    count, url = task_count(raw, "musrenbang_kelurahan", "putuskan")
    assert count == 3                       # not the other kelurahan's four
    expected = codes_where(tahapan="musrenbang_kelurahan", status="belum_dibahas") & \
        {c for c in codes_where(tahapan="musrenbang_kelurahan") if c in _codes_in(KEL)}
    assert listed_codes(client, url) == expected and len(expected) == 3
    assert "Hanya usulan yang menunggu: Putuskan usulan." in read(client, url)[0]
    up, up_url = task_count(raw, "musrenbang_kelurahan", "kirim")
    assert up == 2 and len(listed_codes(client, up_url)) == 2


def _codes_in(unit_code: str) -> set[str]:
    return set(db.session.scalars(db.select(Usulan.kode_lacak).where(
        (Usulan.lokasi_kode == unit_code) | Usulan.lokasi_kode.startswith(unit_code + "."))))


def test_kelurahan_desk_shows_the_window_in_local_time_with_the_time_left(client, as_user, work):
    as_user("kel1")
    text, _links, raw = read(client)
    card = section(raw, "desk-musrenbang_kelurahan")
    # Closes at the end of 14 February (15 February 00:00 WIB); it is 5 February 09:00 WIB.
    # The script that keeps the countdown current counts to the exact moment.
    assert "Buka sampai Sabtu, 14 Februari 2026, 23:59 WIB." in " ".join(card.split())
    assert "9 hari, 15 jam lagi" in card
    assert 'data-closes="2026-02-15T00:00:00+07:00"' in card


def test_kelurahan_desk_lists_what_blocks_sending_with_links_to_the_fix(client, as_user, work):
    as_user("kel1")
    _text, links, raw = read(client)
    card = " ".join(section(raw, "desk-musrenbang_kelurahan").split())
    assert "3 usulan belum diputuskan." in card
    assert "Catat rapat (Musrenbang Kelurahan dari Pasar Baru) lebih dulu" in card or "Pasar Baru" in card
    fixes = dict(links)
    assert "tugas=putuskan" in fixes["Putuskan →"] and fixes["Buka halaman rapat →"].startswith("/rapat/")
    assert "Kirim ke" not in card            # no send button while something blocks


def test_quota_and_ceiling_are_shown_against_the_limit(client, as_user, work):
    as_user("kel1")
    text = read(client)[0]
    assert "Kuota (usulan yang dikirim) 2 / 10" in text     # 2 accepted of a quota of 10
    kec = browser(client.application)
    login(kec, "kec1")
    text = read(kec)[0]
    assert "Kuota (usulan yang dikirim) 0 / 40 Pagu Rp 0 / Rp 5.000.000.000" in text


def test_nothing_blocks_a_decided_kelurahan_with_its_meeting(client, as_user, work, region):
    for usulan in db.session.scalars(db.select(Usulan).where(
            Usulan.tahapan == "musrenbang_kelurahan", Usulan.lokasi_kode == KEL, Usulan.status == "belum_dibahas")):
        usulan.status = "dana_desa"
    db.session.commit()
    hold_meeting(work, "musrenbang_kelurahan", KEL)
    as_user("kel1")
    card = " ".join(section(read(client)[2], "desk-musrenbang_kelurahan").split())
    assert "Tidak ada yang menghalangi pengiriman." in card and "Kirim ke Musrenbang Kecamatan" in card
    outcome = ops.send(work, "musrenbang_kelurahan", KEL, region["users"]["kel1"])
    assert outcome.ok, outcome.refusal
    card = " ".join(section(read(client)[2], "desk-musrenbang_kelurahan").split())
    assert "Dikirim pada Kamis, 5 Februari 2026" in card


def test_what_happened_to_what_was_sent(client, as_user, work):
    as_user("kel1")
    text, links, raw = read(client)
    outcomes = " ".join(section(raw, "desk-outcomes").split())
    assert "Musrenbang Kecamatan:" in outcomes and "2 belum dibahas" in outcomes and "1 ditolak" in outcomes
    assert "Sudah dianggarkan provinsi" in outcomes
    url = dict(links)["1 ditolak"]
    assert listed_codes(client, url) == codes_where(tahapan="musrenbang_kecamatan", status="ditolak")


# ---- the other roles ------------------------------------------------------------------------------

def test_lingkungan_desk_counts_unfinished_surveys(client, as_user, work, clock):
    clock.set_local("2026-01-20T10:00")
    as_user("ling1")
    count, url = task_count(read(client)[2], "rembuk_warga", "survei")
    assert count == 2 and len(listed_codes(client, url)) == 2


def test_kecamatan_desk_has_scoring_deciding_and_routing(client, as_user, work):
    as_user("kec1")
    raw = read(client)[2]
    assert task_count(raw, "musrenbang_kecamatan", "putuskan")[0] == 2
    count, url = task_count(raw, "musrenbang_kecamatan", "skor")
    assert count == 2 and len(listed_codes(client, url)) == 2
    count, url = task_count(raw, "musrenbang_kecamatan", "rute")
    assert count == 2 and len(listed_codes(client, url)) == 2


def test_agency_desk_decides_and_maps(client, as_user, work):
    as_user("pu")
    count, url = task_count(read(client)[2], "forum_pd", "putuskan")
    assert count == 1 and listed_codes(client, url) == codes_where(tahapan="forum_pd")


def test_dprd_desk_is_about_pokir_with_new_pokir_one_click_away(client, as_user, work, clock):
    clock.set_local("2026-02-18T10:00")
    as_user("dprd1")
    text, links, raw = read(client)
    assert "Pokok-pokok Pikiran DPRD" in text
    assert dict(links)["Pokir baru"].startswith("/usulan/baru")
    assert client.get(dict(links)["Pokir baru"]).status_code == 200
    count, url = task_count(raw, "pokir", "periksa")
    assert count == 2 and "menunggu kantor lain" in section(raw, "desk-pokir")
    assert "Pemasukan usulan baru sampai Minggu, 22 Februari 2026, 23:59 WIB." in text
    assert "2 usulan masih menunggu: Periksa Pokir (Setwan)." in text


def test_setwan_and_bappeda_see_the_pokir_waiting_for_them(client, as_user, work, region, password_hash, clock):
    clock.set_local("2026-02-18T10:00")
    add_accounts(work.tenant_id, password_hash, {"setwan1": dict(role="setwan")}, region["units"], region["agencies"])
    db.session.commit()
    setwan = browser(client.application)
    login(setwan, "setwan1")
    count, url = task_count(read(setwan)[2], "pokir", "periksa")
    assert count == 2 and len(listed_codes(setwan, url)) == 2
    as_user("admin")
    raw = read(client)[2]
    count, url = task_count(raw, "pokir", "validasi")
    assert count == 1 and listed_codes(client, url) == codes_where(tahapan="pokir", status="diperiksa")


def test_bappeda_sees_the_region_late_units_first(client, as_user, work, clock):
    clock.set_local("2026-02-16T10:00")      # the kelurahan Musrenbang closed two days ago
    as_user("admin")
    raw = read(client)[2]
    late = re.search(r'<table[^>]*id="desk-late".*?</table>', section(raw, "desk-region"), re.S).group(0)
    rows = re.findall(r'<tr class="desk-(\w+)">\s*<td[^>]*><a href="([^"]*)">([^<]+)</a>', late)
    # Late first, the earliest deadline first, then the most undecided: names with their parent.
    assert [(state, name) for state, _url, name in rows[:4]] == [
        ("late", "Lingkungan I, Pasar Baru"), ("late", "Kelurahan Pusat Pasar, Medan Kota"),
        ("late", "Kelurahan Pasar Baru, Medan Kota"), ("ontime", "Kecamatan Medan Kota")]
    assert "Terlambat" in late
    assert len(listed_codes(client, html.unescape(rows[1][1]))) == 4   # its four proposals
    progress = " ".join(re.sub(r"<[^>]+>", " ", section(raw, "desk-region")).split())
    assert "Musrenbang Kelurahan 0 dari 3" in progress


def test_viewer_sees_the_region_without_tasks(client, as_user, work):
    as_user("viewer")
    text, _links, raw = read(client)
    assert 'id="desk-region"' in raw and 'data-task="putuskan"' not in raw


# ---- words, not keys ---------------------------------------------------------------------------------

KEY = re.compile(r"\b[a-z]+_[a-z_]+\b")


@pytest.mark.parametrize("username", ["ling1", "kel1", "kec1", "pu", "dprd1", "admin", "viewer"])
def test_no_internal_key_on_any_desk_in_either_language(client, as_user, work, username):
    as_user(username)
    for lang in ("id", "en"):
        client.post("/bahasa", data={"lang": lang, "next": "/", "csrf_token": _token(client)})
        text = read(client)[0]
        assert not KEY.findall(text), (lang, KEY.findall(text))


def test_english_desk_reads_in_english(client, as_user, work):
    as_user("kel1")
    client.post("/bahasa", data={"lang": "en", "next": "/", "csrf_token": _token(client)})
    text = read(client)[0]
    assert "What waits for you" in text and "Before you can send" in text and "left" in text


def _token(client):
    raw = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', raw).group(1)


# ---- the query budget -------------------------------------------------------------------------------

BUDGET = 12


@pytest.mark.parametrize("username", ["ling1", "kel1", "kec1", "pu", "dprd1", "admin", "viewer"])
def test_desk_stays_within_the_query_budget_whatever_the_data(client, as_user, work, region, username):
    as_user(username)
    client.get("/")
    with count_queries() as small:
        client.get("/")
    more = [dict(unit=unit, tahapan=stage, status=status)
            for unit in ("12.71.01.1001.01", "12.71.01.1001.02", "12.71.01.1002.01", "12.71.02.1001.01")
            for stage, status in (("rembuk_warga", "belum_dibahas"), ("musrenbang_kelurahan", "diterima"),
                                  ("musrenbang_kecamatan", "belum_dibahas"))] * 10
    add_rows(work, region, more, start=710000)
    with count_queries() as large:
        client.get("/")
    assert len(large) <= BUDGET, [s[:100] for s in large]
    assert len(small) == len(large), ([s[:100] for s in small], [s[:100] for s in large])
