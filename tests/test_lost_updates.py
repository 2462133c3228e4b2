"""No lost updates: of two edits of the same version exactly one is saved, and the other
person is told who changed what, with the values now saved.

The race tests change the row from a second database connection after the first request's
version check passed in Python, which is the window two simultaneous requests really hit;
without the compare-and-set in the database (eplanning_core.conflicts.claim_version) the
second write would silently overwrite the first.
"""

from __future__ import annotations

import re

from sqlalchemy import update
from support.web import post_form

from eplanning_core.accounts import operations as account_ops
from eplanning_core.accounts.models import PerangkatDaerah, User
from eplanning_core.audit.models import AuditEntry
from eplanning_core.conflicts import claim_version, describe_conflict
from eplanning_core.extensions import db
from eplanning_core.kamus import operations as kamus_ops
from eplanning_core.kamus.models import KamusUsulan
from eplanning_core.tenancy.context import current_tenant_id
from eplanning_core.usulan.models import Usulan

ALERT = re.compile(r'class="alert alert-warning"[^>]*>(.*?)</div>', re.DOTALL)


def _other_connection_bumps(model, ident, **values) -> None:
    """Another request commits a change of the row (its own connection and transaction; as
    the owner, since a bare connection of the application role has no region set)."""
    from eplanning_core.tenancy.approle import owner_engine

    with owner_engine() as engine, engine.begin() as conn:
        conn.execute(update(model.__table__).where(model.__table__.c.id == ident)
                     .values(version=model.__table__.c.version + 1, **values))


def _history(obj) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == obj.__tablename__, AuditEntry.object_id == obj.id))


def _item(region) -> KamusUsulan:
    outcome = kamus_ops.save_kamus(current_tenant_id(), region["users"]["admin"], {
        "kode": "FP-100", "nama": "Pengaspalan jalan", "bidang": "fisik_prasarana", "satuan": "m2",
        "harga_satuan": "Rp 1.250.000", "perangkat_daerah_id": "", "sub_kegiatan_kode": ""})
    assert outcome.ok, outcome.errors
    return outcome.obj


def test_claim_version_is_a_compare_and_set(app, region):
    item = _item(region)
    assert not claim_version(item, "abc") and not claim_version(item, None) and not claim_version(item, 7)
    assert claim_version(item, 1) and item.version == 2
    db.session.commit()
    assert not claim_version(item, 1)                       # the version is gone
    db.session.rollback()


def test_catalogue_edit_racing_another_save_is_refused(app, region):
    item = _item(region)
    admin = region["users"]["admin"]
    _other_connection_bumps(KamusUsulan, item.id, nama="Rabat beton")   # committed meanwhile
    # the in-memory item still says version 1: the Python check passes, the database must refuse
    outcome = kamus_ops.save_kamus(current_tenant_id(), admin, {
        "kode": "FP-100", "nama": "Ditimpa", "bidang": "fisik_prasarana", "satuan": "m2",
        "harga_satuan": "9.999.999", "perangkat_daerah_id": "", "sub_kegiatan_kode": ""},
        item=item, expected_version=1)
    assert outcome.message == kamus_ops.STALE
    db.session.expire_all()
    saved = db.session.get(KamusUsulan, item.id)
    assert (saved.nama, saved.harga_satuan, saved.version) == ("Rabat beton", 1_250_000, 2)
    assert _history(saved) == 1                              # only the creation


def test_catalogue_status_racing_another_save_is_refused(app, region):
    item = _item(region)
    _other_connection_bumps(KamusUsulan, item.id)
    outcome = kamus_ops.set_kamus_aktif(current_tenant_id(), region["users"]["admin"], item, False, 1)
    assert outcome.message == kamus_ops.STALE
    db.session.expire_all()
    assert db.session.get(KamusUsulan, item.id).aktif is True


def test_account_and_agency_edits_racing_another_save_are_refused(app, region):
    tid, admin = current_tenant_id(), region["users"]["admin"]
    kel1, pu = region["users"]["kel1"], region["agencies"]["pu"]
    _other_connection_bumps(User, kel1.id, nama="Nama Pertama")
    values = {"username": "kel1", "nama": "Nama Kedua", "email": "", "role": "operator",
              "wilayah_kode": "12.71.01.1001", "perangkat_daerah_id": "", "dapil": "", "aktif": True}
    outcome = account_ops.save_user(tid, admin, values, set(), user=kel1, expected_version=1)
    assert outcome.message == account_ops.STALE
    _other_connection_bumps(PerangkatDaerah, pu.id, nama="Dinas PU Baru")
    outcome = account_ops.save_perangkat_daerah(tid, admin, {"kode": "1.03.01", "nama": "Dinas PU Lama",
                                                             "singkatan": "", "aktif": True},
                                                pd=pu, expected_version=1)
    assert outcome.message == account_ops.STALE
    db.session.expire_all()
    assert db.session.get(User, kel1.id).nama == "Nama Pertama"
    assert db.session.get(PerangkatDaerah, pu.id).nama == "Dinas PU Baru"


