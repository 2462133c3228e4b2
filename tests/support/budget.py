"""A set RKPD 2027 at the budgeting stage (the ``rkpd`` fixture), APBD files and what an
import may write, for the budgeting and fault tests."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import insert

from eplanning_core.audit.models import AuditEntry
from eplanning_core.budgeting.models import AnggaranBaris, AnggaranImpor
from eplanning_core.extensions import db
from eplanning_core.kamus.models import Nomenklatur
from eplanning_core.siklus import rkpd as plan
from eplanning_core.siklus.models import Siklus
from eplanning_core.testing.meetings import hold_meeting
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Keputusan, Usulan

from .stages import act_at_stage


ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang dan tergenang saat hujan",
        "usulan_kegiatan": "Pengaspalan Jalan Sutomo Gang Damai", "volume": "150", "satuan": "m",
        "harga_satuan": "Rp 450.000", "jalan": "Gang Damai", "pengusul_nama": "Siti Aminah",
        "pengusul_telepon": "0812-6000-1234", "pengusul_nik": "1271010101010001"}


HEADER = "external_id,kode_lacak,perangkat_daerah,sub_kegiatan,uraian,jumlah"


def count_rows(model, *where):
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def bulk_planned(siklus, region, count, *, start=0, tahapan="penganggaran", status="belum_dibahas", pagu=10_000_000,
                 **extra):
    """Planned items inserted directly: thousands in one statement."""
    pu, unit = region["agencies"]["pu"], region["units"]["12.71.01.1001"]
    rows = [dict(tenant_id=siklus.tenant_id, siklus_id=siklus.id, kode_lacak=f"MDN-2027-9{i:05d}", sumber="kecamatan",
                 bidang="fisik_prasarana", permasalahan="Drainase tersumbat",
                 usulan_kegiatan=f"Normalisasi drainase {i}",
                 volume=Decimal("10"), satuan="m", harga_satuan=1_000_000, total=10_000_000, lokasi_kode=unit.kode,
                 lokasi_wilayah_id=unit.id, wilayah_asal_id=region["units"]["12.71.01"].id, tahapan=tahapan,
                 status=status, perangkat_daerah_id=pu.id, terkunci=True, sub_kegiatan_kode="1.03.10.2.01.0005",
                 pagu=pagu, target="100 m", version=1, **extra) for i in range(start, start + count)]
    for first in range(0, len(rows), 5000):
        db.session.execute(insert(Usulan), rows[first:first + 5000])
    db.session.commit()
    return [r["kode_lacak"] for r in rows]


@pytest.fixture
def rkpd(siklus, region, clock):
    """A set RKPD 2027: one Musrenbang proposal from Lingkungan I, one Pokir of dprd1, both walked
    through every stage by the operations, plus three items inserted at the budgeting stage."""
    users, pu = region["users"], region["agencies"]["pu"]
    admin, tid = users["admin"], siklus.tenant_id
    db.session.add(Nomenklatur(tenant_id=tid, tingkat="sub_kegiatan", kode="1.03.10.2.01.0005",
                               nama="Pembangunan Jalan"))
    db.session.commit()
    road = ops.create(siklus, "rembuk_warga", users["ling1"],
                      dict(ROAD, lokasi_wilayah_id=region["units"]["12.71.01.1001.01"].id)).usulan
    act_at_stage(road, users["ling1"], "survei_selesai")
    hold_meeting(siklus, "rembuk_warga", "12.71.01.1001.01")
    assert ops.send(siklus, "rembuk_warga", "12.71.01.1001.01", users["ling1"]).ok
    clock.set_local("2026-02-05T09:00")
    act_at_stage(road, users["kel1"], "diterima")
    hold_meeting(siklus, "musrenbang_kelurahan", "12.71.01.1001")
    assert ops.send(siklus, "musrenbang_kelurahan", "12.71.01.1001", users["kel1"]).ok
    clock.set_local("2026-02-20T09:00")
    points = {"keterdesakan": 5, "kemiskinan": 4, "pertumbuhan_ekonomi": 3, "potensi_lokasi": 3, "manfaat": 4,
              "partisipasi": 5}
    act_at_stage(road, users["kec1"], "skor", inputs={"points": points})
    act_at_stage(road, users["kec1"], "rute", inputs={"agency_id": pu.id})
    act_at_stage(road, users["kec1"], "diterima")
    hold_meeting(siklus, "musrenbang_kecamatan", "12.71.01")
    assert ops.send(siklus, "musrenbang_kecamatan", "12.71.01", users["kec1"]).ok
    pokir = ops.create(siklus, "pokir", users["dprd1"], {
        "bidang": "fisik_prasarana", "permasalahan": "Jalan gelap", "usulan_kegiatan": "Lampu jalan Pasar Baru",
        "volume": "1", "satuan": "paket", "harga_satuan": "30000000",
        "lokasi_wilayah_id": region["units"]["12.71.01.1001"].id}).usulan
    for action, inputs in (("periksa", None), ("diterima", None), ("rute", {"agency_id": pu.id})):
        act_at_stage(pokir, admin, action, inputs=inputs)
    assert ops.send(siklus, "pokir", users["dprd1"].id, admin).ok
    clock.set_local("2026-03-10T09:00")
    act_at_stage(road, users["pu"], "diterima", inputs={"sub_kegiatan": "1.03.10.2.01.0005", "pagu": 60_000_000,
                                                "target": "150 m"})
    act_at_stage(pokir, users["pu"], "ditolak", reason="Sudah ada di program lain")  # a decision changed before sending
    act_at_stage(pokir, users["pu"], "diterima", inputs={"sub_kegiatan": "1.03.10.2.01.0005", "pagu": 30_000_000,
                                                 "target": "10 titik"})
    assert ops.send(siklus, "forum_pd", pu.id, users["pu"]).ok
    clock.set_local("2026-04-10T09:00")
    act_at_stage(road, admin, "diterima")
    act_at_stage(pokir, admin, "diterima")
    assert plan.send_all(siklus, "musrenbang_rkpd", admin).ok
    clock.set_local("2026-05-10T09:00")
    assert plan.tetapkan(siklus, admin).ok
    extra = bulk_planned(siklus, region, 3)
    clock.set_local("2026-10-10T09:00")
    db.session.expire_all()
    items = {c: db.session.scalar(db.select(Usulan).where(Usulan.kode_lacak == c)) for c in extra}
    return {"road": db.session.get(Usulan, road.id), "pokir": db.session.get(Usulan, pokir.id),
            "extra": [items[c] for c in extra], "siklus": db.session.get(Siklus, siklus.id)}


def apbd_csv(*lines: str) -> bytes:
    return ("\n".join((HEADER,) + lines) + "\n").encode()


def budget_state():
    """Everything an import may write, to show that nothing changed."""
    return (count_rows(AnggaranBaris), count_rows(AnggaranImpor), count_rows(Keputusan), count_rows(AuditEntry),
            tuple(db.session.execute(db.select(Usulan.id, Usulan.status, Usulan.anggaran_jumlah, Usulan.version)
                                     .order_by(Usulan.id)).all()))
