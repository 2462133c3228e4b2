"""The ceiling (pagu) form cannot lose an update (issue 13, open item: its version was checked
in Python only).

Two administrators open the ceilings of a stage; the first saves. The second's save is
refused with who changed them, also when the first one commits between the second request's
check and its write (the window two simultaneous requests really hit): the version is
compared and set in the database (UPDATE pagu ... WHERE version = seen).
"""

from __future__ import annotations

import re

from sqlalchemy import insert, text, update
from support.web import post_form

from eplanning_core.audit.models import AuditEntry
from eplanning_core.extensions import db
from eplanning_core.siklus import operations as ops
from eplanning_core.siklus.models import Pagu

STAGE = "musrenbang_kecamatan"
FLASHES = re.compile(r'class="alert alert-(?:danger|warning)[^"]*"[^>]*>(.*?)</div>', re.DOTALL)


def _url(siklus):
    return f"/siklus/{siklus.id}/pagu/{STAGE}"


def _versi(page: str) -> str:
    return re.search(r'name="versi" value="([^"]*)"', page).group(1)


def _history(siklus) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "pagu.atur", AuditEntry.object_id == siklus.id))


def _meanwhile(monkeypatch, change):
    """Another request commits ``change`` after this request's check, before its write."""
    real = ops.set_limits

    def racing(siklus, *args, **kwargs):
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # the application role sees one region
                conn.execute(text("select set_config('eplanning.tenant_id', :t, true)"),
                             {"t": str(siklus.tenant_id)})
            assert change(conn).rowcount != 0  # the other save really happened
        return real(siklus, *args, **kwargs)
    monkeypatch.setattr(ops, "set_limits", racing)


def test_a_ceiling_changed_between_check_and_write_is_not_overwritten(as_user, client, region, siklus,
                                                                      monkeypatch):
    kota = region["units"]["12.71.01"].id
    assert ops.set_limits(siklus, STAGE, region["users"]["admin"],
                          [{"wilayah_id": kota, "jumlah": 10_000_000}], seen={}).ok
    row = db.session.scalar(db.select(Pagu))
    as_user("admin")
    opened = _versi(client.get(_url(siklus)).get_data(as_text=True))
    assert opened == f"{row.id}:1"
    _meanwhile(monkeypatch, lambda conn: conn.execute(
        update(Pagu.__table__).where(Pagu.__table__.c.id == row.id)
        .values(jumlah=99_000_000, version=Pagu.__table__.c.version + 1)))
    # The attacker's exact request: the form as opened, posted after the other save.
    response = post_form(client, _url(siklus), {"versi": opened, f"jumlah-{kota}": "20.000.000"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    shown = " ".join(FLASHES.findall(page))
    assert "Perubahan" in shown or "changed these ceilings" in shown or "mengubah" in shown
    assert region["users"]["admin"].nama in shown  # who saved them last
    db.session.expire_all()
    assert db.session.get(Pagu, row.id).jumlah == 99_000_000
    assert _history(siklus) == 1  # the refused save wrote nothing


def test_a_ceiling_added_between_check_and_write_is_not_overwritten(as_user, client, region, siklus,
                                                                    monkeypatch):
    kota = region["units"]["12.71.01"].id
    as_user("admin")
    opened = _versi(client.get(_url(siklus)).get_data(as_text=True))
    assert opened == ""
    _meanwhile(monkeypatch, lambda conn: conn.execute(insert(Pagu.__table__).values(
        tenant_id=siklus.tenant_id, siklus_id=siklus.id, tahapan_kunci=STAGE, wilayah_id=kota,
        jumlah=77_000_000, version=1)))
    response = post_form(client, _url(siklus), {"versi": opened, f"jumlah-{kota}": "20.000.000"})
    assert response.status_code == 303
    db.session.expire_all()
    assert [p.jumlah for p in db.session.scalars(db.select(Pagu))] == [77_000_000]


def test_the_operation_refuses_a_stale_version_and_keeps_the_first_save(region, siklus):
    admin, kota = region["users"]["admin"], region["units"]["12.71.01"].id
    assert ops.set_limits(siklus, STAGE, admin, [{"wilayah_id": kota, "jumlah": 10_000_000}], seen={}).ok
    row = db.session.scalar(db.select(Pagu))
    first = ops.set_limits(siklus, STAGE, admin, [{"wilayah_id": kota, "jumlah": 20_000_000}], seen={row.id: 1})
    second = ops.set_limits(siklus, STAGE, admin, [{"wilayah_id": kota, "jumlah": 30_000_000}], seen={row.id: 1})
    assert first.ok and not second.ok and ops.STALE in second.errors
    db.session.expire_all()
    assert (db.session.get(Pagu, row.id).jumlah, db.session.get(Pagu, row.id).version) == (20_000_000, 2)
    assert _history(siklus) == 2
