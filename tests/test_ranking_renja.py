"""The kecamatan ranking (score, rank, cut, accept, route in bulk) and an agency's Renja."""

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from support.rows import add_rows
from support.web import csrf_token, login, post_form

from eplanning_core.accounts.models import User
from eplanning_core.audit.models import AuditEntry
from eplanning_core.extensions import db
from eplanning_core.kamus.models import KamusUsulan, Nomenklatur
from eplanning_core.siklus.operations import set_limits
from eplanning_core.usulan import bulk
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Keputusan, Usulan
from eplanning_core.testing.meetings import hold_meeting

STAGE = "musrenbang_kecamatan"
CRITERIA = ("keterdesakan", "kemiskinan", "pertumbuhan_ekonomi", "potensi_lokasi", "manfaat", "partisipasi")
#: Points per item (all criteria alike): the ranking is items 1, 3, 4, 0, 2.
POINTS = (2, 5, 1, 4, 3)


def _values(region, name, price, unit="12.71.01.1001", **extra):
    return {"bidang": "fisik_prasarana", "permasalahan": f"Masalah {name}", "usulan_kegiatan": f"Kegiatan {name}",
            "volume": "1", "satuan": "paket", "harga_satuan": str(price),
            "lokasi_wilayah_id": region["units"][unit].id, **extra}


def _act(usulan, user, action, **kw):
    outcome = ops.act(usulan, user, action, expected_version=usulan.version, stage_key=usulan.tahapan, **kw)
    assert outcome.ok, (outcome.refusal, outcome.errors)
    return outcome.usulan


def _switch(client, username):
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, username).status_code == 302
    return client


def _codes(page: str) -> list[str]:
    return re.findall(r'<tr data-id="\d+" data-code="([^"]+)"', page)


def _sheet(response):
    assert response.status_code == 200 and response.data[:2] == b"PK"
    return list(load_workbook(io.BytesIO(response.data), read_only=True).active.iter_rows(values_only=True))


@pytest.fixture
def kecamatan(siklus, region, clock):
    """Five proposals entered at Medan Kota's Musrenbang Kecamatan, 10 to 50 million each."""
    clock.set_local("2026-02-20T09:00")
    kec1 = region["users"]["kec1"]
    items = []
    for n in range(5):
        outcome = ops.create(siklus, STAGE, kec1, _values(region, f"K{n}", (n + 1) * 10_000_000))
        assert outcome.ok, (outcome.errors, outcome.refusal)
        items.append(outcome.usulan)
    return items


def _score_all(items, user):
    for usulan, p in zip(items, POINTS):
        _act(usulan, user, "skor", inputs={"points": {k: p for k in CRITERIA}})


def _quota(siklus, region, kuota):
    result = set_limits(siklus, STAGE, region["users"]["admin"],
                        [{"wilayah_id": region["units"]["12.71.01"].id, "kuota": kuota}])
    assert result.ok


def test_ranking_orders_by_score_and_draws_the_quota_line(as_user, siklus, region, kecamatan):
    _score_all(kecamatan, region["users"]["kec1"])
    _quota(siklus, region, 3)
    client = as_user("kec1")
    page = client.get("/peringkat/").get_data(as_text=True)
    expected = [kecamatan[i].kode_lacak for i in (1, 3, 4, 0, 2)]
    assert _codes(page) == expected
    # the line falls between the third and the fourth
    line = page.index('class="cut-line')
    assert page.index(f'data-code="{expected[2]}"') < line < page.index(f'data-code="{expected[3]}"')
    rows = _sheet(client.get("/peringkat/?format=xlsx"))
    assert [r[1] for r in rows[1:]] == expected
    assert [r[0] for r in rows[1:]] == [1, 2, 3, 4, 5]
    fits = [r[-1] for r in rows[1:]]
    assert fits[:3] == [fits[0]] * 3 and fits[3] == fits[4] != fits[0]


