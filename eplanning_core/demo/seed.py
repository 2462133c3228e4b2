"""Seeding the demo region: idempotent, so ``make demo`` can run again and again.

Units, agencies, the nomenklatur and catalogue shipped in the region's folder, an account
for every role and, for Kota Medan, the planning cycle RKPD 2027 with proposals in every
stage and status (see :mod:`.scenario`). A second run finds everything in place and changes
nothing; it only reopens the stage windows if they have closed since.
"""

from __future__ import annotations

import csv
from contextlib import contextmanager

from sqlalchemy import event, func, select

from ..accounts.models import PerangkatDaerah, Role, User
from ..extensions import db
from ..kamus import operations as kamus_ops
from ..kamus.models import KamusUsulan, Nomenklatur
from ..siklus.models import Siklus
from ..tenancy.context import ensure_tenant_row, tenant_config
from ..usulan.models import Usulan
from ..wilayah.importer import import_files
from ..wilayah.models import Wilayah
from . import scenario
from .plan import ACCOUNTS, Account

DEMO_PASSWORD = "demo-eplanning-2027"
#: The region whose story the demo plays (plan.py names its units).
STORY_REGION = "12.71"

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


class DemoSeedError(RuntimeError):
    """The demo cannot be built on this database (say how to fix it)."""


def _agencies(config) -> list[tuple[str, str, str]]:
    path = config.folder / "perangkat_daerah.csv"
    if not path.is_file():
        return STANDARD_AGENCIES
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [(r["kode"], r["nama"], r.get("singkatan") or None) for r in csv.DictReader(handle)]


def _generic_accounts(tenant_id: int, config, agencies: dict) -> tuple[Account, ...]:
    """For a region without a story: one account per role on its first units."""
    lingkungan = db.session.scalar(select(Wilayah).where(
        Wilayah.tenant_id == tenant_id, Wilayah.tingkat == 3).order_by(Wilayah.kode).limit(1))
    desa = lingkungan.parent if lingkungan else db.session.scalar(select(Wilayah).where(
        Wilayah.tenant_id == tenant_id, Wilayah.tingkat == 2).order_by(Wilayah.kode).limit(1))
    kecamatan = desa.parent if desa else None
    # The public-works agency (urusan 1.03) receives most proposals: the demo's agency operator.
    agency = agencies.get("1.03.01") or min(agencies.values(), key=lambda p: p.kode, default=None)
    dapil = config.dapil[0].code if config.dapil else None
    wanted = [Account("admin", "Admin Bappeda", Role.BAPPEDA.value)]
    for username, unit in (("kecamatan", kecamatan), ("kelurahan", desa), ("lingkungan", lingkungan)):
        if unit is not None:
            label = "Kepala" if unit.tingkat == 3 else "Operator"
            wanted.append(Account(username, f"{label} {unit.nama}", Role.OPERATOR.value, unit=unit.kode))
    if agency is not None:
        wanted.append(Account("dinas", f"Operator {agency.singkatan or agency.nama}",
                              Role.OPERATOR_PD.value, agency=agency.kode))
    if dapil:
        wanted.append(Account("dprd", "Anggota DPRD", Role.DPRD.value, dapil=dapil))
    wanted += [Account("setwan", "Sekretariat DPRD (Setwan)", Role.SETWAN.value),
               Account("pemantau", "Pemantau (Inspektorat)", Role.VIEWER.value)]
    return tuple(wanted)


def _ensure_accounts(tenant_id: int, wanted, agencies: dict) -> dict[str, User]:
    """Create the accounts that are missing (one password hash for all: scrypt is slow)."""
    users = {u.username: u for u in db.session.scalars(
        select(User).where(User.tenant_id == tenant_id)
        .options(db.joinedload(User.wilayah), db.joinedload(User.perangkat_daerah)))}
    missing = [a for a in wanted if a.username not in users]
    if missing:
        units = {w.kode: w for w in db.session.scalars(select(Wilayah).where(
            Wilayah.tenant_id == tenant_id, Wilayah.kode.in_([a.unit for a in missing if a.unit])))}
        hashed = None
        for account in missing:
            scope = {"wilayah": units.get(account.unit), "perangkat_daerah": agencies.get(account.agency),
                     "dapil": account.dapil}
            if (account.unit and scope["wilayah"] is None) or (
                    account.agency and scope["perangkat_daerah"] is None):
                raise DemoSeedError(f"demo account {account.username}: unit or agency "
                                    f"{account.unit or account.agency} is not in the region")
            user = User(tenant_id=tenant_id, username=account.username, nama=account.nama,
                        role=account.role, aktif=True, **scope)
            if hashed is None:
                user.set_password(DEMO_PASSWORD)
                hashed = user.password_hash
            user.password_hash = hashed
            db.session.add(user)
            users[account.username] = user
        db.session.commit()
    return users


def _reference_lists(tenant_id: int, config, admin: User) -> None:
    """The nomenklatur extract and the catalogue shipped in the region's folder, if any."""
    for name, load in (("nomenklatur.csv", kamus_ops.import_nomenklatur),
                       ("kamus.csv", kamus_ops.import_kamus)):
        path = config.folder / name
        if path.is_file():
            report = load(tenant_id, admin, path.read_bytes(), name)
            if not report.ok:
                raise DemoSeedError(f"{path}: " + "; ".join(str(p) for p in report.problems))


