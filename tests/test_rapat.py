"""Meetings of the units: recording, files, berita acara, the send gate and Bappeda's progress."""

import io
from datetime import datetime
from pathlib import Path

from PIL import Image
from support.web import csrf_token, post_form

from eplanning_core import uploads
from eplanning_core.audit.models import AuditEntry
from eplanning_core.extensions import db
from eplanning_core.rapat import operations as rapat_ops
from eplanning_core.usulan import operations as usulan_ops
from eplanning_core.rapat.models import Rapat
from eplanning_core.usulan.models import Lampiran, Pengiriman, Usulan
from eplanning_core.testing.meetings import hold_meeting

ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang dan tergenang saat hujan",
        "usulan_kegiatan": "Pengaspalan Jalan Sutomo Gang Damai", "volume": "150", "satuan": "m",
        "harga_satuan": "450.000", "jalan": "Gang Damai", "pengusul_nama": "Siti Aminah"}
MEETING = {"tempat": "Aula Kantor Lurah Pasar Baru", "alamat": "Jl. Sutomo No. 1", "mulai": "2026-02-05T08:30",
           "jumlah_hadir": "45", "notulen": "Musyawarah dibuka oleh Lurah.\n\nUsulan dibahas satu per satu.",
           "delegasi": ["Ahmad Yani", "Rina Sari", "Budi Santoso"]}
KEL = "musrenbang_kelurahan"


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _history():
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "rapat"))


def _url(region, code="12.71.01.1001", stage=KEL, suffix=""):
    return f"/rapat/{stage}/{region['units'][code].id}{suffix}"


def _post_meeting(client, region, version="0", **overrides):
    data = dict(MEETING, version=version, **overrides)
    return post_form(client, _url(region), data, token_from=_url(region))


def _record(siklus, region, user="kel1", stage=KEL, code="12.71.01.1001", **overrides):
    values = dict(MEETING, **overrides)
    rapat = rapat_ops.get_rapat(siklus, stage, region["units"][code])
    result = rapat_ops.save(siklus, stage, region["units"][code], region["users"][user],
                            rapat.version if rapat else 0, values)
    assert result.ok, (result.errors, result.message)
    return result.rapat


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _pdf():
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(100, 700, "Berita acara")
    page.save()
    return buffer.getvalue()


def _upload(client, region, jenis, data, name):
    return post_form(client, _url(region, suffix="/lampiran"),
                     {"jenis": jenis, "berkas": (io.BytesIO(data), name)}, token_from=_url(region))


def _logout(client):
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/")})


def _at_kelurahan(siklus, region, clock):
    """Two Rembuk Warga proposals sent up; the kelurahan accepts one and rejects the other."""
    users, units = region["users"], region["units"]
    made = []
    for name in ("Pengaspalan Gang Damai", "Drainase Gang Mawar"):
        outcome = usulan_ops.create(siklus, "rembuk_warga", users["ling1"],
                                    dict(ROAD, usulan_kegiatan=name, lokasi_wilayah_id=units["12.71.01.1001.01"].id))
        assert outcome.ok, outcome.errors
        usulan = outcome.usulan
        assert usulan_ops.act(usulan, users["ling1"], "survei_selesai", expected_version=usulan.version,
                              stage_key="rembuk_warga").ok
        made.append(usulan.id)
    hold_meeting(siklus, "rembuk_warga", "12.71.01.1001.01")
    assert usulan_ops.send(siklus, "rembuk_warga", "12.71.01.1001.01", users["ling1"]).ok
    clock.set_local("2026-02-05T09:00")
    accepted, rejected = (db.session.get(Usulan, i) for i in made)
    assert usulan_ops.act(accepted, users["kel1"], "diterima", expected_version=accepted.version,
                          stage_key=KEL).ok
    assert usulan_ops.act(rejected, users["kel1"], "ditolak", expected_version=rejected.version,
                          stage_key=KEL, reason="Sudah ditangani dengan Dana Desa").ok
    return accepted, rejected