def test_bulk_scoring_with_one_bad_value_saves_nothing_and_names_the_row(as_user, region, kecamatan):
    client = as_user("kec1")
    data = {f"v-{u.id}": u.version for u in kecamatan}
    for usulan, p in zip(kecamatan, POINTS):
        data.update({f"p-{usulan.id}-{k}": p for k in CRITERIA})
    bad = kecamatan[3]
    data[f"p-{bad.id}-manfaat"] = 9  # the maximum is 5
    response = post_form(client, "/peringkat/skor", data, token_from="/peringkat/")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    errors = re.findall(r'class="row-error"><td[^>]*>([^<]+)', page)
    assert len(errors) == 1 and errors[0].startswith(bad.kode_lacak)
    db.session.expire_all()
    assert all(u.skor is None for u in db.session.scalars(db.select(Usulan)))
    assert not db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "usulan.skor")).all()

    data[f"p-{bad.id}-manfaat"] = 4
    response = post_form(client, "/peringkat/skor", data, token_from="/peringkat/")
    assert response.status_code == 303
    db.session.expire_all()
    scores = {u.id: u.skor for u in db.session.scalars(db.select(Usulan))}
    assert scores[kecamatan[1].id] == 500 and scores[kecamatan[2].id] == 100
    assert db.session.get(Usulan, bad.id).skor_rincian["manfaat"] == 4
    assert len(db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "usulan.skor")).all()) == 5


def test_accept_top_n_accepts_what_fits_and_rejects_the_rest_with_the_reason(as_user, siklus, region, kecamatan):
    _score_all(kecamatan, region["users"]["kec1"])
    _quota(siklus, region, 3)
    client = as_user("kec1")
    versions = {f"v-{u.id}": u.version for u in kecamatan}
    # without a reason for the rejected ones, nothing at all is decided
    response = post_form(client, "/peringkat/terima", dict(versions, alasan=""), token_from="/peringkat/")
    assert response.status_code == 422
    db.session.expire_all()
    assert {u.status for u in db.session.scalars(db.select(Usulan))} == {"belum_dibahas"}

    reason = "Di luar kuota kecamatan"
    response = post_form(client, "/peringkat/terima", dict(versions, alasan=reason), token_from="/peringkat/")
    assert response.status_code == 303
    db.session.expire_all()
    status = {u.id: (u.status, u.alasan) for u in db.session.scalars(db.select(Usulan))}
    accepted = {kecamatan[i].id for i in (1, 3, 4)}
    assert {i for i, (s, _) in status.items() if s == "diterima"} == accepted
    assert {status[kecamatan[i].id] for i in (0, 2)} == {("ditolak", reason)}
    decisions = db.session.execute(db.select(Keputusan.usulan_id, Keputusan.keputusan, Keputusan.alasan)).all()
    assert sorted((d.keputusan, d.alasan) for d in decisions if d.keputusan != "buat") == \
        [("diterima", None)] * 3 + [("ditolak", reason)] * 2
    assert len(db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action.in_(["usulan.diterima", "usulan.ditolak"]))).all()) == 5
    page = client.get("/peringkat/").get_data(as_text=True)
    assert "Rp 110.000.000" in page  # accepted so far: 20 + 40 + 50 million


def _form_fields(page: str, form_id: str) -> dict:
    """The hidden fields of one form of the page, as the browser would post them."""
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', page, re.S).group(0)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


# ---- a long list, a page at a time -----------------------------------------------------------

LONG = 60


@pytest.fixture
def long_list(siklus, region, clock):
    """60 proposals at Medan Kota's Musrenbang Kecamatan, scored 60 down to 1, with a quota
    of 30: the line falls on the second page (25 rows a page)."""
    clock.set_local("2026-02-20T09:00")
    add_rows(siklus, region, [{"tahapan": STAGE, "skor": LONG - n, "skor_rincian": {k: 1 for k in CRITERIA}}
                              for n in range(LONG)], start=700000)
    _quota(siklus, region, 30)
    return [f"MDN-2027-{700000 + n:06d}" for n in range(LONG)]  # best first