@contextmanager
def quick_commits():
    """Hundreds of small commits, made quick while the demo is built, then back to normal.

    Each operation commits on its own, as it does for a user. Meanwhile the session keeps
    its rows after a commit (the operations refresh what they change in bulk) and commits do
    not wait for the disk: SQLite ``synchronous = OFF`` (a power cut could damage the file:
    ``eplanning demo --reset`` rebuilds it), PostgreSQL ``synchronous_commit = off`` (a crash
    loses the last commits only). The pool is emptied afterwards, so serving starts with the
    database's defaults.
    """
    engine = db.engine
    statement = {"sqlite": "PRAGMA synchronous = OFF",
                 "postgresql": "SET synchronous_commit TO OFF"}.get(engine.url.get_backend_name())

    def relax(dbapi_connection, _record, _proxy):
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()

    session = db.session()
    expiring = session.expire_on_commit
    session.expire_on_commit = False
    if statement:
        event.listen(engine, "checkout", relax)
    try:
        yield
    except BaseException:
        session.rollback()
        raise
    else:
        session.commit()  # hand the connection back before the pool is emptied
    finally:
        if statement:
            event.remove(engine, "checkout", relax)
        session.expire_on_commit = expiring
        session.expire_all()
        if statement:
            engine.dispose()


def seed_demo() -> dict[str, int]:
    """Everything the demo needs; returns how many of each kind of row the region has."""
    with quick_commits():
        return _seed()


def _seed() -> dict[str, int]:
    config = tenant_config()
    tenant = ensure_tenant_row(config)
    db.session.commit()
    wilayah_file = config.folder / "wilayah.csv"
    units_file = config.folder / "units.csv"
    import_files(tenant.id, config.code, wilayah_file if wilayah_file.is_file() else None,
                 units_file if units_file.is_file() else None)

    agencies = {p.kode: p for p in db.session.scalars(
        select(PerangkatDaerah).where(PerangkatDaerah.tenant_id == tenant.id))}
    for kode, nama, singkatan in _agencies(config):
        if kode not in agencies:
            agencies[kode] = PerangkatDaerah(tenant_id=tenant.id, kode=kode, nama=nama, singkatan=singkatan)
            db.session.add(agencies[kode])
    db.session.commit()

    story = config.code == STORY_REGION
    wanted = ACCOUNTS if story else _generic_accounts(tenant.id, config, agencies)
    users = _ensure_accounts(tenant.id, wanted, agencies)
    _reference_lists(tenant.id, config, users["admin"])
    if story:
        _play_once(tenant.id, users)
    return counts(tenant.id)


def _play_once(tenant_id: int, users: dict[str, User]) -> None:
    from ..usulan.engine_adapter import local_now

    siklus = db.session.scalar(select(Siklus).where(Siklus.tenant_id == tenant_id,
                                                    Siklus.tahun == scenario.PLAN_YEAR))
    if siklus is None:
        scenario.play(tenant_id, users)
    elif scenario.finished(siklus):
        scenario.open_windows(siklus, users["admin"], local_now(), every=False)
    else:
        raise DemoSeedError(f"this database holds an RKPD {scenario.PLAN_YEAR} that is not a "
                            "finished demo; start from an empty one (eplanning demo --reset)")


def counts(tenant_id: int) -> dict[str, int]:
    """Rows of the region by kind, and proposals by stage and status ("stage/status")."""
    def number(model):
        return db.session.scalar(select(func.count()).select_from(model)
                                 .where(model.tenant_id == tenant_id))

    out = {"agencies": number(PerangkatDaerah), "users": number(User), "units": number(Wilayah),
           "kamus": number(KamusUsulan), "nomenklatur": number(Nomenklatur),
           "usulan": number(Usulan)}
    for tahapan, status, n in db.session.execute(
            select(Usulan.tahapan, Usulan.status, func.count()).where(Usulan.tenant_id == tenant_id)
            .group_by(Usulan.tahapan, Usulan.status)):
        out[f"{tahapan}/{status}"] = n
    return out


def demo_accounts() -> list[dict]:
    """The demo accounts for the login page (demo mode only): username, role, scope, password.

    Operators' scopes name the unit and the units above it; one query loads those names.
    """
    from ..accounts.scope import role_label
    from ..tenancy.context import current_tenant_id

    config = tenant_config()
    rows = db.session.scalars(
        select(User).where(User.tenant_id == current_tenant_id(), User.aktif.is_(True))
        .order_by(User.id)
        .options(db.joinedload(User.wilayah), db.joinedload(User.perangkat_daerah))).all()
    wanted = set()
    for user in rows:
        if user.wilayah is not None:
            parts = user.wilayah.kode.split(".")
            wanted |= {".".join(parts[:n]) for n in range(3, len(parts) + 1)}
        dapil = config.dapil_by_code(user.dapil or "")
        if dapil:
            wanted |= set(dapil.kecamatan)
    names = dict(db.session.execute(select(Wilayah.kode, Wilayah.nama).where(
        Wilayah.tenant_id == current_tenant_id(), Wilayah.kode.in_(sorted(wanted)))).all()) if wanted else {}

    def unit_path(code: str) -> str:
        parts = code.split(".")
        out = []
        for n in range(len(parts), 2, -1):
            nama = names.get(".".join(parts[:n]), "")
            level = config.level_name(n - 2)
            out.append(nama if nama.lower().startswith(level.lower()) else f"{level} {nama}")
        return ", ".join(out)

    accounts = []
    for user in rows:
        dapil = config.dapil_by_code(user.dapil or "")
        if user.wilayah is not None:
            scope = unit_path(user.wilayah.kode)
        elif user.perangkat_daerah is not None:
            scope = user.perangkat_daerah.nama
        elif dapil is not None:
            scope = f"{dapil.name}: " + ", ".join(names.get(c, c) for c in dapil.kecamatan)
        else:
            scope = config.name
        accounts.append({"username": user.username, "role": role_label(user), "scope": scope,
                         "password": DEMO_PASSWORD})
    return accounts
