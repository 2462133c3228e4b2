"""Proposals inserted straight into the table: prepared sets for counting, not via the engine."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import insert

from eplanning_core.audit.operations import record
from eplanning_core.extensions import db
from eplanning_core.usulan.models import Usulan


def add_rows(siklus, region, rows: list[dict], start: int = 900000) -> None:
    """Proposals straight into the table (a prepared set for counting), not via the engine."""
    units = region["units"]
    values = []
    for n, row in enumerate(rows):
        row = dict(row)
        unit = units[row.pop("unit", "12.71.01.1001.01")]
        status = row.get("status", "belum_dibahas")
        values.append({
            "tenant_id": siklus.tenant_id, "siklus_id": siklus.id,
            "kode_lacak": f"MDN-2027-{start + n:06d}", "sumber": "lingkungan",
            "bidang": "fisik_prasarana", "permasalahan": "Saluran tersumbat",
            "usulan_kegiatan": f"Normalisasi saluran {n}", "volume": 10, "satuan": "m",
            "harga_satuan": 100_000, "total": 1_000_000, "lokasi_wilayah_id": unit.id,
            "lokasi_kode": unit.kode, "tahapan": "rembuk_warga",
            "alasan": "Bukan kewenangan kota" if status in ("ditolak", "diterima_dengan_perubahan") else None,
            **row})
    db.session.execute(insert(Usulan), values)
    # As any real import would: the change has its history entry (the Command Center's
    # cached numbers are keyed by the history head, see commandcenter/cache.py).
    record(tenant_id=siklus.tenant_id, actor=None, action="usulan.impor_uji", obj=siklus,
           changes={"usulan": [None, len(values)]})
    db.session.commit()


def planned_items(siklus, region, count=3):
    """Items of a set RKPD at the budgeting stage, inserted directly (as test_budgeting does)."""
    pu, unit = region["agencies"]["pu"], region["units"]["12.71.01.1001"]
    rows = [dict(tenant_id=siklus.tenant_id, siklus_id=siklus.id, kode_lacak=f"MDN-2026-9{i:05d}",
                 sumber="kecamatan", bidang="fisik_prasarana", permasalahan="Drainase tersumbat",
                 usulan_kegiatan=f"Normalisasi drainase {i}", volume=Decimal("10"), satuan="m",
                 harga_satuan=1_000_000, total=10_000_000, lokasi_kode=unit.kode, lokasi_wilayah_id=unit.id,
                 wilayah_asal_id=region["units"]["12.71.01"].id, tahapan="penganggaran", status="belum_dibahas",
                 perangkat_daerah_id=pu.id, terkunci=True, sub_kegiatan_kode="1.03.10.2.01.0005",
                 pagu=10_000_000, target="100 m", version=1) for i in range(count)]
    db.session.execute(insert(Usulan), rows)
    db.session.commit()
