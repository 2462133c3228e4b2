"""Deciding many proposals at once from the work list (issue 14, point 2), on SQLite and
PostgreSQL: nothing selected, one, all 20,000 matching a filter, mixed refusals (stale
version, wrong stage, missing reason), isolation (forged ids or filters of another unit),
one history entry per item, the list's sort and paging, "save and next", the send page's
link to the fix, and the query budgets of the list and the preview.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from support.rows import add_rows
from support.snapshots import changed_tables, count_queries, snapshot
from support.web import browser, csrf_token, login

from eplanning_core.audit.models import AuditEntry
from eplanning_core.extensions import db
from eplanning_core.usulan import bulk_actions
from eplanning_core.usulan.models import Usulan

KEL = "2026-02-05T09:00"       # Musrenbang Kelurahan is open
STAGE = "musrenbang_kelurahan"
LING1, LING2, OTHER = "12.71.01.1001.01", "12.71.01.1001.02", "12.71.01.1002.01"


def _add(siklus, region, count, *, unit=LING1, start=700000, **values):
    add_rows(siklus, region, [dict({"unit": unit, "tahapan": STAGE, "terkunci": True}, **values)
                              for _ in range(count)], start=start)
    return db.session.scalars(select(Usulan).where(
        Usulan.kode_lacak >= f"MDN-2027-{start:06d}", Usulan.kode_lacak < f"MDN-2027-{start + count:06d}")
        .order_by(Usulan.id)).all()


def _token(client):
    return csrf_token(client, "/usulan/")


def _post(client, url, data, args=""):
    return client.post(f"{url}{args}", data={**data, "csrf_token": _token(client)})


def _ids(rows):
    return [f"{r.id}:{r.version}" for r in rows]


def _history(action="usulan.diterima"):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def _statuses(rows):
    db.session.expire_all()
    return [db.session.get(Usulan, r.id).status for r in rows]


@pytest.fixture
def kelurahan(siklus, region, clock, as_user):
    clock.set_local(KEL)
    return as_user("kel1")


# ---- bounds --------------------------------------------------------------------------------------

def test_nothing_selected_is_refused_clearly_and_changes_nothing(kelurahan, siklus, region):
    _add(siklus, region, 3)
    before = snapshot()
    preview = _post(kelurahan, "/usulan/massal", {"tahapan": STAGE, "aksi": "diterima"})
    assert preview.status_code == 422
    assert "Belum ada yang dipilih" in preview.get_data(as_text=True)
    done = _post(kelurahan, "/usulan/massal/jalankan", {"tahapan": STAGE, "aksi": "diterima"})
    assert done.status_code == 303
    assert changed_tables(before, snapshot()) == []
    assert "Belum ada yang dipilih" in kelurahan.get(done.headers["Location"]).get_data(as_text=True)


def test_one_proposal_previewed_then_accepted_with_its_history(kelurahan, siklus, region):
    rows = _add(siklus, region, 2)
    before = _history()
    preview = _post(kelurahan, "/usulan/massal", {"tahapan": STAGE, "aksi": "diterima", "pilih": _ids(rows[:1])})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="bulk-confirm"' in html
    assert "1 usulan akan diubah" in html and "Rp 1.000.000" in html
    assert _statuses(rows) == ["belum_dibahas", "belum_dibahas"], "a preview changes nothing"
    done = _post(kelurahan, "/usulan/massal/jalankan", {"tahapan": STAGE, "aksi": "diterima",
                                                        "pilih": _ids(rows[:1])}, "?tahapan=" + STAGE)
    assert done.status_code == 303
    location = done.headers["Location"]
    assert "tahapan=musrenbang_kelurahan" in location and "hasil=" in location, "the filter survives"
    assert _statuses(rows) == ["diterima", "belum_dibahas"]
    assert _history() == before + 1
    page = kelurahan.get(location).get_data(as_text=True)
    assert 'id="hasil"' in page and rows[0].kode_lacak in page


def test_all_20000_matching_a_filter_in_one_transaction(kelurahan, siklus, region):
    rows = _add(siklus, region, 20_000)
    _add(siklus, region, 5, unit=OTHER, start=760000)   # another kelurahan: not in kel1's list
    args = f"?tahapan={STAGE}&status=belum_dibahas"
    preview = _post(kelurahan, "/usulan/massal", {"tahapan": STAGE, "aksi": "diterima", "semua": "1",
                                                  "jumlah": "20000"}, args)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html[:500]
    assert "20000 usulan akan diubah" in html and "Rp 20.000.000.000" in html
    sidik = re.search(r'name="sidik" value="([0-9a-f]+)"', html).group(1)
    before = _history()
    done = _post(kelurahan, "/usulan/massal/jalankan", {"tahapan": STAGE, "aksi": "diterima", "semua": "1",
                                                        "jumlah": "20000", "sidik": sidik}, args)
    assert done.status_code == 303 and "hasil=" in done.headers["Location"]
    assert _history() == before + 20_000, "one history entry per proposal"
    assert db.session.scalar(select(func.count()).select_from(Usulan).where(
        Usulan.siklus_id == siklus.id, Usulan.status == "diterima")) == 20_000
    assert set(_statuses(rows[:3] + rows[-3:])) == {"diterima"}


def test_all_matching_is_refused_when_the_list_changed_since_the_preview(kelurahan, siklus, region):
    rows = _add(siklus, region, 4)
    args = f"?tahapan={STAGE}"
    html = _post(kelurahan, "/usulan/massal", {"tahapan": STAGE, "aksi": "diterima", "semua": "1",
                                               "jumlah": "4"}, args).get_data(as_text=True)
    sidik = re.search(r'name="sidik" value="([0-9a-f]+)"', html).group(1)
    _add(siklus, region, 1, start=710000)  # someone adds one meanwhile
    before = snapshot()
    done = _post(kelurahan, "/usulan/massal/jalankan", {"tahapan": STAGE, "aksi": "diterima", "semua": "1",
                                                        "jumlah": "4", "sidik": sidik}, args)
    assert done.status_code == 303
    assert changed_tables(before, snapshot()) == []
    page = kelurahan.get(done.headers["Location"]).get_data(as_text=True)
    assert "Daftar berubah sejak pratinjau" in page
    assert _statuses(rows) == ["belum_dibahas"] * 4


def test_mixed_refusals_are_reported_per_item_and_the_rest_is_done(kelurahan, siklus, region):
    ok, stale = _add(siklus, region, 2)
    early = _add(siklus, region, 1, start=720000, tahapan="rembuk_warga", terkunci=False)[0]
    data = {"tahapan": STAGE, "aksi": "diterima",
            "pilih": [f"{ok.id}:{ok.version}", f"{stale.id}:{stale.version + 7}", f"{early.id}:{early.version}"]}
    preview = _post(kelurahan, "/usulan/massal", data).get_data(as_text=True)
    assert "1 usulan akan diubah" in preview
    assert 'data-rule="stale"' in preview and 'data-rule="wrong_stage"' in preview
    done = _post(kelurahan, "/usulan/massal/jalankan", data)
    page = kelurahan.get(done.headers["Location"]).get_data(as_text=True)
    assert "2 tidak dapat diproses" in page
    assert stale.kode_lacak in page and early.kode_lacak in page
    assert _statuses([ok, stale, early]) == ["diterima", "belum_dibahas", "belum_dibahas"]


def test_rejecting_needs_the_one_reason_and_names_counts_and_amounts(kelurahan, siklus, region):
    rows = _add(siklus, region, 3)
    data = {"tahapan": STAGE, "aksi": "ditolak", "pilih": _ids(rows)}
    before = snapshot()
    preview = _post(kelurahan, "/usulan/massal", data).get_data(as_text=True)
    assert 'data-rule="reason_required"' in preview and 'id="bulk-confirm"' not in preview
    _post(kelurahan, "/usulan/massal/jalankan", data)
    assert changed_tables(before, snapshot()) == []
    data["alasan"] = "Bukan kewenangan kota"
    preview = _post(kelurahan, "/usulan/massal", data).get_data(as_text=True)
    assert "btn-danger" in preview and "3 usulan (Rp 3.000.000)" in preview
    _post(kelurahan, "/usulan/massal/jalankan", data)
    assert _statuses(rows) == ["ditolak"] * 3
    db.session.expire_all()
    assert {db.session.get(Usulan, r.id).alasan for r in rows} == {"Bukan kewenangan kota"}
    assert _history("usulan.ditolak") == 3


# ---- isolation -------------------------------------------------------------------------------------

def test_an_operator_cannot_act_on_another_units_items_by_forged_ids_or_filter(app, siklus, region, clock, as_user):
    clock.set_local(KEL)
    theirs = _add(siklus, region, 3)                       # Kelurahan 1001 (kel1)
    client = as_user("kel2")                               # Kelurahan 1002
    before = snapshot()
    forged = {"tahapan": STAGE, "aksi": "diterima", "pilih": _ids(theirs)}
    preview = _post(client, "/usulan/massal", forged).get_data(as_text=True)
    assert 'data-rule="missing"' in preview and 'id="bulk-confirm"' not in preview
    _post(client, "/usulan/massal/jalankan", forged)
    filtered = {"tahapan": STAGE, "aksi": "diterima", "semua": "1", "jumlah": "3"}
    _post(client, "/usulan/massal/jalankan", filtered, "?kel=12.71.01.1001&tahapan=" + STAGE)
    assert changed_tables(before, snapshot()) == []
    # the kecamatan reads them, but deciding at the kelurahan's stage is the kelurahan's
    kec = browser(app)
    assert login(kec, "kec1").status_code == 302
    preview = _post(kec, "/usulan/massal", forged).get_data(as_text=True)
    assert 'id="bulk-confirm"' not in preview
    _post(kec, "/usulan/massal/jalankan", forged)
    assert _statuses(theirs) == ["belum_dibahas"] * 3


# ---- the list: actions offered, sort, paging, next ----------------------------------------------------

def test_the_list_offers_the_engines_actions_for_the_stage(kelurahan, siklus, region):
    _add(siklus, region, 2)
    html = kelurahan.get(f"/usulan/?tahapan={STAGE}").get_data(as_text=True)
    offered = re.findall(r'<option value="(\w+)" data-reason', html)
    assert offered == ["diterima", "diterima_dengan_perubahan", "ditolak", "dana_desa"]
    assert 'name="pilih"' in html and 'name="semua"' in html


def test_a_reader_is_offered_no_action(app, siklus, region, clock):
    clock.set_local(KEL)
    _add(siklus, region, 2)
    viewer = browser(app)
    assert login(viewer, "viewer").status_code == 302
    html = viewer.get(f"/usulan/?tahapan={STAGE}").get_data(as_text=True)
    assert 'name="pilih"' not in html and 'name="aksi"' not in html


def test_sorting_is_stable_and_kept_with_the_filter_across_pages(kelurahan, siklus, region, app):
    rows = _add(siklus, region, 30)
    for n, row in enumerate(rows):
        row.total = (n % 3) * 1000
    db.session.commit()
    url = f"/usulan/?tahapan={STAGE}&urut=total&arah=turun"
    first = kelurahan.get(url).get_data(as_text=True)
    second = kelurahan.get(url + "&page=2").get_data(as_text=True)
    codes = re.findall(r'<code>(MDN-2027-\d+)</code>', first) + re.findall(r'<code>(MDN-2027-\d+)</code>', second)
    by_code = {r.kode_lacak: r for r in rows}
    expected = sorted(rows, key=lambda r: (-r.total, -r.id))
    assert codes == [r.kode_lacak for r in expected]
    assert by_code[codes[0]].total == 2000
    assert "urut=total" in second and "arah=turun" in second and "tahapan=musrenbang_kelurahan" in second
    with app.test_request_context():
        from flask_login import login_user
        login_user(region["users"]["kel1"])
        args = {"tahapan": STAGE, "urut": "total", "arah": "turun"}
        assert bulk_actions.next_in_filter(siklus, args, expected[0].id) == expected[1].id
        assert bulk_actions.next_in_filter(siklus, args, expected[-1].id) is None


def test_next_in_filter_follows_a_decided_proposal_out_of_an_undecided_list(siklus, region, app):
    rows = _add(siklus, region, 3)
    rows[1].status = "diterima"  # decided: no longer in the list it was opened from
    db.session.commit()
    with app.test_request_context():
        args = {"tahapan": STAGE, "status": "belum_dibahas"}
        user = region["users"]["kel1"]
        assert bulk_actions.next_in_filter(siklus, args, rows[1].id, user) == rows[0].id
        assert bulk_actions.next_in_filter(siklus, {**args, "urut": "kode"}, rows[1].id, user) == rows[2].id


def test_the_send_pages_quota_refusal_links_to_the_fix(kelurahan, siklus, region):
    _add(siklus, region, 12, status="diterima")   # the quota at the kelurahan is 10
    html = kelurahan.get("/usulan/kirim").get_data(as_text=True)
    link = re.search(r'<a class="btn btn-sm btn-outline-danger send-fix" href="([^"]+)"', html)
    assert link, html
    url = link.group(1).replace("&amp;", "&")
    assert "tugas=kirim" in url and "tahapan=musrenbang_kelurahan" in url
    listed = kelurahan.get(url).get_data(as_text=True)
    assert len(re.findall(r'name="pilih"', listed)) == 12
    assert 'value="dana_desa"' in listed


# ---- query budgets -------------------------------------------------------------------------------------

@pytest.mark.parametrize("page", ["list", "preview"])
def test_list_and_preview_stay_within_budget(kelurahan, siklus, region, page):
    def visit():
        if page == "list":
            return kelurahan.get(f"/usulan/?tahapan={STAGE}&urut=total")
        return kelurahan.post(f"/usulan/massal?tahapan={STAGE}", data={
            "csrf_token": token, "tahapan": STAGE, "aksi": "diterima", "semua": "1", "jumlah": "1"})
    token = _token(kelurahan)
    _add(siklus, region, 5)
    assert visit().status_code == 200
    with count_queries() as small:
        visit()
    _add(siklus, region, 200, start=730000)
    with count_queries() as large:
        assert visit().status_code == 200
    assert len(large) <= 12, large
    assert len(small) == len(large), (small, large)


# ---- routing and the agency's shared mapping ------------------------------------------------------

def test_the_kecamatan_routes_many_to_one_agency(siklus, region, clock, as_user):
    clock.set_local("2026-02-20T09:00")
    rows = _add(siklus, region, 3, tahapan="musrenbang_kecamatan", status="diterima")
    client = as_user("kec1")
    html = client.get("/usulan/?tahapan=musrenbang_kecamatan").get_data(as_text=True)
    assert 'value="rute"' in html and 'name="agency_id"' in html
    pu = region["agencies"]["pu"]
    data = {"tahapan": "musrenbang_kecamatan", "aksi": "rute", "agency_id": str(pu.id), "pilih": _ids(rows)}
    assert "Dinas Pekerjaan Umum" in _post(client, "/usulan/massal", data).get_data(as_text=True)
    _post(client, "/usulan/massal/jalankan", data)
    db.session.expire_all()
    assert {db.session.get(Usulan, r.id).perangkat_daerah_id for r in rows} == {pu.id}
    bad = dict(data, agency_id="999999")
    before = snapshot()
    assert _post(client, "/usulan/massal", bad).status_code == 422
    _post(client, "/usulan/massal/jalankan", bad)
    assert changed_tables(before, snapshot()) == []


def test_the_agency_maps_many_to_one_sub_kegiatan_with_each_ones_total_as_pagu(siklus, region, clock, as_user):
    clock.set_local("2026-03-10T09:00")
    pu = region["agencies"]["pu"]
    rows = _add(siklus, region, 3, tahapan="forum_pd", perangkat_daerah_id=pu.id, sumber="kecamatan")
    client = as_user("pu")
    html = client.get("/usulan/?tahapan=forum_pd").get_data(as_text=True)
    assert 'name="sub_kegiatan"' in html and 'name="pagu_dari_total"' in html
    data = {"tahapan": "forum_pd", "aksi": "diterima", "sub_kegiatan": "1.03.10.2.01.0005", "pilih": _ids(rows)}
    preview = _post(client, "/usulan/massal", data).get_data(as_text=True)
    assert 'data-rule="missing_field"' in preview, "without a pagu the mapping is refused"
    data["pagu_dari_total"] = "1"
    _post(client, "/usulan/massal/jalankan", data)
    db.session.expire_all()
    mapped = [db.session.get(Usulan, r.id) for r in rows]
    assert {(u.status, u.sub_kegiatan_kode, u.pagu) for u in mapped} == {("diterima", "1.03.10.2.01.0005", 1_000_000)}


def test_setwan_checks_and_bappeda_validates_pokir_in_bulk(siklus, region, clock, app):
    clock.set_local("2026-02-25T09:00")
    member = region["users"]["dprd1"]
    rows = _add(siklus, region, 4, tahapan="pokir", sumber="pokir", dprd_user_id=member.id, dapil="MDN-1")
    from support.builders import add_accounts
    add_accounts(siklus.tenant_id, region["users"]["admin"].password_hash, {"setwan": dict(role="setwan")},
                 region["units"], region["agencies"])
    db.session.commit()
    setwan = browser(app)
    assert login(setwan, "setwan").status_code == 302
    html = setwan.get("/usulan/?tahapan=pokir").get_data(as_text=True)
    assert re.findall(r'<option value="(\w+)" data-reason', html) == ["ditolak", "rute", "periksa"]
    _post(setwan, "/usulan/massal/jalankan", {"tahapan": "pokir", "aksi": "periksa", "semua": "1", "jumlah": "4"},
          "?tahapan=pokir")
    assert _statuses(rows) == ["diperiksa"] * 4
    admin = browser(app)
    assert login(admin, "admin").status_code == 302
    html = admin.get("/usulan/?tahapan=pokir").get_data(as_text=True)
    assert 'value="diterima"' in html, "Bappeda validates what Setwan checked"
    _post(admin, "/usulan/massal/jalankan", {"tahapan": "pokir", "aksi": "diterima", "pilih": _ids(rows[:3])})
    assert _statuses(rows) == ["diterima"] * 3 + ["diperiksa"]
