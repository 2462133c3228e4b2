"""The data the isolation matrix runs on: two regions in one database, every role, and of
each object kind one row in the user's own unit, one in another unit, one in the other region.

Built once per module and backend (tests/test_isolation_matrix.py); plain rows written
directly, since the matrix tests who may reach them, not how they are made.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from support.builders import add_accounts, build_medan
from support.env import PASSWORD, TENANTS_DIR
from support.web import browser, csrf_token

from eplanning_core.accounts.models import PerangkatDaerah
from eplanning_core.api import tokens
from eplanning_core.extensions import db
from eplanning_core.kamus.models import KamusUsulan
from eplanning_core.siklus.operations import open_cycle
from eplanning_core.tenancy.context import current_tenant_id, use_tenant
from eplanning_core.uploads import path_of
from eplanning_core.rapat.models import Rapat
from eplanning_core.usulan.models import Lampiran, Usulan
from eplanning_core.wilayah.importer import import_files
from eplanning_core.wilayah.models import Wilayah

HOSTS = {"eplanning.medan.test": "medan", "eplanning.agam.test": "agam"}
MEDAN_URL = "http://eplanning.medan.test"
#: 10:00 WIB on 20 January 2026: Rembuk Warga of RKPD 2027 is open, the later stages are not.
NOW = datetime(2026, 1, 20, 3, 0, tzinfo=timezone.utc)
#: Written into every row of the other region: no Medan response may ever contain it.
FOREIGN_MARK = "Rahasiaagam"
#: Written into the proposals of the other unit (Medan Sunggal, Dinkes, dapil Medan 4).
OTHER_MARK = "Rahasialain"
#: Written into the other unit's meeting: region-wide roles (agency, Setwan) may read it.
OTHER_MEETING_MARK = "Notulenlain"
MISSING_ID = 987654321
#: Users of the Medan region, one per role (the tests' ``region`` fixture, plus Setwan).
USERS = ("admin", "kec1", "kel1", "ling1", "pu", "dprd1", "setwan", "viewer")
#: Medan's accounts here (support.builders' table): the ``region`` fixture's, plus Setwan.
MEDAN_ACCOUNTS = {
    "admin": dict(role="bappeda"),
    "kec1": dict(role="operator", unit="12.71.01"),
    "kel1": dict(role="operator", unit="12.71.01.1001"),
    "kel2": dict(role="operator", unit="12.71.01.1002"),
    "ling1": dict(role="operator", unit="12.71.01.1001.01"),
    "pu": dict(role="operator_pd", agency="pu"),
    "dprd1": dict(role="dprd", dapil="MDN-1"),
    "setwan": dict(role="setwan"),
    "viewer": dict(role="viewer"),
}
#: A valid 1x1 PNG: the thumbnail routes decode it (a truncated one would be a 404 for everyone).
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
       b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc````\x00\x00\x00\x05\x00\x01\xa5\xf6E@\x00\x00\x00"
       b"\x00IEND\xaeB`\x82")


@dataclass
class World:
    app: object
    ids: dict = field(default_factory=dict)
    secrets: dict = field(default_factory=dict)
    clients: dict = field(default_factory=dict)

    def client(self, role: str):
        """A browser of ``role`` ('anon' or a username), logged in once per module."""
        if role not in self.clients:
            self.clients[role] = self.fresh_client(role)
        return self.clients[role]

    def fresh_client(self, role: str):
        client = HostBrowser(self.app)
        if role != "anon":
            response = client.post("/masuk", data={"username": role, "password": PASSWORD,
                                                   "csrf_token": csrf_token(client)})
            assert response.status_code == 302, f"login of {role} failed"
        return client


class HostBrowser:
    """``support.web.browser`` whose requests all go to Medan's host name."""

    def __init__(self, app, base_url: str = MEDAN_URL):
        self.browser, self.base_url = browser(app), base_url
        self.csrf = None  # the session's CSRF token, once read

    def open(self, path, **kwargs):
        kwargs.setdefault("buffered", True)  # a streamed download is read inside its request
        return self.browser.open(path, base_url=self.base_url, **kwargs)

    def get(self, path, **kwargs):
        return self.open(path, method="GET", **kwargs)

    def post(self, path, **kwargs):
        return self.open(path, method="POST", **kwargs)


def _unit(tid, kode) -> Wilayah:
    return db.session.scalar(db.select(Wilayah).where(Wilayah.tenant_id == tid, Wilayah.kode == kode))


def _usulan(tid, siklus, kode, unit, pd, tahapan, text, **extra) -> Usulan:
    row = Usulan(tenant_id=tid, siklus_id=siklus.id, kode_lacak=kode, sumber=extra.pop("sumber", "lingkungan"),
                 bidang="fisik_prasarana", permasalahan=f"Drainase tersumbat {text}",
                 usulan_kegiatan=f"Normalisasi drainase {text}", volume=Decimal("10"), satuan="m",
                 harga_satuan=100_000, total=1_000_000, lokasi_wilayah_id=unit.id, lokasi_kode=unit.kode,
                 perangkat_daerah_id=pd.id if pd else None, tahapan=tahapan, status="belum_dibahas",
                 pengusul_nama=f"Warga {text}", pengusul_telepon="081234567890", **extra)
    db.session.add(row)
    db.session.flush()
    return row