def _numbers(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-id="\d+" data-code="[^"]+" class="[^"]*">\s*<td[^>]*>(\d+)</td>', page)]


def test_a_long_ranking_is_paged_with_its_order_line_and_totals_whole(as_user, long_list):
    client = as_user("kec1")
    first = client.get("/peringkat/").get_data(as_text=True)
    assert _codes(first) == long_list[:25] and _numbers(first) == list(range(1, 26))
    assert 'class="cut-line' not in first
    assert "30 usulan masuk; 30 berada di bawah garis." in first  # counts the whole list
    assert 'href="/peringkat/?page=2" id="cut-page"' in first
    assert "Halaman 1 dari 3" in first and 'href="/peringkat/?page=2"' in first
    assert first.count('name="v-') == 25  # this page's rows only
    assert _form_fields(first, "accept-form").keys() == {"csrf_token", "seen"}  # not one version per row

    second = client.get("/peringkat/?page=2").get_data(as_text=True)
    assert _codes(second) == long_list[25:50] and _numbers(second) == list(range(26, 51))
    line = second.index('class="cut-line')
    assert second.index(f'data-code="{long_list[29]}"') < line < second.index(f'data-code="{long_list[30]}"')
    assert 'id="cut-page"' not in second

    last = client.get("/peringkat/?page=3").get_data(as_text=True)
    assert _codes(last) == long_list[50:] and _numbers(last) == list(range(51, 61))
    assert _codes(client.get("/peringkat/?page=99").get_data(as_text=True)) == long_list[50:]
    assert [r[1] for r in _sheet(client.get("/peringkat/?page=2&format=xlsx"))[1:]] == long_list


def test_accept_from_any_page_decides_the_whole_list_as_it_was_seen(as_user, region, long_list):
    client = as_user("kec1")
    page = client.get("/peringkat/?page=3").get_data(as_text=True)
    fields = dict(_form_fields(page, "accept-form"), alasan="Di luar kuota kecamatan")
    assert set(fields) == {"csrf_token", "seen", "alasan"}
    # someone changes one proposal (on another page) after the list was opened: nothing is decided
    db.session.execute(update(Usulan).where(Usulan.kode_lacak == long_list[0]).values(version=Usulan.version + 1))
    db.session.commit()
    response = client.post("/peringkat/terima?page=3", data=fields)
    assert response.status_code == 422
    assert "Diubah orang lain sejak halaman ini dibuka" in response.get_data(as_text=True)
    db.session.expire_all()
    assert {u.status for u in db.session.scalars(db.select(Usulan))} == {"belum_dibahas"}

    page = client.get("/peringkat/?page=3").get_data(as_text=True)
    fields = dict(_form_fields(page, "accept-form"), alasan="Di luar kuota kecamatan")
    response = client.post("/peringkat/terima?page=3", data=fields)
    assert response.status_code == 303 and "page=3" in response.headers["Location"]
    db.session.expire_all()
    status = {u.kode_lacak: u.status for u in db.session.scalars(db.select(Usulan))}
    assert [status[c] for c in long_list] == ["diterima"] * 30 + ["ditolak"] * 30


def test_scores_are_saved_for_the_rows_of_the_page_shown(as_user, long_list):
    client = as_user("kec1")
    page = client.get("/peringkat/?page=2").get_data(as_text=True)
    row = re.search(rf'<tr data-id="(\d+)" data-code="{long_list[40]}"', page).group(1)
    data = dict(_form_fields(page, "score-form"), **{f"p-{row}-{k}": 5 for k in CRITERIA})
    response = client.post("/peringkat/skor?page=2", data=data)
    assert response.status_code == 303 and "page=2" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Usulan, int(row)).skor_rincian == {k: 5 for k in CRITERIA}
    assert _codes(client.get("/peringkat/").get_data(as_text=True))[0] == long_list[40]  # now the best


