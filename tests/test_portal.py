"""The public portal: a citizen follows a proposal by its code, browses, reads summaries and
downloads open data, without logging in, and never sees personal data."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from support.acting import NAME, NIK, PHONE, act_on, create_proposal
from support.apps import empty_all_tables, make_app
from support.env import DATA, TENANTS_DIR
from support.rows import add_rows
from support.snapshots import count_queries
from support.web import login

from eplanning_core.extensions import db
from eplanning_core.portal import pagecache
from eplanning_core.portal.privacy import mask_name
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Keputusan, Usulan
from eplanning_core.testing.meetings import hold_meeting

OPERATORS = ("Uji admin", "Uji kec1", "Uji kel1", "Uji ling1", "Uji pu", "Uji kel2", "Uji dprd1")


# ---- helpers shared with test_commandcenter -------------------------------------------------


@pytest.fixture
def journey(siklus, region, clock):
    """One proposal taken to the budget (funded) and one rejected by the kelurahan."""
    users, pu = region["users"], region["agencies"]["pu"]
    usulan = create_proposal(siklus, region)
    rejected = create_proposal(siklus, region, usulan_kegiatan="Pembangunan gapura lingkungan",
                               pengusul_nama="Budi Santoso")
    for item in (usulan, rejected):
        act_on(item, users["ling1"], "survei_selesai")
    hold_meeting(siklus, "rembuk_warga", "12.71.01.1001.01")
    assert ops.send(siklus, "rembuk_warga", "12.71.01.1001.01", users["ling1"]).ok

    clock.set_local("2026-02-05T09:00")
    usulan, rejected = db.session.get(Usulan, usulan.id), db.session.get(Usulan, rejected.id)
    act_on(usulan, users["kel1"], "diterima")
    act_on(rejected, users["kel1"], "ditolak", reason="Sudah dibangun swadaya warga tahun lalu")
    hold_meeting(siklus, "musrenbang_kelurahan", "12.71.01.1001")
    assert ops.send(siklus, "musrenbang_kelurahan", "12.71.01.1001", users["kel1"]).ok

    clock.set_local("2026-02-20T09:00")
    usulan = db.session.get(Usulan, usulan.id)
    points = {"keterdesakan": 5, "kemiskinan": 4, "pertumbuhan_ekonomi": 3, "potensi_lokasi": 3,
              "manfaat": 4, "partisipasi": 5}
    act_on(usulan, users["kec1"], "skor", inputs={"points": points})
    act_on(usulan, users["kec1"], "rute", inputs={"agency_id": pu.id})
    act_on(usulan, users["kec1"], "diterima")
    hold_meeting(siklus, "musrenbang_kecamatan", "12.71.01")
    assert ops.send(siklus, "musrenbang_kecamatan", "12.71.01", users["kec1"]).ok

    clock.set_local("2026-03-10T09:00")
    usulan = db.session.get(Usulan, usulan.id)
    act_on(usulan, users["pu"], "diterima_dengan_perubahan", reason="Volume disesuaikan dengan survei dinas",
           inputs={"sub_kegiatan": "1.03.10.2.01.0005", "pagu": 60_000_000, "target": "150 m"})
    assert ops.send(siklus, "forum_pd", pu.id, users["pu"]).ok
    clock.set_local("2026-04-10T09:00")
    usulan = db.session.get(Usulan, usulan.id)
    act_on(usulan, users["admin"], "diterima")
    assert ops.send(siklus, "musrenbang_rkpd", pu.id, users["admin"]).ok
    clock.set_local("2026-05-10T09:00")
    assert ops.send(siklus, "penetapan_rkpd", pu.id, users["admin"]).ok
    clock.set_local("2026-10-10T09:00")
    usulan = db.session.get(Usulan, usulan.id)
    act_on(usulan, users["admin"], "didanai", inputs={"amount": 58_000_000})
    return {"funded": db.session.get(Usulan, usulan.id), "rejected": db.session.get(Usulan, rejected.id)}


def _assert_no_personal_data(text: str) -> None:
    for secret in (NIK, PHONE, "08123456789", NAME, "Aminah", "Budi Santoso", "Santoso", *OPERATORS):
        assert secret not in text, secret


# ---- the tracking page ------------------------------------------------------------------

def test_mask_name_keeps_first_letters_only():
    assert mask_name("Siti Aminah") == "S*** A*****"
    assert mask_name("  H. Ahmad  ") == "H* A****"
    assert mask_name(None) == "" and mask_name("") == ""


def test_tracking_page_shows_the_journey_by_office_and_no_personal_data(client, journey):
    usulan = journey["funded"]
    response = client.get(f"/publik/lacak?kode={usulan.kode_lacak}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"] and "max-age=300" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers  # nothing per visitor in a shared cached copy
    # who decided: units and agencies by name, Bappeda as Bappeda
    for office in ("Lingkungan I", "Kelurahan Pasar Baru", "Kecamatan Medan Kota",
                   "Dinas Pekerjaan Umum", "Bappeda"):
        assert office in page, office
    assert "Volume disesuaikan dengan survei dinas" in page  # the reason of the change
    assert "WIB" in page and "20 Feb 2026 09:00" in page      # local time of the kecamatan's decision
    assert "1.03.10.2.01.0005" in page and "Rp 58.000.000" in page and "Rp 60.000.000" in page
    assert "Gang Damai" in page and "Pasar Baru" in page
    assert "S*** A*****" in page
    _assert_no_personal_data(page)
    # a decision per timeline row, in order
    assert page.count('<li class="') >= db.session.scalar(
        db.select(db.func.count()).select_from(Keputusan).where(Keputusan.usulan_id == usulan.id))
    assert "bootstrap" not in page.lower() and "<script" not in page


def test_rejected_proposal_shows_the_reason_and_the_village(client, journey):
    page = client.get(f"/publik/lacak?kode={journey['rejected'].kode_lacak.lower()}").get_data(as_text=True)
    assert "Sudah dibangun swadaya warga tahun lalu" in page and "Kelurahan Pasar Baru" in page
    assert "B*** S******" in page
    _assert_no_personal_data(page)


def test_unknown_code_gives_a_friendly_404_in_the_users_language(client, region):
    response = client.get("/publik/lacak?kode=MDN-2027-999999")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "MDN-2027-999999" in page and 'name="kode"' in page
    response = client.get("/publik/lacak?kode=%3Cscript%3Ealert(1)%3C/script%3E")
    assert response.status_code == 404 and "<script>alert(1)" not in response.get_data(as_text=True)
    assert client.get("/publik/lacak?kode=").status_code == 302


def test_tracking_page_query_count_does_not_grow_with_the_timeline(client, journey, siklus):
    short_code, long_code = journey["rejected"].kode_lacak, journey["funded"].kode_lacak
    with count_queries() as short:
        client.get(f"/publik/lacak?kode={short_code}")
    pagecache.forget_heads()  # both read the region's history head
    with count_queries() as long:
        client.get(f"/publik/lacak?kode={long_code}")
    assert len(long) == len(short) <= 14, long


# ---- another region's code ------------------------------------------------------------------

HOSTS = {"eplanning.medan.test": "medan", "eplanning.agam.test": "agam"}


@pytest.fixture
def two_regions(database_url, tmp_path, password_hash):
    from eplanning_core.accounts.models import User
    from eplanning_core.siklus.operations import open_cycle
    from eplanning_core.tenancy.context import current_tenant_id, use_tenant
    from eplanning_core.wilayah.importer import import_files
    from eplanning_core.wilayah.models import Wilayah

    app = make_app(database_url, TENANT_HOSTS=HOSTS)
    app.instance_path = str(tmp_path)
    codes = {}
    with app.app_context():
        for slug, source, units, unit_code, prefix in (
                ("medan", DATA / "wilayah-mini.csv", DATA / "units-mini.csv", "12.71.01.1001", "MDN"),
                ("agam", TENANTS_DIR / "agam" / "wilayah.csv", None, "13.06.01.2001", "AGM")):
            with use_tenant(slug):
                tid = current_tenant_id()
                import_files(tid, "12.71" if slug == "medan" else "13.06", source, units)
                unit = db.session.scalar(db.select(Wilayah).where(Wilayah.tenant_id == tid,
                                                                  Wilayah.kode == unit_code))
                admin = User(tenant_id=tid, username="admin", nama=f"Admin {slug}", role="bappeda",
                             password_hash=password_hash, aktif=True)
                db.session.add(admin)
                db.session.commit()
                siklus = open_cycle(tid, admin, 2027).obj
                code = f"{prefix}-2027-000777"
                db.session.add(Usulan(tenant_id=tid, siklus_id=siklus.id, kode_lacak=code, sumber="kelurahan",
                                      bidang="ekonomi", permasalahan="Pasar becek",
                                      usulan_kegiatan=f"Perbaikan pasar {slug}", volume=1, satuan="paket",
                                      harga_satuan=1000, total=1000, lokasi_wilayah_id=unit.id,
                                      lokasi_kode=unit.kode, tahapan=siklus.tahapan[1].kunci))
                db.session.commit()
                codes[slug] = code
        db.session.remove()
    yield app, codes
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


def test_a_code_of_another_region_is_not_found(two_regions):
    app, codes = two_regions
    medan, agam = app.test_client(), app.test_client()
    assert medan.get(f"http://eplanning.medan.test/publik/lacak?kode={codes['agam']}").status_code == 404
    own = agam.get(f"http://eplanning.agam.test/publik/lacak?kode={codes['agam']}")
    assert own.status_code == 200 and "Perbaikan pasar agam" in own.get_data(as_text=True)
    page = medan.get("http://eplanning.medan.test/publik/usulan").get_data(as_text=True)
    assert "Perbaikan pasar medan" in page and "Perbaikan pasar agam" not in page
    data = medan.get("http://eplanning.medan.test/publik/data/2027/usulan.csv").get_data(as_text=True)
    assert codes["medan"] in data and codes["agam"] not in data


# ---- browsing -------------------------------------------------------------------------------

def _codes(page: str) -> set[str]:
    return set(re.findall(r"<code>(MDN-2027-\d{6})</code>", page))


def test_browse_filters_by_unit_agency_stage_status_and_text(client, siklus, region):
    pu = region["agencies"]["pu"]
    add_rows(siklus, region, [
        {"unit": "12.71.01.1001.01", "usulan_kegiatan": "Drainase Pasar Baru", "pengusul_nama": "Rahmat Hidayat"},
        {"unit": "12.71.01.1002.01", "usulan_kegiatan": "Lampu jalan Pusat Pasar"},
        {"unit": "12.71.02.1001.01", "usulan_kegiatan": "Posyandu Tanjung Rejo", "tahapan": "musrenbang_kecamatan",
         "status": "ditolak"},
        {"unit": "12.71.02.1001", "usulan_kegiatan": "Jalan Tanjung Rejo", "tahapan": "forum_pd",
         "perangkat_daerah_id": pu.id, "status": "diterima"},
    ])
    every = _codes(client.get("/publik/usulan").get_data(as_text=True))
    assert every == {f"MDN-2027-{n}" for n in range(900000, 900004)}
    assert _codes(client.get("/publik/usulan?kecamatan=12.71.02").get_data(as_text=True)) == \
        {"MDN-2027-900002", "MDN-2027-900003"}
    assert _codes(client.get("/publik/usulan?kelurahan=12.71.01.1002").get_data(as_text=True)) == {"MDN-2027-900001"}
    assert _codes(client.get("/publik/usulan?pd=1.03.01").get_data(as_text=True)) == {"MDN-2027-900003"}
    assert _codes(client.get("/publik/usulan?tahapan=musrenbang_kecamatan").get_data(as_text=True)) == \
        {"MDN-2027-900002"}
    assert _codes(client.get("/publik/usulan?status=diterima").get_data(as_text=True)) == {"MDN-2027-900003"}
    assert _codes(client.get("/publik/usulan?q=posyandu").get_data(as_text=True)) == {"MDN-2027-900002"}
    # names are never searchable, and nonsense filters are ignored, not errors
    assert _codes(client.get("/publik/usulan?q=Hidayat").get_data(as_text=True)) == set()
    response = client.get("/publik/usulan?status=x&tahapan=y&kecamatan=%27%3B&page=abc")
    assert response.status_code == 200 and _codes(response.get_data(as_text=True)) == every


def test_browse_pages_with_a_constant_number_of_queries(client, siklus, region):
    add_rows(siklus, region, [{"unit": "12.71.02.1001.01" if n % 2 else "12.71.01.1001.01",
                               "perangkat_daerah_id": region["agencies"]["pu"].id} for n in range(30)])
    client.get("/publik/")  # the first visit of a process also builds its caches (tenant, cycle)
    with count_queries() as first:
        page1 = client.get("/publik/usulan").get_data(as_text=True)
    with count_queries() as second:
        page2 = client.get("/publik/usulan?page=2").get_data(as_text=True)
    assert len(_codes(page1)) == 25 and len(_codes(page2)) == 5
    assert len(first) == len(second) <= 14


# ---- summaries -------------------------------------------------------------------------------

def _stat(page: str, key: str) -> int:
    match = re.search(rf'data-key="{key}"><b>(\d+)</b>', page)
    assert match, key
    return int(match.group(1))


def test_unit_and_agency_summaries_count_a_prepared_set(client, siklus, region):
    pu = region["agencies"]["pu"]
    add_rows(siklus, region, [
        {"status": "ditolak", "alasan": "Lokasi di luar kota"},
        {"status": "ditolak", "alasan": "Lokasi di luar kota", "unit": "12.71.01.1002.01"},
        {"status": "ditolak", "alasan": "Sudah ada program provinsi", "tahapan": "musrenbang_kelurahan"},
        {"status": "diterima", "tahapan": "musrenbang_kelurahan"},
        {"status": "belum_dibahas", "tahapan": "musrenbang_kecamatan", "terkunci": True},
        {"status": "belum_dibahas"},
        {"status": "didanai", "tahapan": "penganggaran", "perangkat_daerah_id": pu.id, "pagu": 9_000_000,
         "anggaran_jumlah": 8_000_000, "terkunci": True},
        {"status": "ditolak", "alasan": "Bukan prioritas", "unit": "12.71.02.1001.01"},
    ])
    page = client.get("/publik/wilayah/12.71.01").get_data(as_text=True)
    assert (_stat(page, "proposed"), _stat(page, "accepted"), _stat(page, "rejected"),
            _stat(page, "in_process"), _stat(page, "in_rkpd"), _stat(page, "funded")) == (7, 3, 3, 1, 1, 1)
    assert "Lokasi di luar kota" in page and "Bukan prioritas" not in page
    assert re.search(r"Lokasi di luar kota</td><td>[^<]+</td><td class=\"num\">2<", page)
    assert "Rp 8.000.000" in page and "Rp 7.000.000" in page  # funded; total proposed
    assert re.search(r"Pasar Baru</a></td><td class=\"num\">6</td>", page)  # per kelurahan
    village = client.get("/publik/wilayah/12.71.01.1002").get_data(as_text=True)
    assert _stat(village, "proposed") == 1 and _stat(village, "rejected") == 1
    agency = client.get("/publik/pd/1.03.01").get_data(as_text=True)
    assert _stat(agency, "proposed") == 1 and _stat(agency, "funded") == 1
    assert client.get("/publik/wilayah/99.99").status_code == 404
    assert client.get("/publik/pd/tidak-ada").status_code == 404


# ---- open data -------------------------------------------------------------------------------

def test_open_data_csv_and_json_hold_every_row_and_no_personal_data(client, journey, siklus):
    from eplanning_core.portal.opendata import KEPUTUSAN_COLUMNS, USULAN_COLUMNS

    decisions = db.session.scalar(db.select(db.func.count()).select_from(Keputusan))
    for dataset, columns, rows in (("usulan", USULAN_COLUMNS, 2), ("keputusan", KEPUTUSAN_COLUMNS, decisions)):
        response = client.get(f"/publik/data/2027/{dataset}.csv")
        assert response.status_code == 200 and response.is_streamed
        assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
        text = response.get_data(as_text=True)
        table = list(csv.DictReader(io.StringIO(text)))
        assert len(table) == rows and list(table[0]) == [c.name for c in columns]
        _assert_no_personal_data(text)
        document = json.loads(client.get(f"/publik/data/2027/{dataset}.json").get_data(as_text=True))
        assert document["licence"] == "CC BY 4.0" and len(document["data"]) == rows
        assert list(document["data"][0]) == [c.name for c in columns]
        _assert_no_personal_data(json.dumps(document, ensure_ascii=False))
    names = {c.name for c in USULAN_COLUMNS + KEPUTUSAN_COLUMNS}
    assert not names & {"pengusul_telepon", "pengusul_nik", "pengusul_nama", "user_nama", "user_id"}
    usulan = {r["kode_lacak"]: r for r in json.loads(
        client.get("/publik/data/2027/usulan.json").get_data(as_text=True))["data"]}
    funded = usulan[journey["funded"].kode_lacak]
    assert funded["pengusul"] == "S*** A*****" and funded["anggaran_jumlah"] == 58_000_000
    assert funded["lat"] == 3.591 and funded["kecamatan_nama"] == "Medan Kota"
    assert funded["status"] == "didanai" and funded["perangkat_daerah_kode"] == "1.03.01"
    keputusan = json.loads(client.get("/publik/data/2027/keputusan.json").get_data(as_text=True))["data"]
    by = {(r["oleh_jenis"], r["oleh_nama"]) for r in keputusan}
    assert ("wilayah", "Pasar Baru") in by and ("perangkat_daerah", "Dinas Pekerjaan Umum") in by
    assert ("bappeda", "Bappeda") in by
    assert [r["urutan"] for r in keputusan if r["kode_lacak"] == journey["rejected"].kode_lacak][:3] == [1, 2, 3]
    assert client.get("/publik/data/2031/usulan.csv").status_code == 404
    assert client.get("/publik/data/2027/pengguna.csv").status_code == 404


def test_open_data_page_documents_every_column_and_the_licence(client, siklus):
    from eplanning_core.portal.opendata import KEPUTUSAN_COLUMNS, USULAN_COLUMNS

    page = client.get("/publik/data").get_data(as_text=True)
    for column in USULAN_COLUMNS + KEPUTUSAN_COLUMNS:
        assert f"<code>{column.name}</code>" in page
    assert "CC BY 4.0" in page and "/publik/data/2027/keputusan.json" in page


def test_docs_open_data_describes_every_column():
    from pathlib import Path

    from eplanning_core.portal.opendata import KEPUTUSAN_COLUMNS, USULAN_COLUMNS

    doc = (Path(__file__).resolve().parent.parent / "docs" / "open-data.md").read_text(encoding="utf-8")
    missing = [c.name for c in USULAN_COLUMNS + KEPUTUSAN_COLUMNS if f"| `{c.name}` |" not in doc]
    assert not missing, f"docs/open-data.md does not describe: {missing}"
    assert "CC BY 4.0" in doc


def test_csv_cells_that_look_like_formulas_are_defused(client, siklus, region):
    add_rows(siklus, region, [{"usulan_kegiatan": "=HYPERLINK(\"http://x\")"}])
    text = client.get("/publik/data/2027/usulan.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text


# ---- the entrances -----------------------------------------------------------------------------

def test_visitors_get_the_portal_at_the_root_and_a_link_from_the_login(client, region, siklus):
    response = client.get("/")
    assert response.status_code == 200 and 'action="/publik/lacak"' in response.get_data(as_text=True)
    assert "Cookie" in response.headers["Vary"]  # a cached visitor's copy is never a user's start page
    assert 'href="/publik/"' in client.get("/masuk").get_data(as_text=True)
    login(client, "kel1")
    page = client.get("/").get_data(as_text=True)
    assert "Pasar Baru" in page and 'href="/publik/"' in page


def test_language_link_switches_the_portal_without_a_form(client, region, siklus):
    response = client.get("/publik/bahasa/en?next=/publik/usulan")
    assert response.status_code == 302 and response.headers["Location"] == "/publik/usulan"
    assert '<html lang="en">' in client.get("/publik/").get_data(as_text=True)
    assert client.get("/publik/bahasa/en?next=//evil.example").headers["Location"] == "/publik/"


def test_tracking_page_weighs_less_than_150_kb_with_every_asset(client, journey):
    page = client.get(f"/publik/lacak?kode={journey['funded'].kode_lacak}").get_data()
    assets = re.findall(rb'(?:href|src)="(/[^"]+\.(?:css|js|svg|png)|/wilayah-aset/logo)"', page)
    assert assets, "no stylesheet found"
    total = len(page) + sum(len(client.get(a.decode()).get_data()) for a in set(assets))
    assert total < 150 * 1024, total


def test_public_queries_do_not_even_load_phone_or_nik(app, journey):
    from sqlalchemy.exc import InvalidRequestError

    from eplanning_core.portal import queries

    db.session.expunge_all()
    usulan, _name = queries.find_by_code(journey["funded"].kode_lacak)
    with pytest.raises(InvalidRequestError):
        usulan.pengusul_nik  # noqa: B018 - the access itself must fail
