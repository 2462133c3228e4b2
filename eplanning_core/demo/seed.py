"""Seeding the demo region: idempotent, so ``make demo`` can run again and again."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.models import PerangkatDaerah, Role, User
from ..extensions import db
from ..tenancy.context import ensure_tenant_row, tenant_config
from ..wilayah.importer import import_files
from ..wilayah.models import Wilayah

DEMO_PASSWORD = "demo-eplanning-2027"

#: The agencies every kabupaten/kota has under Permendagri 90/2019, used when the region's
#: folder ships no perangkat_daerah.csv.
STANDARD_AGENCIES = [
    ("1.01.01", "Dinas Pendidikan", "Disdik"),
    ("1.02.01", "Dinas Kesehatan", "Dinkes"),
    ("1.03.01", "Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas PUPR"),
    ("1.04.01", "Dinas Perumahan dan Kawasan Permukiman", "Dinas Perkim"),
    ("1.06.01", "Dinas Sosial", "Dinsos"),
    ("2.11.01", "Dinas Lingkungan Hidup", "DLH"),
    ("2.15.01", "Dinas Perhubungan", "Dishub"),
    ("5.01.01", "Badan Perencanaan Pembangunan Daerah", "Bappeda"),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    scope: str


def _agencies(config) -> list[tuple[str, str, str]]:
    path = config.folder / "perangkat_daerah.csv"
    if not path.is_file():
        return STANDARD_AGENCIES
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [(r["kode"], r["nama"], r.get("singkatan") or None) for r in csv.DictReader(handle)]


def seed_demo() -> dict[str, int]:
    """Units, agencies and one account per role; returns how many of each exist."""
    config = tenant_config()
    tenant = ensure_tenant_row(config)
    db.session.commit()
    wilayah_file = config.folder / "wilayah.csv"
    units_file = config.folder / "units.csv"
    import_files(tenant.id, config.code, wilayah_file if wilayah_file.is_file() else None,
                 units_file if units_file.is_file() else None)

    existing = {p.kode: p for p in db.session.scalars(
        select(PerangkatDaerah).where(PerangkatDaerah.tenant_id == tenant.id))}
    for kode, nama, singkatan in _agencies(config):
        if kode not in existing:
            existing[kode] = PerangkatDaerah(tenant_id=tenant.id, kode=kode, nama=nama, singkatan=singkatan)
            db.session.add(existing[kode])
    db.session.flush()

    lingkungan = db.session.scalar(select(Wilayah).where(
        Wilayah.tenant_id == tenant.id, Wilayah.tingkat == 3).order_by(Wilayah.kode).limit(1))
    desa = lingkungan.parent if lingkungan else db.session.scalar(select(Wilayah).where(
        Wilayah.tenant_id == tenant.id, Wilayah.tingkat == 2).order_by(Wilayah.kode).limit(1))
    kecamatan = desa.parent if desa else None
    # The public-works agency (urusan 1.03) receives most proposals: the demo's agency operator.
    agency = existing.get("1.03.01") or min(existing.values(), key=lambda p: p.kode, default=None)
    dapil = config.dapil[0].code if config.dapil else None

    wanted = [
        ("admin", "Admin Bappeda", Role.BAPPEDA, {}),
        ("kecamatan", f"Operator {kecamatan.nama}" if kecamatan else "", Role.OPERATOR, {"wilayah": kecamatan}),
        ("kelurahan", f"Operator {desa.nama}" if desa else "", Role.OPERATOR, {"wilayah": desa}),
        ("lingkungan", f"Kepala {lingkungan.nama}" if lingkungan else "", Role.OPERATOR, {"wilayah": lingkungan}),
        ("dinas", f"Operator {agency.singkatan or agency.nama}" if agency else "", Role.OPERATOR_PD,
         {"perangkat_daerah": agency}),
        ("dprd", "Anggota DPRD", Role.DPRD, {"dapil": dapil}),
        ("pemantau", "Pemantau (Inspektorat)", Role.VIEWER, {}),
    ]
    users = {u.username: u for u in db.session.scalars(select(User).where(User.tenant_id == tenant.id))}
    for username, nama, role, scope in wanted:
        if username in users or any(v is None for v in scope.values()):
            continue
        user = User(tenant_id=tenant.id, username=username, nama=nama, role=role.value, aktif=True, **scope)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
    db.session.commit()
    return {"agencies": len(existing), "users": len(wanted)}


def demo_accounts() -> list[dict]:
    """The demo accounts for the login page (demo mode only): username, role, scope, password."""
    from ..accounts.scope import role_label
    from ..tenancy.context import current_tenant_id

    rows = db.session.scalars(select(User).where(User.tenant_id == current_tenant_id(),
                                                 User.aktif.is_(True)).order_by(User.id)
                              .options(db.joinedload(User.wilayah), db.joinedload(User.perangkat_daerah))).all()
    out = []
    for user in rows:
        dapil = tenant_config().dapil_by_code(user.dapil or "")
        scope = (user.wilayah.nama if user.wilayah else
                 user.perangkat_daerah.nama if user.perangkat_daerah else
                 dapil.name if dapil else "")
        out.append({"username": user.username, "role": role_label(user), "scope": scope,
                    "password": DEMO_PASSWORD})
    return out
