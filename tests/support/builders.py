"""Regions and their accounts, built from a table: the ``region`` fixture's miniature Medan,
the isolation matrix's two regions and the two-region deployment all come from here."""

from __future__ import annotations

from .env import DATA

#: Kota Medan's two agencies of the miniature: key -> (kode, nama, singkatan).
MEDAN_AGENCIES = {"pu": ("1.03.01", "Dinas Pekerjaan Umum", "Dinas PU"),
                  "dinkes": ("1.02.01", "Dinas Kesehatan", "Dinkes")}
#: The ``region`` fixture's accounts: username -> role and scope (a unit code or an agency key).
REGION_ACCOUNTS = {
    "admin": dict(role="bappeda"),
    "kec1": dict(role="operator", unit="12.71.01"),
    "kec2": dict(role="operator", unit="12.71.02"),
    "kel1": dict(role="operator", unit="12.71.01.1001"),
    "kel2": dict(role="operator", unit="12.71.01.1002"),
    "ling1": dict(role="operator", unit="12.71.01.1001.01"),
    "pu": dict(role="operator_pd", agency="pu"),
    "dprd1": dict(role="dprd", dapil="MDN-1"),
    "viewer": dict(role="viewer"),
}


def add_accounts(tid, password_hash, accounts: dict, units: dict, agencies: dict, mark: str = "") -> dict:
    """Active users from an account table; ``units`` maps unit codes to units, ``agencies``
    keys to agencies. ``mark`` is appended to every name (a word no other region shows)."""
    from eplanning_core.accounts.models import User
    from eplanning_core.extensions import db

    users = {}
    for username, spec in accounts.items():
        scope = dict(spec)
        if "unit" in scope:
            scope["wilayah_id"] = units[scope.pop("unit")].id
        if "agency" in scope:
            scope["perangkat_daerah_id"] = agencies[scope.pop("agency")].id
        users[username] = User(tenant_id=tid, username=username, nama=f"Uji {username} {mark}".strip(),
                               password_hash=password_hash, aktif=True, **scope)
    db.session.add_all(users.values())
    db.session.flush()
    return users


def build_medan(password_hash, accounts: dict = REGION_ACCOUNTS) -> dict:
    """Kota Medan in miniature in the current region: 2 kecamatan, 3 kelurahan, 4 lingkungan,
    2 agencies and ``accounts``; flushed, not committed. Returns units (by code), users (by
    username) and agencies (by key)."""
    from eplanning_core.accounts.models import PerangkatDaerah
    from eplanning_core.extensions import db
    from eplanning_core.tenancy.context import current_tenant_id
    from eplanning_core.wilayah.importer import import_files
    from eplanning_core.wilayah.models import Wilayah

    tid = current_tenant_id()
    import_files(tid, "12.71", DATA / "wilayah-mini.csv", DATA / "units-mini.csv")
    units = {w.kode: w for w in db.session.scalars(db.select(Wilayah).where(Wilayah.tenant_id == tid))}
    agencies = {key: PerangkatDaerah(tenant_id=tid, kode=kode, nama=nama, singkatan=short)
                for key, (kode, nama, short) in MEDAN_AGENCIES.items()}
    db.session.add_all(agencies.values())
    db.session.flush()
    users = add_accounts(tid, password_hash, accounts, units, agencies)
    return {"units": units, "users": users, "agencies": agencies}
