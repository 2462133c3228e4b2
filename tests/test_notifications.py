"""Being told (issue 14, point 7): proposals arrived for me, decisions on what I sent, windows
opening and closing soon; the navbar's unread count; the email digest against a real SMTP
server (aiosmtpd in the test process, never a mock)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from support.smtp import SmtpServer
from support.snapshots import count_queries
from support.web import browser, login

from eplanning_core.accounts.models import User
from eplanning_core.audit.models import AuditEntry
from eplanning_core.extensions import db
from eplanning_core.notifications.digest import digest_command
from eplanning_core.notifications.models import Notifikasi
from eplanning_core.testing.meetings import hold_meeting
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Usulan

CHEAP_PASSWORD_HASHING = True
ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang dan tergenang saat hujan",
        "usulan_kegiatan": "Pengaspalan Jalan Sutomo Gang Damai", "volume": "150", "satuan": "m",
        "harga_satuan": "450.000", "jalan": "Gang Damai", "pengusul_nama": "Siti Aminah"}
LING, KEL_UNIT, KEL = "12.71.01.1001.01", "12.71.01.1001", "musrenbang_kelurahan"


def _of(username, region):
    user = region["users"][username]
    return db.session.scalars(select(Notifikasi).where(Notifikasi.user_id == user.id)
                              .order_by(Notifikasi.id)).all()


def _sent_up(siklus, region, count=1):
    """``count`` proposals of Lingkungan I sent up to the kelurahan by its operator."""
    ling1 = region["users"]["ling1"]
    ids = []
    for n in range(count):
        created = ops.create(siklus, "rembuk_warga", ling1,
                             dict(ROAD, usulan_kegiatan=f"Pengaspalan gang {n}",
                                  lokasi_wilayah_id=region["units"][LING].id))
        assert created.ok, (created.errors, created.refusal)
        usulan = created.usulan
        assert ops.act(usulan, ling1, "survei_selesai", expected_version=usulan.version,
                       stage_key="rembuk_warga").ok
        ids.append(usulan.id)
    hold_meeting(siklus, "rembuk_warga", LING)
    assert ops.send(siklus, "rembuk_warga", LING, ling1).ok
    return ids


def _decide(usulan_id, user, action):
    usulan = db.session.get(Usulan, usulan_id)
    outcome = ops.act(usulan, user, action, expected_version=usulan.version, stage_key=KEL,
                      reason="Tidak sesuai prioritas" if action == "ditolak" else None)
    assert outcome.ok, (outcome.refusal, outcome.errors)


def test_a_sent_batch_tells_the_receiving_units_operators_once_with_a_count(siklus, region):
    _sent_up(siklus, region, count=3)

    [arrived] = _of("kel1", region)
    assert (arrived.jenis, arrived.tahapan, arrived.jumlah, arrived.usulan_id) == ("masuk", KEL, 3, None)
    assert arrived.oleh_nama == region["users"]["ling1"].nama and arrived.read_at is None
    # nobody else: not the sender, not the neighbouring kelurahan, not the kecamatan yet
    for other in ("ling1", "kel2", "kec1", "kec2", "admin", "pu", "viewer"):
        assert _of(other, region) == []


def test_a_decision_at_the_next_level_tells_the_unit_that_sent_it(siklus, region, clock):
    first, second = _sent_up(siklus, region, count=2)
    clock.set_local("2026-02-05T09:00")

    _decide(first, region["users"]["kel1"], "diterima")
    _decide(second, region["users"]["kel1"], "ditolak")

    told = [(n.jenis, n.keputusan, n.jumlah, n.usulan_id) for n in _of("ling1", region)]
    assert told == [("keputusan", "diterima", 1, first), ("keputusan", "ditolak", 1, second)]
    assert [n.jenis for n in _of("kel1", region)] == ["masuk"]  # the decider is not told


def test_the_list_page_shows_them_and_the_navbar_counts_the_unread(siklus, region, clock, client, as_user):
    _sent_up(siklus, region, count=2)
    as_user("kel1")

    home = client.get("/akun/kata-sandi").get_data(as_text=True)
    assert 'id="nav-notifications"' in home and 'data-unread="1"' in home
    page = client.get("/notifikasi/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2 usulan masuk untuk Anda di Musrenbang Kelurahan." in html
    assert 'data-unread="yes"' in html

    client.post("/bahasa", data={"lang": "en", "next": "/notifikasi/",
                                 "csrf_token": _token(client, "/notifikasi/")})
    english = client.get("/notifikasi/").get_data(as_text=True)
    assert "2 proposals arrived for you at Musrenbang Kelurahan." in english

    [item] = _of("kel1", region)
    opened = client.post("/notifikasi/baca", data={"id": str(item.id), "csrf_token": _token(client, "/notifikasi/")})
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/usulan/?tahapan={KEL}")
    after = client.get("/notifikasi/").get_data(as_text=True)
    assert 'data-unread="no"' in after and 'data-unread="1"' not in after
    assert db.session.get(Notifikasi, item.id).read_at is not None


def test_nobody_reads_or_marks_another_persons_notifications(siklus, region, client, as_user):
    _sent_up(siklus, region)
    [item] = _of("kel1", region)
    as_user("kel2")

    assert "Pengaspalan" not in client.get("/notifikasi/").get_data(as_text=True)
    refused = client.post("/notifikasi/baca", data={"id": str(item.id), "csrf_token": _token(client, "/notifikasi/")})
    assert refused.status_code == 404
    client.post("/notifikasi/baca", data={"csrf_token": _token(client, "/notifikasi/")})  # "all": only kel2's
    db.session.expire_all()
    assert db.session.get(Notifikasi, item.id).read_at is None


def test_windows_closing_soon_are_shown_for_the_stages_one_works_at(app, siklus, region, clock, client, as_user):
    clock.set_local("2026-02-10T09:00")  # Musrenbang Kelurahan closes on 14 February
    as_user("kel1")
    html = client.get("/notifikasi/").get_data(as_text=True)
    assert 'data-window="closing" data-stage="musrenbang_kelurahan"' in html
    assert 'data-window="opening" data-stage="musrenbang_kecamatan"' not in html  # the kecamatan's
    other = browser(app)
    login(other, "kec1")
    kecamatan = other.get("/notifikasi/").get_data(as_text=True)
    assert 'data-window="opening" data-stage="musrenbang_kecamatan"' in kecamatan


def test_the_list_stays_within_the_query_budget_whatever_the_data_size(siklus, region, clock, client, as_user):
    _sent_up(siklus, region)
    as_user("kel1")
    client.get("/notifikasi/")
    with count_queries() as small:
        client.get("/notifikasi/")
    db.session.add_all([Notifikasi(tenant_id=siklus.tenant_id, user_id=region["users"]["kel1"].id,
                                   siklus_id=siklus.id, jenis="masuk", tahapan=KEL, jumlah=n + 1)
                        for n in range(60)])
    db.session.commit()
    with count_queries() as large:
        client.get("/notifikasi/")
    assert len(large) <= 12, large
    assert len(small) == len(large), (small, large)


def test_one_sets_ones_own_email_address_with_a_history_entry(region, client, as_user):
    as_user("kel1")
    page = client.get("/notifikasi/email")
    assert page.status_code == 200
    token = _token(client, "/notifikasi/email")
    bad = client.post("/notifikasi/email", data={"email": "bukan-alamat", "version": "1", "csrf_token": token})
    assert bad.status_code == 422 and "is-invalid" in bad.get_data(as_text=True)

    saved = client.post("/notifikasi/email", data={"email": "kel1.pasarbaru@medan.go.id", "version": "1", "csrf_token": token})
    assert saved.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, region["users"]["kel1"].id)
    assert (user.email, user.version) == ("kel1.pasarbaru@medan.go.id", 2)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.update")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.changes == {"email": [None, "kel1.pasarbaru@medan.go.id"]}
    assert "kel1.pasarbaru@medan.go.id" in client.get("/notifikasi/").get_data(as_text=True)

    stale = client.post("/notifikasi/email", data={"email": "lain@medan.go.id", "version": "1", "csrf_token": token})
    assert stale.status_code == 302  # the version moved: nothing written, said on the next page
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "kel1.pasarbaru@medan.go.id"


# ---- the digest, through a real SMTP server --------------------------------------------------

@pytest.fixture
def smtp(app):
    with SmtpServer() as server:
        app.config.update(server.config, SITE_URL="https://eplanning.medan.test")
        yield server


def test_the_digest_mails_each_person_their_unread_once(siklus, region, clock, app, smtp):
    region["users"]["kel1"].email = "kel1@pasarbaru.test"
    region["users"]["ling1"].email = "ling1@lingkungan.test"
    region["users"]["kel2"].email = "kel2@lalang.test"
    db.session.commit()
    first, _second = _sent_up(siklus, region, count=2)
    clock.set_local("2026-02-12T09:00")
    _decide(first, region["users"]["kel1"], "diterima")

    result = app.test_cli_runner().invoke(digest_command, [])
    assert result.exit_code == 0, result.output
    assert "2 notification(s) mailed to 2 person(s)" in result.output

    by_to = {m.to: m for m in smtp.messages}
    assert sorted(by_to) == ["kel1@pasarbaru.test", "ling1@lingkungan.test"]  # kel2: nothing for them
    for message in smtp.messages:  # one person per message, never anyone else's address
        assert message.envelope_to == [message.to]
        others = {"kel1@pasarbaru.test", "ling1@lingkungan.test", "kel2@lalang.test"} - {message.to}
        assert not any(address in message.message.as_string() for address in others)
    kel1 = by_to["kel1@pasarbaru.test"]
    assert kel1.subject == "e-Perencanaan Kota Medan: 1 notifikasi baru"
    assert "2 usulan masuk untuk Anda di Musrenbang Kelurahan." in kel1.body
    assert "Musrenbang Kelurahan ditutup pada 14 Feb 2026 23:59." in kel1.body  # its last minute
    assert "https://eplanning.medan.test/notifikasi/" in kel1.body
    ling1 = by_to["ling1@lingkungan.test"]
    assert "1 usulan yang Anda kirim telah diputuskan di Musrenbang Kelurahan: diterima." in ling1.body

    again = app.test_cli_runner().invoke(digest_command, [])
    assert again.exit_code == 0 and "0 notification(s)" in again.output
    assert len(smtp.messages) == 2  # nothing twice
    assert db.session.scalar(select(func.count()).select_from(Notifikasi).where(
        Notifikasi.emailed_at.is_(None))) == 0


def test_the_digest_in_english_and_only_for_what_is_unread(siklus, region, app, smtp):
    region["users"]["kel1"].email = "kel1@pasarbaru.test"
    db.session.commit()
    _sent_up(siklus, region, count=4)

    result = app.test_cli_runner().invoke(digest_command, ["--lang", "en"])
    assert result.exit_code == 0, result.output
    [message] = smtp.messages
    assert message.subject == "e-Perencanaan Kota Medan: 1 new notification"
    assert "4 proposals arrived for you at Musrenbang Kelurahan." in message.body
    assert "See them all: https://eplanning.medan.test/notifikasi/" in message.body


def test_the_digest_refuses_without_smtp_and_stops_cleanly_when_the_server_is_down(siklus, region, app):
    region["users"]["kel1"].email = "kel1@pasarbaru.test"
    db.session.commit()
    _sent_up(siklus, region)
    unset = app.test_cli_runner().invoke(digest_command, [])
    assert unset.exit_code != 0 and "EPLANNING_MAIL_SERVER" in unset.output

    with SmtpServer() as gone:
        port = gone.port
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=2)
    down = app.test_cli_runner().invoke(digest_command, [])
    assert down.exit_code == 1
    db.session.expire_all()
    assert [n.emailed_at for n in _of("kel1", region)] == [None]  # tried again next run


def _token(client, url):
    from support.web import csrf_token

    return csrf_token(client, url)
