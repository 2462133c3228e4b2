"""Following a proposal by email (issue 16, point 2), against a real SMTP server (aiosmtpd in
the test process): double opt-in, a message at each decision, move, reopening and funding
outcome, one-click unsubscribe in every message, the proposer's own confirmed contact
following automatically, and never another citizen's contact in a message."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from support.smtp import SmtpServer
from support.stages import act_at_stage
from support.web import browser, csrf_token, login

from eplanning_core.aspirasi.models import Aspirasi, Pengikut
from eplanning_core.extensions import db
from eplanning_core.testing.meetings import hold_meeting
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Usulan

CHEAP_PASSWORD_HASHING = True
LING, KEL = "12.71.01.1001.01", "12.71.01.1001"
ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang dan tergenang saat hujan",
        "usulan_kegiatan": "Pengaspalan Jalan Sutomo Gang Damai", "volume": "150", "satuan": "m",
        "harga_satuan": "450.000", "pengusul_nama": "Siti Aminah", "pengusul_telepon": "0812-6000-1234"}
SITE = "https://eplanning.medan.test"


@pytest.fixture
def smtp(app):
    with SmtpServer() as server:
        app.config.update(server.config, SITE_URL=SITE)
        yield server


def _road(siklus, region):
    created = ops.create(siklus, "rembuk_warga", region["users"]["ling1"],
                         dict(ROAD, lokasi_wilayah_id=region["units"][LING].id))
    assert created.ok
    return created.usulan


def _sent_to_kelurahan(siklus, region, road):
    act_at_stage(road, region["users"]["ling1"], "survei_selesai")
    hold_meeting(siklus, "rembuk_warga", LING)
    assert ops.send(siklus, "rembuk_warga", LING, region["users"]["ling1"]).ok


def _link(body: str, path: str) -> str:
    found = re.search(r"https?://[^/\s]+" + re.escape(path) + r"\?t=([A-Za-z0-9_.\-]+)", body)
    assert found, body
    return f"{path}?t={found.group(1)}"


def _follow(client, road, email):
    page = f"/publik/usulan/{road.kode_lacak}/ikuti"
    return client.post(page, data={"email": email, "csrf_token": csrf_token(client, "/masuk")})


def test_the_public_page_offers_to_follow_and_double_opt_in_confirms(client, region, siklus, clock, smtp):
    road = _road(siklus, region)
    track = client.get(f"/publik/lacak?kode={road.kode_lacak}").get_data(as_text=True)
    assert 'id="follow-by-email"' in track and f"/publik/usulan/{road.kode_lacak}/ikuti" in track

    asked = _follow(client, road, "Pembaca@Contoh.id")
    assert asked.status_code == 200 and 'id="follow-sent"' in asked.get_data(as_text=True)
    [welcome] = smtp.messages
    assert welcome.envelope_to == ["pembaca@contoh.id"] and welcome.to == "pembaca@contoh.id"
    assert road.kode_lacak in welcome.subject and "Konfirmasikan dengan tautan ini" in welcome.body
    assert "/publik/ikuti/berhenti?t=" in welcome.body  # even the first message
    assert "0812" not in welcome.body and "Siti" not in welcome.body
    row = db.session.scalar(select(Pengikut))
    assert row.status == "menunggu"

    _sent_to_kelurahan(siklus, region, road)  # not told: not confirmed yet
    assert len(smtp.messages) == 1

    confirm = _link(welcome.body, "/publik/ikuti/konfirmasi")
    shown = client.get(confirm)
    assert shown.status_code == 200 and 'id="follow-confirm-form"' in shown.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Pengikut, row.id).status == "menunggu"  # opening the link alone does not
    token = confirm.split("t=", 1)[1]
    done = client.post("/publik/ikuti/konfirmasi", data={"t": token, "csrf_token": csrf_token(client, confirm)})
    assert 'data-state="aktif"' in done.get_data(as_text=True)

    clock.set_local("2026-02-05T09:00")
    act_at_stage(road, region["users"]["kel1"], "ditolak", reason="Sudah dianggarkan dinas tahun ini")
    [news] = smtp.messages[1:]
    assert news.envelope_to == ["pembaca@contoh.id"] and news.subject == f"[{road.kode_lacak}] Ditolak"
    assert "Musrenbang Kelurahan" in news.body and "Sudah dianggarkan dinas tahun ini" in news.body
    assert f"{SITE}/publik/lacak?kode={road.kode_lacak}" in news.body  # sent outside the request: SITE_URL
    stop = _link(news.body, "/publik/ikuti/berhenti")

    left = client.get(stop)  # one click
    assert left.status_code == 200 and 'data-state="berhenti"' in left.get_data(as_text=True)
    act_at_stage(road, region["users"]["kel1"], "diterima")
    assert len(smtp.messages) == 2
    assert client.get("/publik/ikuti/berhenti?t=rusak").status_code == 404


def test_an_address_already_following_gets_nothing_new_and_is_not_told_so(client, region, siklus, smtp):
    road = _road(siklus, region)
    _follow(client, road, "pembaca@contoh.id")
    confirm = _link(smtp.messages[0].body, "/publik/ikuti/konfirmasi")
    client.post("/publik/ikuti/konfirmasi", data={"t": confirm.split("t=", 1)[1],
                                                  "csrf_token": csrf_token(client, confirm)})
    again = _follow(client, road, "pembaca@contoh.id")
    assert 'id="follow-sent"' in again.get_data(as_text=True) and len(smtp.messages) == 1
    bad = _follow(client, road, "<script>alert(1)</script>")
    assert bad.status_code == 422 and "<script>alert" not in bad.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(Pengikut)) == 1


def test_following_without_mail_or_too_often_is_refused_clearly(client, region, siklus, app):
    road = _road(siklus, region)
    refused = _follow(client, road, "pembaca@contoh.id")
    assert refused.status_code == 409 and "belum mengirim email" in refused.get_data(as_text=True)
    with SmtpServer() as server:
        app.config.update(server.config, SITE_URL=SITE, ASPIRASI_LIMIT_ADDRESS="2 per hour")
        assert [_follow(client, road, f"p{n}@contoh.id").status_code for n in range(3)] == [200, 200, 429]
        assert len(server.messages) == 2
    assert db.session.scalar(select(db.func.count()).select_from(Pengikut)) == 2


def test_the_proposers_confirmed_email_follows_automatically_and_no_message_carries_another_contact(
        client, region, siklus, clock, smtp):
    page = client.get(f"/publik/aspirasi?induk={KEL}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    sent = client.post("/publik/aspirasi", data={
        "wilayah_id": str(region["units"][LING].id), "induk": KEL, "csrf_token": token,
        "permasalahan": "Lampu jalan Gang Damai mati sejak tiga bulan", "usulan_kegiatan": "Pemasangan lampu jalan",
        "nama": "Rina", "kontak": "rina.warga@contoh.id"})
    code = re.search(r"(ASP-[A-Z0-9]{4}-[A-Z0-9]{4})", sent.headers["Location"]).group(1)
    secret = re.search(r"\b(\d{6})\b", smtp.messages[0].body).group(1)
    confirm = f"/publik/aspirasi/{code}/konfirmasi"
    client.post(confirm, data={"kode_konfirmasi": secret, "csrf_token": csrf_token(client, confirm)})
    road = _road(siklus, region)  # an existing proposal a neighbour follows too
    _follow(client, road, "tetangga@contoh.id")
    neighbour = _link(smtp.messages[-1].body, "/publik/ikuti/konfirmasi")
    client.post("/publik/ikuti/konfirmasi", data={"t": neighbour.split("t=", 1)[1],
                                                  "csrf_token": csrf_token(client, neighbour)})
    before = len(smtp.messages)

    operator = browser(client.application)
    login(operator, "ling1")
    aspirasi = db.session.scalar(select(Aspirasi).where(Aspirasi.kode == code))
    merged = operator.post(f"/aspirasi/{aspirasi.id}/tindak-lanjut", data={
        "tindakan": "gabung", "kode_lacak": road.kode_lacak, "csrf_token": csrf_token(operator, "/aspirasi/")})
    assert merged.status_code == 303
    [welcome] = smtp.messages[before:]
    assert welcome.envelope_to == ["rina.warga@contoh.id"] and road.kode_lacak in welcome.subject
    assert db.session.scalar(select(Pengikut.status).where(Pengikut.email == "rina.warga@contoh.id")) == "aktif"

    _sent_to_kelurahan(siklus, region, road)
    clock.set_local("2026-02-05T09:00")
    act_at_stage(road, region["users"]["kel1"], "diterima")
    news = smtp.messages[before + 1:]
    assert sorted(m.envelope_to[0] for m in news) == ["rina.warga@contoh.id", "rina.warga@contoh.id",
                                                      "tetangga@contoh.id", "tetangga@contoh.id"]
    contacts = {"rina.warga@contoh.id", "tetangga@contoh.id", "0812-6000-1234", "08126000", "Siti", "Rina"}
    for message in smtp.messages:
        assert len(message.envelope_to) == 1 and message.message["Cc"] is None
        mine = message.envelope_to[0]
        for contact in contacts - {mine}:
            assert contact not in message.body and contact not in message.subject, (mine, contact)
    kinds = [m.subject for m in news if m.envelope_to == ["tetangga@contoh.id"]]
    assert len(kinds) == 2 and kinds[-1] == f"[{road.kode_lacak}] Diterima"  # sent on, then accepted


def test_a_bulk_change_tells_each_follower_once_and_a_rollback_tells_nobody(client, region, siklus, clock, smtp):
    roads = [_road(siklus, region) for _n in range(3)]
    from eplanning_core.aspirasi import follows

    for road in roads:
        follows.follow_now(road.tenant_id, road.id, "pemantau@contoh.id")
    db.session.commit()
    first = len(smtp.messages)
    assert first == 3  # "you now follow", one per proposal
    for road in roads:
        act_at_stage(road, region["users"]["ling1"], "survei_selesai")
    hold_meeting(siklus, "rembuk_warga", LING)
    assert ops.send(siklus, "rembuk_warga", LING, region["users"]["ling1"]).ok
    batch = smtp.messages[first:]
    assert len(batch) == 3 and {m.envelope_to[0] for m in batch} == {"pemantau@contoh.id"}
    assert {m.subject.split("]")[0][1:] for m in batch} == {r.kode_lacak for r in roads}

    road = db.session.get(Usulan, roads[0].id)
    clock.set_local("2026-02-05T09:00")
    from eplanning_core.siklus.models import Siklus
    from eplanning_core.usulan import transitions

    written = transitions.decide(db.session.get(Siklus, siklus.id), region["users"]["kel1"],
                                 "musrenbang_kelurahan", [transitions.Step(road.id, "diterima", road.version)],
                                 commit=False)
    assert written.ok
    db.session.rollback()
    assert len(smtp.messages) == first + 3


def test_each_execution_milestone_of_a_funded_item_tells_its_followers(region, siklus, clock, smtp):
    from support.budget import bulk_planned

    from eplanning_core.aspirasi import follows
    from eplanning_core.realisasi import operations as realisasi

    code = bulk_planned(siklus, region, 1, status="didanai", anggaran_jumlah=9_500_000)[0]
    item = db.session.scalar(select(Usulan).where(Usulan.kode_lacak == code))
    follows.follow_now(item.tenant_id, item.id, "pemantau@contoh.id")
    db.session.commit()
    before = len(smtp.messages)
    clock.set_local("2027-06-15T09:00")
    realisasi.record_milestone(item, region["users"]["pu"], realisasi.read_milestone(
        {"tanggal": "2027-05-31", "progres": "40", "realisasi_jumlah": "3.000.000",
         "catatan": "Galian saluran selesai"}))
    [news] = smtp.messages[before:]
    assert news.envelope_to == ["pemantau@contoh.id"] and news.subject == f"[{code}] Tahap pelaksanaan"
    assert "progres fisik 40%" in news.body and "Galian saluran selesai" in news.body
    assert "/publik/ikuti/berhenti?t=" in news.body
