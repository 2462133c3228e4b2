"""The Command Center: who may open it, and that its numbers, late units, shares, ceilings,
charts and map are right on a prepared set, safe with hostile names, and cheap in queries."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from support.rows import add_rows
from support.snapshots import count_queries

from eplanning_core.budgeting.models import AnggaranBaris, AnggaranImpor
from eplanning_core.commandcenter import cache, charts, metrics
from eplanning_core.extensions import db
from eplanning_core.usulan.engine_adapter import cycle_for
from eplanning_core.siklus.operations import extend, set_limits
from eplanning_core.usulan import operations as ops
from eplanning_core.testing.meetings import hold_meeting

URL = "/command-center/"
MAP_URL = "/command-center/map.json"
VENDOR = Path(__file__).resolve().parent.parent / "eplanning_core" / "static" / "vendor" / "leaflet"


def _dashboard(siklus):
    db.session.expire_all()
    return metrics.build(siklus, cycle_for(siklus))


@pytest.mark.parametrize("username", ["kel1", "kec1", "pu", "dprd1"])
def test_only_bappeda_and_viewers_may_open_it(client, as_user, siklus, username):
    assert client.get(URL).status_code == 302  # anonymous: to the login
    assert client.get(MAP_URL).status_code == 401  # the map's points: the same rule, in JSON
    as_user(username)
    assert client.get(URL).status_code == 403
    assert client.get(MAP_URL).status_code == 403
    assert "/command-center/" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("username", ["admin", "viewer"])
def test_bappeda_and_viewer_see_it_and_the_nav_link(client, as_user, siklus, username):
    as_user(username)
    response = client.get(URL)
    assert response.status_code == 200 and "<svg" in response.get_data(as_text=True)
    assert 'href="/command-center/"' in client.get("/").get_data(as_text=True)


def _cell(page: str, stage: str, status: str) -> str:
    row = re.search(rf'<tr data-stage="{stage}"[^>]*>(.*?)</tr>', page, re.S).group(1)
    return re.search(rf'data-status="{status}">([^<]*)<', row).group(1)


def test_funnel_and_stage_status_counts_on_a_prepared_set(client, as_user, siklus, region):
    dprd = region["users"]["dprd1"].id
    pokir = {"sumber": "pokir", "dprd_user_id": dprd, "unit": "12.71.01.1001"}
    add_rows(siklus, region, [
        {}, {}, {"status": "ditolak"},                                             # rembuk warga
        {"tahapan": "musrenbang_kelurahan", "terkunci": True},
        {"tahapan": "musrenbang_kelurahan", "status": "diterima", "terkunci": True},
        {"tahapan": "pokir", **pokir}, {"tahapan": "pokir", "status": "diperiksa", **pokir},
        {"tahapan": "forum_pd", "terkunci": True}, {"tahapan": "forum_pd", "terkunci": True, **pokir},
        {"tahapan": "penetapan_rkpd", "terkunci": True},
    ])
    dash = _dashboard(siklus)
    reached = {stage.key: count for stage, count in dash.funnel}
    assert reached == {"rembuk_warga": 7, "musrenbang_kelurahan": 4, "musrenbang_kecamatan": 2,
                       "pokir": 3, "forum_pd": 3, "musrenbang_rkpd": 1, "penetapan_rkpd": 1,
                       "penganggaran": 0}
    assert (dash.summary.proposed, dash.summary.rejected, dash.summary.in_rkpd) == (10, 1, 1)
    as_user("admin")
    page = client.get(URL).get_data(as_text=True)
    assert _cell(page, "rembuk_warga", "belum_dibahas") == "2"
    assert _cell(page, "rembuk_warga", "ditolak") == "1"
    assert _cell(page, "pokir", "diperiksa") == "1"
    assert _cell(page, "musrenbang_kecamatan", "belum_dibahas") == ""
    funnel = re.search(r'<figure id="funnel">(.*?)</figure>', page, re.S).group(1)
    assert funnel.startswith("<svg") and ">7</text>" in funnel


def test_late_units_are_listed_once_their_window_closed(client, as_user, siklus, region, clock):
    users = region["users"]
    values = {"bidang": "ekonomi", "permasalahan": "Pasar sepi", "usulan_kegiatan": "Pelatihan UMKM",
              "volume": "1", "satuan": "paket", "harga_satuan": "1.000.000",
              "lokasi_wilayah_id": region["units"]["12.71.01.1001.01"].id}
    usulan = ops.create(siklus, "rembuk_warga", users["ling1"], values).usulan
    assert ops.act(usulan, users["ling1"], "survei_selesai", expected_version=usulan.version,
                   stage_key="rembuk_warga").ok
    hold_meeting(siklus, "rembuk_warga", "12.71.01.1001.01")
    assert ops.send(siklus, "rembuk_warga", "12.71.01.1001.01", users["ling1"]).ok
    tahapan = next(t for t in siklus.tahapan if t.kunci == "rembuk_warga")
    assert extend(siklus, tahapan, users["admin"], ditutup_baru=datetime(2026, 2, 10), holder="12.71.02.1001.01",
                  alasan="Banjir: rembuk warga ditunda seminggu").ok

    clock.set_local("2026-01-25T09:00")  # inside the window: nobody is late yet
    assert _dashboard(siklus).late_total == 0
    clock.set_local("2026-02-05T09:00")  # closed for all but the extended lingkungan
    dash = _dashboard(siklus)
    assert dash.late_total == 2
    assert sorted(holder for _, holder, _ in dash.late) == ["Lingkungan I", "Lingkungan II"]
    as_user("admin")
    page = client.get(URL).get_data(as_text=True)
    assert re.search(r'id="late-count">2<', page)
    kota = re.search(r'<tr data-kode="12.71.01"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert re.search(r'data-stage="rembuk_warga">1 / 3 <span[^>]*>[^<]*2', kota)
    sunggal = re.search(r'<tr data-kode="12.71.02"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert re.search(r'data-stage="rembuk_warga">0 / 1</td>', sunggal)  # extended: not late
    clock.set_local("2026-02-11T09:00")
    assert _dashboard(siklus).late_total == 3


def test_pokir_share_and_kpk_indicators(client, as_user, siklus, region):
    dprd = region["users"]["dprd1"].id
    pokir = {"sumber": "pokir", "dprd_user_id": dprd, "unit": "12.71.01.1001", "terkunci": True}
    rows = [
        {"tahapan": "penetapan_rkpd", "pagu": 2_000_000, "terkunci": True},
        {"tahapan": "penetapan_rkpd", "pagu": 2_000_000, "terkunci": True},
        {"tahapan": "penganggaran", "pagu": 2_000_000, "status": "didanai", "anggaran_jumlah": 1_500_000,
         "terkunci": True},
        {"tahapan": "penetapan_rkpd", "pagu": 4_000_000, "created_at": datetime(2026, 2, 20, 2), **pokir},
        {"tahapan": "forum_pd", "created_at": datetime(2026, 2, 25, 2), **pokir},
    ]
    add_rows(siklus, region, rows)
    planned = db.session.scalar(db.select(db.func.min(metrics.Usulan.id)))
    impor = AnggaranImpor(tenant_id=siklus.tenant_id, siklus_id=siklus.id, sha256="a" * 64,
                          nama_berkas="apbd.csv", sumber="file", jumlah_baris=2, baris_baru=2, baris_berubah=0)
    db.session.add(impor)
    db.session.flush()
    db.session.add_all([
        AnggaranBaris(tenant_id=siklus.tenant_id, siklus_id=siklus.id, impor_id=impor.id, external_id="L1",
                      usulan_id=planned, uraian="Jalan", jumlah=1_500_000),
        AnggaranBaris(tenant_id=siklus.tenant_id, siklus_id=siklus.id, impor_id=impor.id, external_id="L2",
                      uraian="Hibah tanpa usulan", jumlah=750_000_000)])
    db.session.commit()
    dash = _dashboard(siklus)
    assert dash.share["rkpd"]["musrenbang"] == [3, 6_000_000]
    assert dash.share["rkpd"]["pokir"] == [1, 4_000_000]
    assert dash.share["all"]["pokir"] == [2, 5_000_000]  # the forum_pd item counts its total
    kpk = dash.kpk
    assert (kpk["rkpd_items"], kpk["rkpd_musrenbang"], kpk["rkpd_outcome"]) == (4, 3, 1)
    assert (kpk["pokir_inside"], kpk["pokir_after"]) == (1, 1)
    assert (kpk["budget_lines"], kpk["budget_unplanned"], kpk["budget_unplanned_amount"]) == (2, 1, 750_000_000)
    as_user("viewer")
    page = client.get(URL).get_data(as_text=True)
    cards = re.search(r'id="kpk">(.*?)<h2', page, re.S).group(1)
    assert "75%" in cards and "50%" in cards and "25%" in cards and "Rp 750.000.000" in cards
    share = re.search(r'id="share">(.*?)<h2', page, re.S).group(1)
    assert share.count("<svg") == 4 and "Rp 4.000.000" in share


def test_ceiling_use_per_kecamatan_and_agency(client, as_user, siklus, region):
    pu = region["agencies"]["pu"]
    admin = region["users"]["admin"]
    assert set_limits(siklus, "musrenbang_kecamatan", admin,
                      [{"wilayah_id": region["units"]["12.71.01"].id, "jumlah": 1_500_000}]).ok
    assert set_limits(siklus, "forum_pd", admin, [{"perangkat_daerah_id": pu.id, "jumlah": 10_000_000}]).ok
    add_rows(siklus, region, [
        {"tahapan": "musrenbang_kecamatan", "status": "diterima", "terkunci": True},
        {"tahapan": "musrenbang_kecamatan", "status": "diterima", "terkunci": True, "unit": "12.71.01.1002.01"},
        {"tahapan": "musrenbang_kecamatan", "status": "ditolak", "terkunci": True},
        {"tahapan": "forum_pd", "status": "diterima", "perangkat_daerah_id": pu.id, "pagu": 3_000_000,
         "terkunci": True},
    ])
    dash = _dashboard(siklus)
    ceilings = {stage.key: bars for stage, bars in dash.ceiling_stages}
    assert ("Medan Kota", 2_000_000, 1_500_000) in ceilings["musrenbang_kecamatan"]
    assert ("Medan Sunggal", 0, 5_000_000_000) in ceilings["musrenbang_kecamatan"]
    assert ("Dinas Pekerjaan Umum", 3_000_000, 10_000_000) in ceilings["forum_pd"]
    as_user("admin")
    page = client.get(URL).get_data(as_text=True)
    chart = re.search(r'<figure class="ceiling" data-stage="musrenbang_kecamatan">(.*?)</figure>', page, re.S).group(1)
    assert "#b3261e" in chart and "Rp 2.000.000 / Rp 1.500.000" in chart  # over the ceiling: red


def test_names_cannot_inject_markup_into_charts_tables_or_map(client, as_user, siklus, region):
    region["units"]["12.71.02"].nama = '<script>alert("cc")</script>'
    region["agencies"]["pu"].nama = "<img src=x onerror=alert(1)>"
    db.session.commit()
    add_rows(siklus, region, [
        {"unit": "12.71.02.1001.01", "lat": 3.58, "lng": 98.65},
        {"unit": "12.71.01.1001.01", "lat": 3.59, "lng": 98.68, "status": "ditolak"},
        {"tahapan": "forum_pd", "perangkat_daerah_id": region["agencies"]["pu"].id, "terkunci": True},
    ])
    as_user("admin")
    page = client.get(URL).get_data(as_text=True)
    assert '<script>alert("cc")' not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(" in page and "&lt;img src=x" in page
    svg_map = re.search(r'<figure id="svg-map">(.*?)</figure>', page, re.S).group(1)
    assert svg_map.startswith("<svg") and svg_map.count("<circle") >= 2 + 8  # points + legend
    data = client.get(MAP_URL).get_data(as_text=True)
    assert "<" not in data and "3.58" in data


def test_the_interactive_map_comes_by_its_own_request_with_its_library(client, as_user, siklus, region):
    """The page links neither Leaflet nor the points: its script fetches both when the map is
    shown. The points (map.json) follow the page's access rule and the cycle asked for."""
    add_rows(siklus, region, [{"lat": 3.58, "lng": 98.65}, {"lat": 3.58, "lng": 98.65},
                              {"lat": 3.59, "lng": 98.68, "status": "ditolak"}])
    assert client.get(MAP_URL).status_code == 401
    as_user("viewer")
    page = client.get(URL).get_data(as_text=True)
    assert 'src="/static/vendor/leaflet/leaflet.js' not in page and "cc-map-data" not in page
    assert 'data-leaflet-js="/static/vendor/leaflet/leaflet.js' in page
    holder = re.search(r'<div id="cc-map"[^>]*data-source="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert holder == f"{MAP_URL}?siklus={siklus.id}"
    data = client.get(holder).get_json()
    assert sorted(data["points"]) == [[3.58, 98.65, "belum_dibahas", 2], [3.59, 98.68, "ditolak", 1]]
    south, west, north, east = data["bbox"]
    assert south < 3.58 < 3.59 < north and west < 98.65 < 98.68 < east
    assert data["labels"]["ditolak"] and data["colours"]["ditolak"].startswith("#")
    assert client.get(f"{MAP_URL}?siklus=999999").status_code == 404  # not a cycle of this region


def test_no_coordinates_no_map_and_no_points(client, as_user, siklus, region):
    add_rows(siklus, region, [{}])
    as_user("admin")
    assert 'id="cc-map"' not in client.get(URL).get_data(as_text=True)
    assert client.get(MAP_URL).get_json()["points"] == []


def test_the_drawn_map_stays_light_with_many_cells(client, as_user, siklus, region):
    """Up to a thousand cells go to the interactive map; the SVG map merges them to fewer."""
    add_rows(siklus, region, [{"lat": 3.5 + (n // 30) / 1000, "lng": 98.6 + (n % 30) / 1000}
                              for n in range(900)])
    as_user("admin")
    page = client.get(URL).get_data(as_text=True)
    svg_map = re.search(r'<figure id="svg-map">(.*?)</figure>', page, re.S).group(1)
    assert svg_map.count("<circle") <= charts.SVG_MAP_CELLS + 8
    assert len(client.get(MAP_URL).get_json()["points"]) == 900


def test_the_page_runs_the_same_queries_for_10_or_200_proposals(client, as_user, siklus, region):
    units = ["12.71.01.1001.01", "12.71.01.1001.02", "12.71.01.1002.01", "12.71.02.1001.01", "12.71.02.1001"]
    stages = [("rembuk_warga", "belum_dibahas"), ("musrenbang_kelurahan", "diterima"),
              ("musrenbang_kecamatan", "ditolak"), ("forum_pd", "diterima"), ("penetapan_rkpd", "belum_dibahas")]
    pu = region["agencies"]["pu"].id

    def rows(count, start):
        out = []
        for n in range(count):
            stage, status = stages[n % len(stages)]
            out.append({"unit": units[n % len(units)], "tahapan": stage, "status": status,
                        "terkunci": stage != "rembuk_warga", "lat": 3.5 + n / 1000, "lng": 98.6 + n / 700,
                        "perangkat_daerah_id": pu if stage in ("forum_pd", "penetapan_rkpd") else None})
        return out
    as_user("admin")
    add_rows(siklus, region, rows(10, 900000), start=900000)
    client.get(URL)  # the first visit of a process also builds its caches (tenant, cycle)
    cache.KEPT.clear()  # count a full computation
    with count_queries() as small:
        assert client.get(URL).status_code == 200
    add_rows(siklus, region, rows(190, 901000), start=901000)
    with count_queries() as large:
        assert client.get(URL).status_code == 200
    assert len(small) == len(large) <= 12, [s.split("\n")[0][:80] for s in large]


def test_map_cells_are_merged_when_there_are_too_many():
    points = [(3.5 + i / 1000, 98.6 + (i % 300) / 1000, "diterima", 2) for i in range(5000)]
    merged = metrics.coarsen(points)
    assert len(merged) <= metrics.MAX_MAP_CELLS and sum(p[3] for p in merged) == 10000
    assert metrics.coarsen(points[:10]) == points[:10]


def test_leaflet_is_vendored_with_its_licence_and_served_locally(client, region):
    assert "BSD 2-Clause" in (VENDOR / "LICENSE").read_text()
    readme = (VENDOR / "README.md").read_text()
    assert "1.9.4" in readme and "registry.npmjs.org" in readme
    response = client.get("/static/vendor/leaflet/leaflet.js")
    assert response.status_code == 200 and b"Leaflet 1.9.4" in response.get_data()[:200]
    response.close()


def test_numbers_are_kept_until_the_next_change_and_never_stale_after_one(client, as_user, siklus, region,
                                                                          clock):
    """Between two changes the grouped queries are not run again; a send shows at once."""
    from support.acting import act_on, create_proposal

    ling1 = region["users"]["ling1"]
    usulan = create_proposal(siklus, region)
    act_on(usulan, ling1, "survei_selesai")
    as_user("admin")
    client.get(URL)
    with count_queries() as again:
        page = client.get(URL).get_data(as_text=True)
    assert _cell(page, "rembuk_warga", "belum_dibahas") == "1"
    assert again and not any("GROUP BY" in statement.upper() for statement in again)
    hold_meeting(siklus, "rembuk_warga", "12.71.01.1001.01")
    assert ops.send(siklus, "rembuk_warga", "12.71.01.1001.01", ling1).ok
    page = client.get(URL).get_data(as_text=True)
    assert _cell(page, "rembuk_warga", "belum_dibahas") == ""
    assert _cell(page, "musrenbang_kelurahan", "belum_dibahas") == "1"


def test_the_kept_page_turns_with_the_clock_not_only_with_the_data(client, as_user, siklus, region, clock):
    """The rendered dashboard is kept per minute: a window closing makes units late on the
    next visit though nothing was saved in between, and "as of" shows the new time."""
    users = region["users"]
    values = {"bidang": "ekonomi", "permasalahan": "Pasar sepi", "usulan_kegiatan": "Pelatihan UMKM",
              "volume": "1", "satuan": "paket", "harga_satuan": "1.000.000",
              "lokasi_wilayah_id": region["units"]["12.71.01.1001.01"].id}
    assert ops.create(siklus, "rembuk_warga", users["ling1"], values).ok
    as_user("admin")
    clock.set_local("2026-01-25T09:00")
    before = client.get(URL).get_data(as_text=True)
    assert re.search(r'id="late-count">0<', before) and "2026-01-25 09:00" in before
    assert client.get(URL).get_data(as_text=True) == before  # kept within the minute
    clock.set_local("2026-02-05T09:00")  # the Rembuk Warga window has closed
    after = client.get(URL).get_data(as_text=True)
    assert re.search(r'id="late-count">[1-9]', after) and "2026-02-05 09:00" in after