def _file(tid, owner: dict) -> Lampiran:
    name = secrets.token_hex(16) + ".png"
    path = path_of(tid, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PNG)
    row = Lampiran(tenant_id=tid, jenis="foto", nama_asli="foto.png", nama_simpan=name, mime="image/png",
                   ukuran=len(PNG), sha256="0" * 64, **owner)
    db.session.add(row)
    db.session.flush()
    return row


def _execution_photo(tid, usulan) -> int:
    """A milestone photo of ``usulan``'s execution (realisasi/), rows written directly."""
    from datetime import date

    from eplanning_core.realisasi.models import Realisasi, RealisasiFoto, RealisasiTahap

    record = Realisasi(tenant_id=tid, siklus_id=usulan.siklus_id, usulan_id=usulan.id, progres=10,
                       realisasi_jumlah=0, status="berjalan")
    db.session.add(record)
    db.session.flush()
    step = RealisasiTahap(tenant_id=tid, realisasi_id=record.id, usulan_id=usulan.id, tanggal=date(2026, 1, 2),
                          progres=10, realisasi_jumlah=0)
    db.session.add(step)
    db.session.flush()
    name = secrets.token_hex(16) + ".png"
    path = path_of(tid, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PNG)
    photo = RealisasiFoto(tenant_id=tid, tahap_id=step.id, usulan_id=usulan.id, nama_asli="foto.png",
                          nama_simpan=name, mime="image/png", ukuran=len(PNG), sha256="0" * 64)
    db.session.add(photo)
    db.session.flush()
    return photo.id


def _aspirasi(tid, unit, text) -> tuple[int, str, int]:
    """A citizen's aspiration (aspirasi/) in ``unit`` with one photo: (id, tracking code, photo id)."""
    from eplanning_core.aspirasi.models import Aspirasi, AspirasiFoto
    from eplanning_core.aspirasi.operations import new_code

    row = Aspirasi(tenant_id=tid, kode=new_code(), wilayah_id=unit.id, wilayah_kode=unit.kode,
                   permasalahan=f"Masalah {text}", usulan_kegiatan=f"Aspirasi {text}", kontak="081200000000",
                   kontak_jenis="telepon", terkonfirmasi=False, status="masuk")
    db.session.add(row)
    db.session.flush()
    name = secrets.token_hex(16) + ".png"
    path = path_of(tid, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PNG)
    photo = AspirasiFoto(tenant_id=tid, aspirasi_id=row.id, nama_asli="foto.png", nama_simpan=name,
                         mime="image/png", ukuran=len(PNG), sha256="0" * 64)
    db.session.add(photo)
    db.session.flush()
    return row.id, row.kode, photo.id


def _job(tid, user) -> int:
    """A finished background job of ``user`` (an import report, no file)."""
    from eplanning_core.jobs.models import Tugas

    row = Tugas(tenant_id=tid, user_id=user.id, jenis="anggaran_import", status="done", attempt=1,
                params='{"tahun": 2027, "name": "apbd.csv"}', report='{"message": "ok"}')
    db.session.add(row)
    db.session.commit()
    return row.id