def test_the_refused_editor_sees_who_changed_what_to_what(as_user, region, client):
    item = _item(region)
    as_user("admin")
    form = {"kode": "FP-100", "nama": "Rabat beton", "bidang": "fisik_prasarana", "satuan": "m2",
            "harga_satuan": "1.300.000", "perangkat_daerah_id": "", "sub_kegiatan_kode": "", "version": "1"}
    assert post_form(client, f"/kamus/{item.id}", form).status_code == 302       # the first tab
    stale = dict(form, nama="Ditimpa", harga_satuan="9.999.999")                    # the second tab
    response = post_form(client, f"/kamus/{item.id}", stale)
    assert response.status_code == 302
    alerts = ALERT.findall(client.get(f"/kamus/{item.id}").get_data(as_text=True))
    assert len(alerts) == 1
    assert "Uji admin" in alerts[0] and "Rabat beton" in alerts[0] and "1300000" in alerts[0]
    assert "Ditimpa" not in alerts[0]
    db.session.expire_all()
    assert db.session.get(KamusUsulan, item.id).nama == "Rabat beton"


def test_a_stale_proposal_edit_names_the_other_persons_values(as_user, region, siklus, client):
    from eplanning_core.usulan import operations as ops

    values = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang", "usulan_kegiatan": "Pengaspalan",
              "volume": "150", "satuan": "m", "harga_satuan": "450.000", "jalan": "Gang Damai",
              "pengusul_nama": "Siti Aminah", "pengusul_telepon": "0812-6000-1234",
              "pengusul_nik": "1271010101010001", "lokasi_wilayah_id": region["units"]["12.71.01.1001.01"].id}
    usulan = ops.create(siklus, "rembuk_warga", region["users"]["ling1"], values).usulan
    as_user("ling1")
    page = client.get(f"/usulan/{usulan.id}/ubah").get_data(as_text=True)
    assert 'name="version"' in page
    # meanwhile someone saves a new volume through the same operation the screens use
    content = {k: v for k, v in values.items()}
    content["volume"] = "200"
    outcome = ops.act(usulan, region["users"]["ling1"], "ubah", expected_version=usulan.version,
                      stage_key="rembuk_warga", content=content)
    assert outcome.ok, (outcome.errors, outcome.refusal)
    form = {k: str(v) for k, v in values.items()}
    form.update(tahapan="rembuk_warga", version="1", usulan_kegiatan="Versi saya")
    response = post_form(client, f"/usulan/{usulan.id}/ubah", form)
    assert response.status_code == 302
    alerts = ALERT.findall(client.get(f"/usulan/{usulan.id}/ubah").get_data(as_text=True))
    assert alerts and "200" in alerts[0] and "Uji ling1" in alerts[0]
    db.session.expire_all()
    assert db.session.get(Usulan, usulan.id).usulan_kegiatan == "Pengaspalan"


def test_describe_conflict_without_history_says_nothing(app, region):
    pu = region["agencies"]["pu"]
    assert describe_conflict(pu, 1) is None


def test_a_stale_api_decision_is_409_and_names_the_change(client, region, siklus):
    from datetime import timedelta

    from eplanning_core.api import tokens
    from eplanning_core.usulan import operations as ops

    values = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang", "usulan_kegiatan": "Pengaspalan",
              "volume": "150", "satuan": "m", "harga_satuan": "450.000", "jalan": "Gang Damai",
              "pengusul_nama": "Siti Aminah", "lokasi_wilayah_id": region["units"]["12.71.01.1001.01"].id}
    usulan = ops.create(siklus, "rembuk_warga", region["users"]["ling1"], values).usulan
    seen = usulan.version
    assert ops.act(usulan, region["users"]["ling1"], "survei_selesai", expected_version=seen,
                   stage_key="rembuk_warga").ok
    secret = tokens.issue_user_token(region["users"]["ling1"], timedelta(days=365)).secret
    response = client.post(f"/api/v1/usulan/{usulan.id}/keputusan", headers={"Authorization": f"Bearer {secret}"},
                           json={"keputusan": "ditolak", "versi": seen, "alasan": "Duplikat"})
    body = response.get_json()
    assert response.status_code == 409 and body["rule"] == "stale" and body["versi"] == seen + 1
    assert "Uji ling1" in body["message"]
    db.session.expire_all()
    assert db.session.get(Usulan, usulan.id).status == "belum_dibahas"


def test_a_schedule_change_racing_another_is_refused(app, region, siklus):
    from datetime import datetime, timezone

    from eplanning_core.siklus import operations as siklus_ops
    from eplanning_core.siklus.models import Tahapan

    row = db.session.scalar(db.select(Tahapan).where(Tahapan.siklus_id == siklus.id,
                                                     Tahapan.kunci == "musrenbang_kelurahan"))
    seen, opens = row.version, row.dibuka
    _other_connection_bumps(Tahapan, row.id)                     # another Bappeda tab saved first
    result = siklus_ops.reschedule(siklus, row, region["users"]["admin"],
                                   dibuka=datetime(2026, 2, 2, 1, 0, tzinfo=timezone.utc).replace(tzinfo=None),
                                   ditutup=row.ditutup, pemasukan_ditutup=row.pemasukan_ditutup,
                                   alasan="Banjir", expected_version=seen)
    assert result.errors == {"_": "stale"}
    db.session.expire_all()
    assert db.session.get(Tahapan, row.id).dibuka == opens