def test_refused_rows_of_other_pages_are_named_above_the_table(as_user, long_list):
    client = as_user("kec1")
    page = client.get("/peringkat/").get_data(as_text=True)
    ids = dict((code, ident) for ident, code in re.findall(r'<tr data-id="(\d+)" data-code="([^"]+)"', page))
    far = client.get("/peringkat/?page=3").get_data(as_text=True)
    far_id = re.search(rf'<tr data-id="(\d+)" data-code="{long_list[55]}"', far).group(1)
    data = dict(_form_fields(page, "score-form"), **{f"p-{ids[long_list[0]]}-{k}": 9 for k in CRITERIA})
    data.update({f"p-{far_id}-{k}": 9 for k in CRITERIA})
    response = client.post("/peringkat/skor", data=data)
    assert response.status_code == 422
    answer = response.get_data(as_text=True)
    assert len(re.findall(r'class="row-error"', answer)) == 1  # the row of this page, in place
    elsewhere = re.search(r'<div class="alert alert-danger small" id="errors-elsewhere">(.*?)</div>', answer, re.S)
    assert elsewhere and long_list[55] in elsewhere.group(1) and long_list[0] not in elsewhere.group(1)
    assert 'href="/peringkat/?page=2"' in answer  # the pager leads to the list, not to the form's URL


def test_bulk_routing_follows_the_catalogue(as_user, siklus, region, clock):
    clock.set_local("2026-02-20T09:00")
    pu = region["agencies"]["pu"]
    kamus = KamusUsulan(tenant_id=pu.tenant_id, kode="J-01", nama="Pengaspalan jalan", bidang="fisik_prasarana",
                        satuan="m", harga_satuan=450_000, perangkat_daerah_id=pu.id)
    db.session.add(kamus)
    db.session.commit()
    kec1 = region["users"]["kec1"]
    road = ops.create(siklus, STAGE, kec1, _values(region, "Jalan", 5_000_000, kamus_id=kamus.id)).usulan
    other = ops.create(siklus, STAGE, kec1, _values(region, "Lain", 5_000_000)).usulan
    client = as_user("kec1")
    page = client.get("/peringkat/").get_data(as_text=True)
    fields = _form_fields(page, "route-form")  # the page's own form: one fingerprint of the list
    assert fields.keys() == {"csrf_token", "seen"}
    response = client.post("/peringkat/rute", data=fields)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Usulan, road.id).perangkat_daerah_id == pu.id
    assert db.session.get(Usulan, other.id).perangkat_daerah_id is None
    assert [k.keputusan for k in db.session.scalars(db.select(Keputusan).where(
        Keputusan.usulan_id == road.id))] == ["buat", "rute"]


def test_another_kecamatan_sees_and_changes_none_of_it(as_user, client, siklus, region, kecamatan):
    _score_all(kecamatan, region["users"]["kec1"])
    as_user("kec2")
    for url in ("/peringkat/", "/peringkat/?kecamatan=12.71.01"):
        page = client.get(url).get_data(as_text=True)
        assert not any(u.kode_lacak in page for u in kecamatan)
    versions = {f"v-{u.id}": u.version for u in kecamatan}
    response = post_form(client, "/peringkat/terima", dict(versions, alasan="Bukan kewenangan"),
                         token_from="/peringkat/")
    assert response.status_code == 303
    db.session.expire_all()
    assert {u.status for u in db.session.scalars(db.select(Usulan))} == {"belum_dibahas"}
    xlsx = _sheet(client.get("/peringkat/?format=xlsx"))
    assert len(xlsx) == 1
    for username in ("kel1", "pu", "viewer"):
        _switch(client, username)
        assert client.get("/peringkat/").status_code == 403
    _switch(client, "admin")
    assert client.get("/peringkat/?kecamatan=99.99").status_code == 404
    assert _codes(client.get("/peringkat/?kecamatan=12.71.01").get_data(as_text=True))[0] == kecamatan[1].kode_lacak


