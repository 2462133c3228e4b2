"""Correcting a mistake (issue 14, point 3): a decision reopened with a reason, through the
one writer, in one transaction with its history entry and decision record; refused after
sending (for the decider), outside the window (for Bappeda) and once the RKPD is set; shown
on the public journey (page and API) as a correction; the sender is told."""

from __future__ import annotations

from sqlalchemy import select
from support.acting import act_on, create_proposal
from support.stages import at_kecamatan
from support.web import post_form

from eplanning_core.audit.models import AuditEntry
from eplanning_core.extensions import db
from eplanning_core.notifications.models import Notifikasi
from eplanning_core.portal import pagecache
from eplanning_core.siklus.models import Siklus
from eplanning_core.testing.meetings import hold_meeting
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Keputusan, Usulan

WHY = "Salah klik: forum menerima usulan ini"
REJECTED = "Sudah dibangun swadaya warga tahun lalu"


def _at_kelurahan(siklus, region, clock, **overrides):
    """A proposal of Lingkungan I sent to the Musrenbang Kelurahan (as the portal tests make it)."""
    users = region["users"]
    usulan = create_proposal(siklus, region, **overrides)
    act_on(usulan, users["ling1"], "survei_selesai")
    hold_meeting(siklus, "rembuk_warga", "12.71.01.1001.01")
    assert ops.send(siklus, "rembuk_warga", "12.71.01.1001.01", users["ling1"]).ok
    clock.set_local("2026-02-05T09:00")
    return db.session.get(Usulan, usulan.id)


def _reopen(client, usulan, reason=WHY, **args):
    return post_form(client, f"/usulan/{usulan.id}/aksi",
                     {"aksi": "buka_kembali", "tahapan": usulan.tahapan, "version": usulan.version,
                      "alasan": reason}, token_from=f"/usulan/{usulan.id}")


def _records(usulan_id):
    return [(k.keputusan, k.alasan) for k in db.session.scalars(
        select(Keputusan).where(Keputusan.usulan_id == usulan_id).order_by(Keputusan.id))]


def test_a_misclicked_rejection_is_reopened_by_its_decider_and_shown_as_a_correction(
        as_user, region, siklus, clock, client):
    usulan = _at_kelurahan(siklus, region, clock)
    usulan = act_on(usulan, region["users"]["kel1"], "ditolak", reason=REJECTED)
    browser = as_user("kel1")
    page = browser.get(f"/usulan/{usulan.id}").get_data(as_text=True)
    assert 'id="reopen"' in page and 'name="aksi" value="buka_kembali"' in page
    before = _records(usulan.id)
    version = db.session.get(Usulan, usulan.id).version

    response = _reopen(browser, usulan)
    assert response.status_code == 303
    db.session.expire_all()
    usulan = db.session.get(Usulan, usulan.id)
    assert (usulan.tahapan, usulan.status, usulan.tertutup) == ("musrenbang_kelurahan", "belum_dibahas", False)
    assert usulan.version == version + 1 and usulan.alasan == WHY
    assert _records(usulan.id) == before + [("buka_kembali", WHY)]
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.object_id == usulan.id, AuditEntry.action == "usulan.buka_kembali"))
    assert entry.reason == WHY and entry.changes["status"] == ["ditolak", "belum_dibahas"]
    # it can be decided again, the usual way
    act_on(usulan, region["users"]["kel1"], "diterima")

    pagecache.forget_heads()
    public = client.get(f"/publik/lacak?kode={usulan.kode_lacak}").get_data(as_text=True)
    assert 'class=" correction"' in public or "correction" in public
    assert WHY in public and REJECTED in public  # the decision and its correction, both with reasons
    assert public.index(REJECTED) < public.index(WHY)
    api = client.get(f"/api/v1/publik/usulan/{usulan.kode_lacak}").get_json()
    kinds = [s["keputusan"] for s in api["timeline"]]
    assert kinds.index("ditolak") < kinds.index("buka_kembali") < kinds.index("diterima")
    assert [(c["keputusan"], c["alasan"], c["koreksi"]) for c in api["koreksi"]] == [
        ("buka_kembali", WHY, True)]
    assert api["koreksi"][0]["dibuka_kembali"] and api["koreksi"][0]["oleh"] != "—"


def test_a_reopen_needs_a_reason_and_changes_nothing_without_one(as_user, region, siklus, clock):
    usulan = _at_kelurahan(siklus, region, clock)
    usulan = act_on(usulan, region["users"]["kel1"], "ditolak", reason=REJECTED)
    browser = as_user("kel1")
    for reason in ("", "  ", "ok"):
        assert _reopen(browser, usulan, reason=reason).status_code == 303
    db.session.expire_all()
    assert db.session.get(Usulan, usulan.id).status == "ditolak"
    assert _records(usulan.id)[-1] == ("ditolak", REJECTED)
    refused = ops.act(db.session.get(Usulan, usulan.id), region["users"]["kel1"], "buka_kembali",
                      expected_version=usulan.version, stage_key=usulan.tahapan, reason=None)
    assert not refused.ok and refused.refusal.rule == "reason_required"