def seed(app, password_hash) -> World:
    world = World(app)
    ids = world.ids
    with use_tenant("medan"):
        tid = current_tenant_id()
        medan = build_medan(password_hash, MEDAN_ACCOUNTS)
        u = {k: medan["units"][k] for k in ("12.71.01", "12.71.02", "12.71.01.1001", "12.71.01.1002",
                                            "12.71.02.1001", "12.71.01.1001.01", "12.71.02.1001.01")}
        pu, dinkes, users = medan["agencies"]["pu"], medan["agencies"]["dinkes"], medan["users"]
        db.session.commit()
        siklus = open_cycle(tid, users["admin"], 2027).obj
        own = _usulan(tid, siklus, "MDN-2027-000001", u["12.71.01.1001.01"], pu, "musrenbang_kelurahan",
                      "Pasar Baru")
        other = _usulan(tid, siklus, "MDN-2027-000002", u["12.71.02.1001.01"], dinkes, "musrenbang_kelurahan",
                        OTHER_MARK)
        rapat_own = Rapat(tenant_id=tid, siklus_id=siklus.id, tahapan="rembuk_warga",
                          wilayah_id=u["12.71.01.1001.01"].id)
        rapat_other = Rapat(tenant_id=tid, siklus_id=siklus.id, tahapan="rembuk_warga",
                            wilayah_id=u["12.71.02.1001.01"].id, notulen=OTHER_MEETING_MARK)
        kamus = KamusUsulan(tenant_id=tid, kode="K.01", nama="Rabat beton jalan lingkungan",
                            bidang="fisik_prasarana", satuan="m", harga_satuan=350_000)
        db.session.add_all([rapat_own, rapat_other, kamus])
        db.session.flush()
        ids["medan"] = {
            "tenant": tid, "units": {k: v.id for k, v in u.items()}, "codes": {k: k for k in u},
            "users": {k: v.id for k, v in users.items()}, "agency": {"pu": pu.id, "dinkes": dinkes.id},
            "agency_code": pu.kode, "siklus": siklus.id, "tahun": 2027,
            "usulan": {"own": own.id, "other": other.id}, "kode_lacak": {"own": own.kode_lacak,
                                                                          "other": other.kode_lacak},
            "usulan_file": {"own": _file(tid, {"usulan_id": own.id}).id,
                            "other": _file(tid, {"usulan_id": other.id}).id},
            "rapat_file": {"own": _file(tid, {"rapat_id": rapat_own.id}).id,
                           "other": _file(tid, {"rapat_id": rapat_other.id}).id},
            # removed by the one role allowed to: a file of its own, so others keep theirs
            "rapat_file_spare": {"own": _file(tid, {"rapat_id": rapat_own.id}).id,
                                 "other": _file(tid, {"rapat_id": rapat_other.id}).id},
            "kamus": kamus.id, "realisasi_foto": _execution_photo(tid, own),
        }
        db.session.commit()
        admin = users["admin"]
        world.secrets["client_read"] = tokens.create_client_token(tid, admin, "klien baca", "read").secret
        world.secrets["client_write"] = tokens.create_client_token(tid, admin, "klien tulis", "write").secret
        spare = tokens.create_client_token(tid, admin, "klien dicabut", "read")
        ids["medan"]["token"] = spare.token.id
        ids["medan"]["tugas"] = _job(tid, admin)
        own_asp = _aspirasi(tid, db.session.get(Wilayah, ids["medan"]["units"]["12.71.01.1001.01"]), "Pasar Baru")
        other_asp = _aspirasi(tid, db.session.get(Wilayah, ids["medan"]["units"]["12.71.02.1001.01"]), OTHER_MARK)
        ids["medan"]["aspirasi"] = {"own": own_asp, "other": other_asp}
        db.session.commit()
        for name in USERS:
            world.secrets[name] = tokens.issue_user_token(users[name]).secret
    with use_tenant("agam"):
        tid = current_tenant_id()
        import_files(tid, "13.06", TENANTS_DIR / "agam" / "wilayah.csv", None)
        for unit in db.session.scalars(db.select(Wilayah).where(Wilayah.tenant_id == tid)):
            unit.nama = f"{unit.nama} {FOREIGN_MARK}"  # any list leaking a unit of Agam shows the word
        kec, nagari = _unit(tid, "13.06.01"), _unit(tid, "13.06.01.2001")
        pd = PerangkatDaerah(tenant_id=tid, kode="9.99.01", nama=f"Dinas {FOREIGN_MARK}")
        db.session.add(pd)
        db.session.flush()
        users = add_accounts(tid, password_hash, {
            "admin": dict(role="bappeda"), "desa": dict(role="operator", unit=nagari.kode)},
            {nagari.kode: nagari}, {}, FOREIGN_MARK)
        db.session.commit()
        siklus = open_cycle(tid, users["admin"], 2028).obj  # a year Medan has no cycle of
        siklus.nama = f"{siklus.nama} {FOREIGN_MARK}"
        row = _usulan(tid, siklus, "AGM-2028-000001", nagari, pd, "musrenbang_nagari", FOREIGN_MARK)
        rapat = Rapat(tenant_id=tid, siklus_id=siklus.id, tahapan="musrenbang_nagari", wilayah_id=nagari.id,
                      notulen=FOREIGN_MARK)
        kamus = KamusUsulan(tenant_id=tid, kode="K.01", nama=f"Kamus {FOREIGN_MARK}", bidang="ekonomi",
                            satuan="paket", harga_satuan=1)
        db.session.add_all([rapat, kamus])
        db.session.flush()
        ids["agam"] = {
            "tenant": tid, "units": {"kecamatan": kec.id, "kelurahan": nagari.id, "lingkungan": nagari.id},
            "codes": {"unit": nagari.kode}, "users": {k: v.id for k, v in users.items()},
            "agency": pd.id, "agency_code": pd.kode, "siklus": siklus.id, "tahun": 2028,
            "usulan": row.id, "kode_lacak": row.kode_lacak,
            "usulan_file": _file(tid, {"usulan_id": row.id}).id,
            "rapat_file": _file(tid, {"rapat_id": rapat.id}).id, "kamus": kamus.id,
            "realisasi_foto": _execution_photo(tid, row),
        }
        db.session.commit()
        ids["agam"]["token"] = tokens.create_client_token(tid, users["admin"], "klien agam", "write").token.id
        ids["agam"]["tugas"] = _job(tid, users["admin"])
        ids["agam"]["aspirasi"] = _aspirasi(tid, nagari, FOREIGN_MARK)
        db.session.commit()
        world.secrets["agam_client"] = tokens.create_client_token(tid, users["admin"], "agam baca", "read").secret
        world.secrets["agam_admin"] = tokens.issue_user_token(users["admin"]).secret
    db.session.remove()
    return world