def test_a_failed_flush_in_a_batch_keeps_nothing(app, siklus, region, kecamatan):
    """A stale row found at the flush rolls back the rows already applied."""
    kec1 = region["users"]["kec1"]
    first, second = kecamatan[0], kecamatan[1]
    db.session.execute(db.update(Usulan).where(Usulan.id == second.id).values(version=Usulan.version + 1)
                       .execution_options(synchronize_session=False))  # someone else, unseen here
    points = {k: 3 for k in CRITERIA}
    outcome = bulk.score_many(kec1, STAGE, [(first, first.version, points), (second, second.version, points)])
    assert not outcome.ok and [p.usulan_id for p in outcome.problems] == [second.id]
    assert outcome.problems[0].outcome.stale
    db.session.expire_all()
    assert db.session.get(Usulan, first.id).skor is None


# ---- the agency's Renja ------------------------------------------------------------------------

@pytest.fixture
def forum(siklus, region, clock, password_hash):
    """At the Forum PD: two Musrenbang items and one Pokir routed to Dinas PU, one to Dinkes."""
    users, pu, dinkes = region["users"], region["agencies"]["pu"], region["agencies"]["dinkes"]
    tid = pu.tenant_id
    db.session.add_all([
        Nomenklatur(tenant_id=tid, tingkat="program", kode="1.03.10", nama="Program Penyelenggaraan Jalan"),
        Nomenklatur(tenant_id=tid, tingkat="kegiatan", kode="1.03.10.2.01", nama="Penyelenggaraan Jalan Kabupaten/Kota"),
        Nomenklatur(tenant_id=tid, tingkat="sub_kegiatan", kode="1.03.10.2.01.0005", nama="Pembangunan Jalan"),
        Nomenklatur(tenant_id=tid, tingkat="sub_kegiatan", kode="1.03.10.2.01.0006", nama="Rehabilitasi Jalan"),
        User(tenant_id=tid, username="dinkes", nama="Uji dinkes", password_hash=password_hash, aktif=True,
             role="operator_pd", perangkat_daerah_id=dinkes.id)])
    db.session.commit()
    set_limits(siklus, "forum_pd", users["admin"], [{"perangkat_daerah_id": pu.id, "jumlah": 250_000_000}])
    clock.set_local("2026-02-20T09:00")
    kec1, admin = users["kec1"], users["admin"]
    made = {}
    for name, agency in (("jalan", pu), ("drainase", pu), ("posyandu", dinkes)):
        usulan = ops.create(siklus, STAGE, kec1, _values(region, name, 70_000_000)).usulan
        _act(usulan, kec1, "rute", inputs={"agency_id": agency.id})
        made[name] = _act(usulan, kec1, "diterima")
    hold_meeting(siklus, STAGE, "12.71.01")
    assert ops.send(siklus, STAGE, "12.71.01", kec1).ok
    pokir = ops.create(siklus, "pokir", users["dprd1"], _values(region, "pokir lampu", 30_000_000)).usulan
    for action, inputs in (("periksa", None), ("diterima", None), ("rute", {"agency_id": pu.id})):
        _act(pokir, admin, action, inputs=inputs)
    assert ops.send(siklus, "pokir", users["dprd1"].id, admin).ok
    made["pokir"] = pokir
    clock.set_local("2026-03-10T09:00")
    pu_user = users["pu"]
    for name, sub, pagu in (("jalan", "1.03.10.2.01.0005", 60_000_000), ("drainase", "1.03.10.2.01.0005", 40_000_000),
                            ("pokir", "1.03.10.2.01.0006", 30_000_000)):
        usulan = db.session.get(Usulan, made[name].id)
        _act(usulan, pu_user, "diterima", inputs={"sub_kegiatan": sub, "pagu": pagu, "target": "1 paket"})
    db.session.expire_all()
    return {k: db.session.get(Usulan, v.id) for k, v in made.items()}