def test_after_sending_only_bappeda_reopens_and_only_while_the_window_is_open(
        as_user, region, siklus, clock):
    users = region["users"]
    usulan = _at_kelurahan(siklus, region, clock)
    usulan = act_on(usulan, users["kel1"], "ditolak", reason=REJECTED)
    hold_meeting(siklus, "musrenbang_kelurahan", "12.71.01.1001")
    assert ops.send(siklus, "musrenbang_kelurahan", "12.71.01.1001", users["kel1"]).ok
    usulan = db.session.get(Usulan, usulan.id)
    assert usulan.tertutup

    kel1 = ops.act(usulan, users["kel1"], "buka_kembali", expected_version=usulan.version,
                   stage_key=usulan.tahapan, reason=WHY)
    assert not kel1.ok and kel1.refusal.rule == "sent_reopen"
    page = as_user("kel1").get(f"/usulan/{usulan.id}").get_data(as_text=True)
    assert 'id="reopen-refused"' in page and 'id="reopen"' not in page

    clock.set_local("2026-03-01T09:00")  # the kelurahan window has closed
    late = ops.act(db.session.get(Usulan, usulan.id), users["admin"], "buka_kembali",
                   expected_version=usulan.version, stage_key=usulan.tahapan, reason=WHY)
    assert not late.ok and late.refusal.rule == "outside_window"

    clock.set_local("2026-02-06T09:00")
    done = ops.act(db.session.get(Usulan, usulan.id), users["admin"], "buka_kembali",
                   expected_version=usulan.version, stage_key=usulan.tahapan, reason=WHY)
    assert done.ok, done.refusal
    db.session.expire_all()
    usulan = db.session.get(Usulan, usulan.id)
    assert (usulan.status, usulan.tertutup) == ("belum_dibahas", False)
    assert _records(usulan.id)[-1] == ("buka_kembali", WHY)


def test_nothing_is_reopened_once_the_rkpd_is_set(region, siklus, clock):
    usulan = _at_kelurahan(siklus, region, clock)
    usulan = act_on(usulan, region["users"]["kel1"], "ditolak", reason=REJECTED)
    row = db.session.get(Siklus, siklus.id)
    row.status, row.rkpd_ditetapkan_at, row.version = "rkpd_ditetapkan", row.created_at, row.version + 1
    db.session.commit()
    for who in ("kel1", "admin"):
        usulan = db.session.get(Usulan, usulan.id)
        outcome = ops.act(usulan, region["users"][who], "buka_kembali", expected_version=usulan.version,
                          stage_key=usulan.tahapan, reason=WHY)
        assert not outcome.ok and outcome.refusal.rule == "plan_set", who
    assert db.session.get(Usulan, usulan.id).status == "ditolak"


def test_the_sender_is_told_when_a_decision_on_its_proposal_is_reopened(region, siklus, clock):
    users = region["users"]
    road = at_kecamatan(siklus, region, clock)  # sent by the kelurahan, accepted by the kecamatan
    road = db.session.get(Usulan, road.id)
    assert ops.act(road, users["kec1"], "buka_kembali", expected_version=road.version,
                   stage_key=road.tahapan, reason=WHY).ok
    told = db.session.scalars(select(Notifikasi).where(Notifikasi.user_id == users["kel1"].id,
                                                       Notifikasi.keputusan == "buka_kembali")).all()
    assert [(n.jumlah, n.usulan_id) for n in told] == [(1, road.id)]
    page = ""
    from eplanning_core.notifications.texts import sentence

    page = sentence(told[0], {"musrenbang_kecamatan": "Musrenbang Kecamatan"})
    assert "Musrenbang Kecamatan" in page


def test_the_public_journey_shows_a_change_with_its_reason_and_a_rejection_as_rejected(
        region, siklus, clock, client):
    users = region["users"]
    usulan = _at_kelurahan(siklus, region, clock)
    content = {name: getattr(usulan, name) for name in (
        "bidang", "permasalahan", "usulan_kegiatan", "kamus_id", "satuan", "jalan", "lokasi_detail",
        "pengusul_nama", "pengusul_telepon", "pengusul_nik", "lat", "lng")}
    content.update(volume="120", harga_satuan="450000", lokasi_wilayah_id=usulan.lokasi_wilayah_id)
    from eplanning_core.usulan.content import clean_content

    clean, errors = clean_content(content, usulan.tenant_id)
    assert not errors, errors
    changed = ops.act(usulan, users["kel1"], "ubah", expected_version=usulan.version, stage_key=usulan.tahapan,
                      reason="Volume dikoreksi sesuai berita acara", content=clean)
    assert changed.ok, (changed.refusal, changed.errors)
    act_on(db.session.get(Usulan, usulan.id), users["kel1"], "ditolak", reason=REJECTED)
    pagecache.forget_heads()
    page = client.get(f"/publik/lacak?kode={usulan.kode_lacak}").get_data(as_text=True)
    assert "Volume dikoreksi sesuai berita acara" in page
    assert "Rp 67.500.000" in page and "Rp 54.000.000" in page  # the total before and after
    assert "Belum diputuskan" not in page and "Not decided yet" not in page
    assert NIK_NOT_SHOWN(page)
    api = client.get(f"/api/v1/publik/usulan/{usulan.kode_lacak}").get_json()
    change = next(s for s in api["timeline"] if s["keputusan"] == "ubah")
    assert change["alasan"] == "Volume dikoreksi sesuai berita acara"
    assert {c["sesudah"] for c in change["perubahan"]} >= {"Rp 54.000.000"}


def NIK_NOT_SHOWN(page: str) -> bool:
    from support.acting import NIK, PHONE

    return NIK not in page and PHONE not in page