def test_kelurahan_operator_records_its_meeting_in_local_time(as_user, region, siklus, clock, client):
    clock.set_local("2026-02-05T09:00")
    as_user("kel1")
    page = client.get("/rapat/").get_data(as_text=True)
    assert 'id="rapat-form"' in page and "Musrenbang Kelurahan" in page
    assert page.count('name="delegasi"') == 3

    response = _post_meeting(client, region)
    assert response.status_code == 303
    rapat = db.session.scalar(db.select(Rapat))
    assert (rapat.tahapan, rapat.wilayah_id, rapat.version) == (KEL, region["units"]["12.71.01.1001"].id, 1)
    assert rapat.mulai == datetime(2026, 2, 5, 1, 30)  # 08:30 WIB stored as naive UTC
    assert (rapat.jumlah_hadir, rapat.delegasi) == (45, MEETING["delegasi"])
    assert "Musyawarah dibuka" in rapat.notulen
    page = client.get(_url(region)).get_data(as_text=True)
    assert 'value="2026-02-05T08:30"' in page  # shown back in WIB

    assert _post_meeting(client, region, version="1", jumlah_hadir="1.250").status_code == 303
    db.session.expire_all()
    rapat = db.session.get(Rapat, rapat.id)
    assert (rapat.version, rapat.jumlah_hadir) == (2, 1250)
    history = db.session.scalars(db.select(AuditEntry).where(AuditEntry.object_type == "rapat")
                                 .order_by(AuditEntry.id)).all()
    assert [h.action for h in history] == ["rapat.catat", "rapat.ubah"]
    assert history[1].changes == {"jumlah_hadir": [45, 1250]}

    # The kecamatan above reads it but may not change it; another kelurahan does not see it.
    _logout(client)
    as_user("kec1")
    assert client.get(_url(region)).status_code == 200
    assert post_form(client, _url(region), dict(MEETING, version="2"), token_from=_url(region)).status_code == 403
    _logout(client)
    as_user("kel2")
    assert client.get(_url(region)).status_code == 404
    assert client.post(_url(region), data=dict(MEETING, version="2")).status_code in (400, 404)
    assert client.get(_url(region, suffix="/berita-acara.pdf")).status_code == 404


def test_outside_the_window_nothing_is_saved(as_user, region, siklus, clock, client):
    clock.set_local("2026-02-15T00:00")  # Musrenbang Kelurahan closed at the end of 14 February (WIB)
    as_user("kel1")
    page = client.get("/rapat/").get_data(as_text=True)
    assert 'id="rapat-form"' not in page and 'id="window-closed"' in page
    response = post_form(client, _url(region), dict(MEETING, version="0", mulai="2026-02-10T09:00"),
                         token_from=_url(region))
    text = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "2026-02-15 00:00" in text and ("dibuka dari" in text or "is open from" in text)
    assert _count(Rapat) == 0 and _history() == 0


def test_bad_input_and_stale_forms_are_refused(as_user, region, siklus, clock, client):
    clock.set_local("2026-02-05T09:00")
    as_user("kel1")
    for bad in ({"delegasi": ["Ahmad Yani", "Rina Sari"]}, {"jumlah_hadir": "-5"},
                {"jumlah_hadir": "banyak"}, {"mulai": "kemarin"}, {"tempat": "  "},
                {"mulai": "2026-03-01T09:00"}, {"notulen": "x" * 10_001}):
        response = _post_meeting(client, region, **bad)
        assert response.status_code == 422, bad
        assert 'is-invalid' in response.get_data(as_text=True)
    text = _post_meeting(client, region, delegasi=["A", "B"]).get_data(as_text=True)
    assert "exactly 3 delegates" in text or "tepat 3 delegasi" in text
    assert _count(Rapat) == 0 and _history() == 0

    assert _post_meeting(client, region).status_code == 303
    stale = _post_meeting(client, region, version="0", tempat="Masjid Raya")
    assert stale.status_code == 303
    db.session.expire_all()
    rapat = db.session.scalar(db.select(Rapat))
    assert (rapat.tempat, rapat.version) == (MEETING["tempat"], 1)
    assert _history() == 1