def _list_codes(page):
    return re.findall(r'<tr data-code="([^"]+)"', page)


def test_agency_sees_its_routed_proposals_with_their_origin(as_user, client, region, forum):
    as_user("pu")
    page = client.get("/renja/").get_data(as_text=True)
    mine = {forum[k].kode_lacak for k in ("jalan", "drainase", "pokir")}
    assert set(_list_codes(page)) == mine and forum["posyandu"].kode_lacak not in page
    pokir_row = page[page.index(f'data-code="{forum["pokir"].kode_lacak}"'):]
    assert re.search(r'class="origin">Uji dprd1<', pokir_row)
    only_pokir = client.get("/renja/?sumber=pokir").get_data(as_text=True)
    assert _list_codes(only_pokir) == [forum["pokir"].kode_lacak]
    rows = _sheet(client.get("/renja/?sumber=pokir&format=xlsx"))
    assert len(rows) == 2 and rows[1][0] == forum["pokir"].kode_lacak and rows[1][3] == "Uji dprd1"
    assert _list_codes(client.get("/renja/?q=drainase").get_data(as_text=True)) == [forum["drainase"].kode_lacak]
    assert len(_sheet(client.get("/renja/?wilayah=12.71.02&format=xlsx"))) == 1


def test_draft_renja_totals_per_sub_kegiatan_and_the_remaining_ceiling(as_user, client, region, forum):
    as_user("pu")
    page = client.get("/renja/rancangan").get_data(as_text=True)
    road = page[page.index('data-code="1.03.10.2.01.0005"'):]
    assert "Pembangunan Jalan" in road[:400]
    assert re.search(r'class="text-end sub-total">Rp 100\.000\.000<', road)
    other = page[page.index('data-code="1.03.10.2.01.0006"'):]
    assert re.search(r'class="text-end sub-total">Rp 30\.000\.000<', other)
    assert "Program Penyelenggaraan Jalan" in page
    assert re.search(r'class="renja-total">Rp 130\.000\.000<', page)
    assert re.search(r'class="renja-remaining ?">Rp 120\.000\.000<', page)
    rows = _sheet(client.get("/renja/rancangan?format=xlsx"))
    assert len(rows) == 4
    by_code = {r[6]: r for r in rows[1:]}
    assert by_code[forum["pokir"].kode_lacak][10] == "Uji dprd1"
    assert by_code[forum["jalan"].kode_lacak][:6] == (
        "1.03.10", "Program Penyelenggaraan Jalan", "1.03.10.2.01", "Penyelenggaraan Jalan Kabupaten/Kota",
        "1.03.10.2.01.0005", "Pembangunan Jalan")
    pdf = client.get("/renja/rancangan?format=pdf")
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"


def test_other_agencies_and_roles_see_none_of_it(as_user, client, region, forum):
    as_user("dinkes")
    pu = region["agencies"]["pu"]
    mine = [forum[k].kode_lacak for k in ("jalan", "drainase", "pokir")]
    for url in ("/renja/", f"/renja/?pd={pu.id}", "/renja/rancangan", f"/renja/rancangan?pd={pu.id}"):
        page = client.get(url).get_data(as_text=True)
        assert not any(code in page for code in mine), url
    assert _list_codes(client.get("/renja/").get_data(as_text=True)) == [forum["posyandu"].kode_lacak]
    assert len(_sheet(client.get(f"/renja/rancangan?pd={pu.id}&format=xlsx"))) == 1
    for username in ("kec1", "dprd1"):
        _switch(client, username)
        assert client.get("/renja/").status_code == 403
    _switch(client, "admin")
    assert set(_list_codes(client.get(f"/renja/?pd={pu.id}").get_data(as_text=True))) == set(mine)
    assert client.get("/renja/?pd=999999").status_code == 404
