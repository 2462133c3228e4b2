"""Safe decision forms (issue 14, point 3): the usual action first, a rejection last and
outlined and always asking for its reason (in the page and on the server), "save and next"
through the list's filter, and a confirm step naming counts and amounts before sending the
RKPD on or setting it (a stray POST changes nothing)."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from support.acting import act_on, create_proposal
from support.snapshots import count_queries
from support.stages import CLINIC, act_at_stage, at_rkpd, create_at
from support.web import post_form

from eplanning_core.extensions import db
from eplanning_core.testing.meetings import hold_meeting
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Pengiriman, Usulan


def _switch(client, as_user, username):
    """Log out whoever is logged in, then in as ``username``."""
    post_form(client, "/keluar", {}, token_from="/usulan/")
    return as_user(username)


def _cards(page: str) -> list[str]:
    column = page[page.index('id="decision-forms"'):]
    return re.findall(r'class="card mb-2 action-form[^"]*" data-action="([a-z_]+)"', column)


def _two_at_kelurahan(siklus, region, clock):
    users = region["users"]
    items = [create_proposal(siklus, region), create_proposal(siklus, region, usulan_kegiatan="Drainase Gang Damai")]
    for item in db.session.scalars(select(Usulan).where(Usulan.survei_selesai.is_(False))).all():
        act_on(item, users["ling1"], "survei_selesai")
    hold_meeting(siklus, "rembuk_warga", "12.71.01.1001.01")
    assert ops.send(siklus, "rembuk_warga", "12.71.01.1001.01", users["ling1"]).ok
    clock.set_local("2026-02-05T09:00")
    return [db.session.get(Usulan, i.id) for i in items]


def test_the_usual_action_comes_first_and_a_rejection_last_outlined_with_its_reason(
        as_user, region, siklus, clock, client):
    usulan = create_proposal(siklus, region)
    page = as_user("ling1").get(f"/usulan/{usulan.id}").get_data(as_text=True)
    assert _cards(page) == ["survei_selesai", "ditolak"]  # a new proposal: survey first, never a red "Tolak"

    first, _second = _two_at_kelurahan(siklus, region, clock)
    page = _switch(client, as_user, "kel1").get(f"/usulan/{first.id}").get_data(as_text=True)
    cards = _cards(page)
    assert cards[0] == "diterima" and cards[-1] == "ditolak", cards
    reject = page[page.index('data-action="ditolak"'):]
    reject = reject[:reject.index("</form>")]
    assert "btn-outline-danger" in reject and "btn-danger" not in reject
    assert re.search(r'<textarea[^>]*name="alasan"[^>]*required', reject)
    assert 'class="card mb-2 action-form action-usual" data-action="diterima"' in page


def test_setwan_and_bappeda_meet_check_first_on_a_new_pokir(as_user, region, siklus, clock):
    clock.set_local("2026-02-18T09:00")
    pokir = create_at(siklus, region, "pokir", "dprd1", "12.71.01.1001", CLINIC)
    cards = _cards(as_user("admin").get(f"/usulan/{pokir.id}").get_data(as_text=True))
    assert cards[0] == "periksa" and cards[-1] == "ditolak", cards


def test_a_rejection_without_a_reason_is_refused_by_the_server(as_user, region, siklus, clock):
    first, _second = _two_at_kelurahan(siklus, region, clock)
    client = as_user("kel1")
    for reason in ("", "   ", "no"):
        response = post_form(client, f"/usulan/{first.id}/aksi",
                             {"aksi": "ditolak", "tahapan": first.tahapan, "version": first.version,
                              "alasan": reason}, token_from=f"/usulan/{first.id}")
        assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Usulan, first.id).status == "belum_dibahas"
    page = client.get(f"/usulan/{first.id}").get_data(as_text=True)
    assert "alert-danger" in page


def test_save_and_next_walks_the_filtered_list_and_keeps_its_filter(as_user, region, siklus, clock):
    first, second = _two_at_kelurahan(siklus, region, clock)
    newer, older = sorted((first, second), key=lambda u: -u.id)  # the list shows the newest first
    client = as_user("kel1")
    query = "tahapan=musrenbang_kelurahan&status=belum_dibahas"
    page = client.get(f"/usulan/{newer.id}?{query}").get_data(as_text=True)
    assert 'name="lanjut"' in page and f"/usulan/{newer.id}/aksi?" in page
    response = post_form(client, f"/usulan/{newer.id}/aksi?{query}",
                         {"aksi": "diterima", "tahapan": newer.tahapan, "version": newer.version, "lanjut": "1"},
                         token_from=f"/usulan/{newer.id}?{query}")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert f"/usulan/{older.id}?" in location and "status=belum_dibahas" in location and "tahapan=" in location
    response = post_form(client, f"/usulan/{older.id}/aksi?{query}",
                         {"aksi": "diterima", "tahapan": older.tahapan, "version": older.version, "lanjut": "1"},
                         token_from=f"/usulan/{older.id}?{query}")
    assert response.status_code == 303 and "/usulan/?" in response.headers["Location"]  # the end: back to the list
    db.session.expire_all()
    assert {db.session.get(Usulan, u.id).status for u in (first, second)} == {"diterima"}
    # without a filter the page offers no "save and next"
    assert 'name="lanjut"' not in client.get(f"/usulan/{older.id}").get_data(as_text=True)


def test_sending_the_rkpd_on_asks_first_with_counts_and_amounts(as_user, region, siklus, clock):
    road, _clinic = at_rkpd(siklus, region, clock)
    act_at_stage(road, region["users"]["admin"], "diterima")
    client = as_user("admin")
    url = f"/siklus/{siklus.id}/rkpd/kirim"
    stray = post_form(client, url, {"holder": region["agencies"]["pu"].id}, token_from=f"/siklus/{siklus.id}/rkpd")
    page = stray.get_data(as_text=True)
    assert stray.status_code == 200 and 'id="confirm-what"' in page
    assert "Rp 60.000.000" in page and "Dinas Pekerjaan Umum" in page
    assert db.session.scalar(select(func.count()).select_from(Pengiriman).where(
        Pengiriman.tahapan == "musrenbang_rkpd")) == 0  # nothing was sent
    wrong = post_form(client, url, {"holder": region["agencies"]["pu"].id, "konfirmasi": "9-9"},
                      token_from=f"/siklus/{siklus.id}/rkpd")
    assert wrong.status_code == 409
    confirm = re.search(r'name="konfirmasi" value="([^"]+)"', page).group(1)
    sent = post_form(client, url, {"holder": region["agencies"]["pu"].id, "konfirmasi": confirm},
                     token_from=f"/siklus/{siklus.id}/rkpd")
    assert sent.status_code == 302
    db.session.expire_all()
    assert db.session.get(Usulan, road.id).tahapan == "penetapan_rkpd"


def test_penetapan_names_what_it_locks_and_a_stray_post_locks_nothing(as_user, region, siklus, clock):
    road, clinic = at_rkpd(siklus, region, clock)
    for item in (road, clinic):
        act_at_stage(item, region["users"]["admin"], "diterima")
    client = as_user("admin")
    client_send = [post_form(client, f"/siklus/{siklus.id}/rkpd/kirim", {"holder": "semua"},
                             token_from=f"/siklus/{siklus.id}/rkpd")]
    confirm = re.search(r'name="konfirmasi" value="([^"]+)"', client_send[0].get_data(as_text=True)).group(1)
    assert post_form(client, f"/siklus/{siklus.id}/rkpd/kirim", {"holder": "semua", "konfirmasi": confirm},
                     token_from=f"/siklus/{siklus.id}/rkpd").status_code == 302
    clock.set_local("2026-05-10T09:00")
    page = client.get(f"/siklus/{siklus.id}/penetapan").get_data(as_text=True)
    box = page[page.index('id="penetapan-confirm"'):]
    assert "Rp 135.000.000" in box and re.search(r'type="checkbox" name="konfirmasi" value="2-135000000"[^>]*required', box)
    from eplanning_core.siklus.models import Siklus

    for data in ({}, {"konfirmasi": ""}, {"konfirmasi": "1-60000000"}):
        assert post_form(client, f"/siklus/{siklus.id}/penetapan", data).status_code == 303
        db.session.expire_all()
        assert db.session.get(Siklus, siklus.id).status == "berjalan", data
    assert post_form(client, f"/siklus/{siklus.id}/penetapan", {"konfirmasi": "2-135000000"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Siklus, siklus.id).status == "rkpd_ditetapkan"


def test_the_detail_page_stays_within_its_query_budget(as_user, region, siklus, clock):
    first, _second = _two_at_kelurahan(siklus, region, clock)
    act_on(first, region["users"]["kel1"], "ditolak", reason="Sudah dibangun swadaya")
    client = as_user("kel1")
    client.get(f"/usulan/{first.id}")
    with count_queries() as statements:
        response = client.get(f"/usulan/{first.id}?tahapan=musrenbang_kelurahan")
    assert response.status_code == 200 and 'id="reopen"' in response.get_data(as_text=True)
    reads = [s for s in statements if "set_config" not in s]
    assert len(reads) <= 12, reads