def test_meeting_files_are_listed_and_served_only_in_scope(as_user, region, siklus, clock, client):
    clock.set_local("2026-02-05T09:00")
    as_user("kel1")
    assert _upload(client, region, "foto", _png(), "foto.png").status_code == 303
    assert _count(Lampiran) == 0  # no meeting on record yet: nothing to attach to
    _record(siklus, region)
    assert _upload(client, region, "foto", _png(), "suasana.png").status_code == 303
    assert _upload(client, region, "berita_acara", _pdf(), "BA ditandatangani.pdf").status_code == 303
    assert _upload(client, region, "foto", _pdf(), "bukan-foto.pdf").status_code == 303  # refused: not an image
    files = {f.nama_asli: f for f in db.session.scalars(db.select(Lampiran))}
    assert set(files) == {"suasana.png", "BA ditandatangani.pdf"}
    assert {f.rapat_id for f in files.values()} == {db.session.scalar(db.select(Rapat.id))}
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "rapat.lampiran")) == 2
    page = client.get(_url(region)).get_data(as_text=True)
    assert "suasana.png" in page and "BA ditandatangani.pdf" in page
    photo, signed = files["suasana.png"], files["BA ditandatangani.pdf"]
    response = client.get(f"/rapat/lampiran/{photo.id}")
    assert response.status_code == 200 and response.mimetype == "image/png" and response.data == _png()
    assert client.get(f"/rapat/lampiran/{signed.id}").data.startswith(b"%PDF-")
    extra = _upload(client, region, "absensi", _png(), "absen.png")
    absen = db.session.scalar(db.select(Lampiran).where(Lampiran.jenis == "absensi"))
    stored = Path(uploads.path_of(absen.tenant_id, absen.nama_simpan))
    absen_id = absen.id
    assert extra.status_code == 303 and stored.is_file()
    assert post_form(client, f"/rapat/lampiran/{absen_id}/hapus", {}, token_from=_url(region)).status_code == 303
    assert db.session.get(Lampiran, absen_id) is None and not stored.exists()
    assert db.session.scalar(db.select(AuditEntry.changes).where(
        AuditEntry.action == "rapat.lampiran_hapus"))["lampiran"] == ["absen.png", None]

    _logout(client)
    as_user("kec1")  # the kecamatan above may read
    assert client.get(f"/rapat/lampiran/{signed.id}").status_code == 200
    _logout(client)
    as_user("kel2")  # another kelurahan may not, and learns nothing
    assert client.get(f"/rapat/lampiran/{photo.id}").status_code == 404
    assert client.get(f"/rapat/lampiran/{signed.id}").status_code == 404
    _logout(client)
    as_user("viewer")
    assert client.get(f"/rapat/lampiran/{photo.id}").status_code == 200


def test_berita_acara_lists_every_proposal_with_its_decision(as_user, region, siklus, clock, client,
                                                             monkeypatch):
    accepted, rejected = _at_kelurahan(siklus, region, clock)
    unit = region["units"]["12.71.01.1001"]
    as_user("kel1")
    assert client.get(_url(region, suffix="/berita-acara.pdf")).status_code == 303  # no meeting yet
    _record(siklus, region)

    items = rapat_ops.berita_acara_items(siklus, KEL, unit)
    assert [(i["kode_lacak"], i["status"], i["alasan"]) for i in items] == [
        (accepted.kode_lacak, "diterima", ""), (rejected.kode_lacak, "ditolak", "Sudah ditangani dengan Dana Desa")]
    assert items[0]["total"] == 67_500_000 and "Gang Damai" in items[0]["lokasi"]
    assert rapat_ops.recap_rows(items) == [("fisik_prasarana", items[0]["keputusan"], 1, 67_500_000),
                                          ("fisik_prasarana", items[1]["keputusan"], 1, 67_500_000)]
    # The Rembuk Warga of the lingkungan lists both as sent up to the kelurahan.
    rembuk = rapat_ops.berita_acara_items(siklus, "rembuk_warga", region["units"]["12.71.01.1001.01"])
    assert [i["status"] for i in rembuk] == ["kirim", "kirim"]
    assert rapat_ops.berita_acara_items(siklus, KEL, region["units"]["12.71.01.1002"]) == []

    from eplanning_core.rapat import documents

    built = {}
    real = documents.berita_acara_pdf
    monkeypatch.setattr(documents, "berita_acara_pdf", lambda **kw: built.update(kw) or real(**kw))
    for suffix in ("/berita-acara.pdf", "/rekap.pdf"):
        response = client.get(_url(region, suffix=suffix))
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF-")
    assert built["items"] == items and built["delegates"] == MEETING["delegasi"]
    assert built["meeting"]["tempat"] == MEETING["tempat"] and built["meeting"]["jumlah_hadir"] == 45
    assert built["unit_label"] == "Kelurahan Pasar Baru, Kecamatan Medan Kota"
    assert [name for _role, name in built["signatures"]][1] == "Uji kel1"
    page = client.get(_url(region)).get_data(as_text=True)
    assert accepted.kode_lacak in page and "Sudah ditangani dengan Dana Desa" in page


def test_village_send_needs_the_signed_berita_acara(as_user, region, siklus, clock, client):
    accepted, rejected = _at_kelurahan(siklus, region, clock)
    as_user("kel1")
    _record(siklus, region)
    page = client.get("/usulan/kirim").get_data(as_text=True)
    assert "berita acara" in page and 'name="holder" value="12.71.01.1001"' not in page
    response = post_form(client, "/usulan/kirim", {"tahapan": KEL, "holder": "12.71.01.1001"})
    assert response.status_code == 303
    assert "berita acara" in client.get("/usulan/kirim").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Usulan, accepted.id).tahapan == KEL and _count(Pengiriman) == 1  # Rembuk Warga's only

    assert _upload(client, region, "berita_acara", _pdf(), "ba.pdf").status_code == 303
    assert rapat_ops.send_blockers(siklus, KEL, "12.71.01.1001") == []
    page = client.get("/usulan/kirim").get_data(as_text=True)
    assert 'name="holder" value="12.71.01.1001"' in page
    response = post_form(client, "/usulan/kirim", {"tahapan": KEL, "holder": "12.71.01.1001"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Usulan, accepted.id).tahapan == "musrenbang_kecamatan"
    # Sent on: the berita acara still lists it with the kelurahan's decision.
    items = rapat_ops.berita_acara_items(siklus, KEL, region["units"]["12.71.01.1001"])
    assert [i["status"] for i in items] == ["diterima", "ditolak"]
    # The signed berita acara the send relied on can no longer be removed.
    signed = db.session.scalar(db.select(Lampiran).where(Lampiran.jenis == "berita_acara"))
    post_form(client, f"/rapat/lampiran/{signed.id}/hapus", {}, token_from=_url(region))
    assert _count(Lampiran) == 1


def test_rembuk_warga_send_needs_the_meeting_recorded(region, siklus):
    ling = region["units"]["12.71.01.1001.01"]
    blockers = rapat_ops.send_blockers(siklus, "rembuk_warga", ling.kode)
    assert len(blockers) == 1 and "Rembuk Warga" in blockers[0]
    _record(siklus, region, user="ling1", stage="rembuk_warga", code=ling.kode, mulai="2026-01-20T08:00",
            delegasi=["ignored"])
    assert rapat_ops.get_rapat(siklus, "rembuk_warga", ling).delegasi == []
    assert rapat_ops.send_blockers(siklus, "rembuk_warga", ling.kode) == []  # berita acara comes after
    assert rapat_ops.send_blockers(siklus, "pokir", "12") == []


def test_bappeda_sees_progress_filters_and_excel(as_user, region, siklus, clock, client):
    clock.set_local("2026-02-05T09:00")
    rapat = _record(siklus, region)
    from eplanning_core.uploads import StoredFile

    rapat_ops.attach(rapat, region["users"]["kel1"], "berita_acara",
                     StoredFile("a" * 32 + ".pdf", "ba.pdf", "application/pdf", 10, "0" * 64))
    assert usulan_ops.send(siklus, KEL, "12.71.01.1001", region["users"]["kel1"]).ok  # nothing held: still a send
    as_user("admin")
    page = client.get("/rapat/").get_data(as_text=True)
    assert (f'data-stage="{KEL}" data-units="3" data-recorded="1" data-signed="1" data-sent="1"') in page
    assert 'data-stage="rembuk_warga" data-units="4" data-recorded="0" data-signed="0" data-sent="0"' in page
    assert 'data-stage="musrenbang_kecamatan" data-units="2"' in page
    held = client.get(f"/rapat/?tahapan={KEL}&diadakan=ya").get_data(as_text=True)
    assert 'data-unit="12.71.01.1001"' in held and 'data-unit="12.71.01.1002"' not in held
    missing = client.get(f"/rapat/?tahapan={KEL}&diadakan=tidak&wilayah=12.71.01").get_data(as_text=True)
    assert 'data-unit="12.71.01.1002"' in missing and 'data-unit="12.71.02.1001"' not in missing
    unsent = client.get(f"/rapat/?tahapan={KEL}&dikirim=tidak").get_data(as_text=True)
    assert 'data-unit="12.71.01.1001"' not in unsent
    xlsx = client.get(f"/rapat/?tahapan={KEL}&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert len(rows) == 4 and rows[1][0] == "12.71.01.1001" and rows[1][5] == 45 and rows[1][7] == 1
    assert rows[1][4] == datetime(2026, 2, 5, 8, 30)  # local time in the sheet
    # A kelurahan operator's own list covers only its lingkungan.
    _logout(client)
    as_user("kel1")
    own = client.get("/rapat/daftar?tahapan=rembuk_warga").get_data(as_text=True)
    assert 'data-unit="12.71.01.1001.01"' in own and 'data-unit="12.71.01.1002.01"' not in own
