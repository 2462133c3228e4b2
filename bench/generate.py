"""Build a benchmark database at city, province or national scale, in bulk.

    .venv/bin/python bench/generate.py city [--reset]       # Kota Medan, 3 cycles x 20,000
    .venv/bin/python bench/generate.py province [--reset]   # + the 19 kab/kota of Sumatera Barat
    .venv/bin/python bench/generate.py national [--reset]   # + every kab/kota: ~2 million proposals

Kota Medan is always the region that is served and measured: its demo is seeded through the
app (accounts for every role, the story cycle RKPD 2027), then 20,000 proposals are added to
each of three cycles (RKPD 2025 and 2026, finished; RKPD 2027, running) with their decisions
(keputusan) and history (audit entries). Other regions share the database, as in one
deployment serving many: each gets its kecamatan and desa/kelurahan from the national list
(read in place from /work/shared/data/wilayah.csv), two dusun per desa, the standard agencies,
a few accounts and one running cycle with about 24 proposals per desa.

Rows go in with PostgreSQL COPY (executemany on SQLite), never the ORM one row at a time.
History entries are linked per region by :func:`link_history` just before they are written:
the one place that calls the hash chain of :mod:`eplanning_core.audit.chain` when present.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import random
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

PER_CYCLE = 20_000           # Medan: proposals a year
PAST_YEARS = (2025, 2026)    # finished cycles; the demo's RKPD 2027 is the running one
PER_DESA = 24                # other regions: proposals per desa/kelurahan in their one cycle
OTHER_YEAR = 2027
PROVINCE = "13"              # Sumatera Barat
#: Tables whose plain indexes are rebuilt after the load instead of maintained row by row.
BULK_TABLES = ("usulan", "keputusan", "audit_entry", "wilayah", "user_account")
STAGES = ("rembuk_warga", "musrenbang_kelurahan", "musrenbang_kecamatan", "forum_pd",
          "musrenbang_rkpd", "penetapan_rkpd", "penganggaran")
#: Where the proposals of a running cycle are (share of them), and what state they are in.
RUNNING_SPREAD = (0.22, 0.28, 0.14, 0.14, 0.07, 0.04, 0.11)
STATUSES = {
    "rembuk_warga": (("belum_dibahas", 70), ("ditolak", 30)),
    "musrenbang_kelurahan": (("belum_dibahas", 35), ("diterima", 25), ("diterima_dengan_perubahan", 5),
                             ("ditolak", 20), ("dana_desa", 15)),
    "musrenbang_kecamatan": (("belum_dibahas", 50), ("diterima", 30), ("diterima_dengan_perubahan", 5),
                             ("ditolak", 15)),
    "pokir": (("belum_dibahas", 40), ("diperiksa", 20), ("diterima", 30), ("ditolak", 10)),
    "forum_pd": (("belum_dibahas", 50), ("diterima", 30), ("diterima_dengan_perubahan", 5), ("ditolak", 15)),
    "musrenbang_rkpd": (("belum_dibahas", 40), ("diterima", 45), ("diterima_dengan_perubahan", 5),
                        ("ditolak", 10)),
    "penetapan_rkpd": (("belum_dibahas", 100),),
    "penganggaran": (("belum_dibahas", 20), ("didanai", 60), ("tidak_didanai", 20)),
}
#: Where the proposals of a finished cycle stopped (most reached the budget).
FINISHED_SPREAD = (10, 15, 10, 5, 2, 0, 58)
_STAGE_NUMBERS = range(len(STAGES))
_RUNNING_CUM = list(itertools.accumulate(RUNNING_SPREAD))
_FINISHED_CUM = list(itertools.accumulate(FINISHED_SPREAD))
#: Month-day of each stage's work in the planning year (year before the budget year).
STAGE_DAY = {"rembuk_warga": (1, 20), "musrenbang_kelurahan": (2, 5), "musrenbang_kecamatan": (2, 20),
             "pokir": (3, 1), "forum_pd": (3, 15), "musrenbang_rkpd": (4, 10), "penetapan_rkpd": (6, 1),
             "penganggaran": (7, 15)}
REASONS = {"ditolak": "Tidak memenuhi kriteria prioritas tahun ini.",
           "diterima_dengan_perubahan": "Volume disesuaikan dengan hasil survei lokasi.",
           "tidak_didanai": "Tidak tertampung dalam KUA-PPAS."}
PROBLEMS = ("Jalan rusak dan berlubang, tergenang air saat hujan.",
            "Saluran drainase tersumbat sehingga sering banjir.",
            "Penerangan jalan umum tidak ada, rawan kejahatan malam hari.",
            "Warga belum memiliki akses air bersih yang layak.",
            "Posyandu belum memiliki peralatan yang memadai.",
            "Pelaku usaha mikro belum mendapat pelatihan pemasaran.")
STREETS = ("Jl. Merdeka", "Jl. Sudirman", "Jl. Pahlawan", "Jl. Melati", "Jl. Mawar", "Gg. Damai",
           "Jl. Kenanga", "Jl. Pendidikan", "Jl. Masjid", "Jl. Pasar")
NAMES = ("Siti Aminah", "Budi Santoso", "Rahmat Hidayat", "Dewi Lestari", "Ahmad Fauzi",
         "Nur Aisyah", "Syahrial Batubara", "Rina Marpaung", "Hendra Siregar", "Yusuf Nasution")
AGENCIES = (("1.01.01", "Dinas Pendidikan", "Disdik"), ("1.02.01", "Dinas Kesehatan", "Dinkes"),
            ("1.03.01", "Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas PUPR"),
            ("1.04.01", "Dinas Perumahan dan Kawasan Permukiman", "Dinas Perkim"),
            ("1.06.01", "Dinas Sosial", "Dinsos"), ("2.11.01", "Dinas Lingkungan Hidup", "DLH"),
            ("2.15.01", "Dinas Perhubungan", "Dishub"),
            ("5.01.01", "Badan Perencanaan Pembangunan Daerah", "Bappeda"))
GENERIC_ITEMS = (("Pengaspalan jalan lingkungan", "fisik_prasarana", "m", 1_350_000, "1.03.01"),
                 ("Pembangunan drainase", "fisik_prasarana", "m", 950_000, "1.03.01"),
                 ("Lampu penerangan jalan", "fisik_prasarana", "unit", 7_500_000, "2.15.01"),
                 ("Sumur bor air bersih", "fisik_prasarana", "unit", 45_000_000, "1.04.01"),
                 ("Alat posyandu", "sosial_budaya", "paket", 12_000_000, "1.02.01"),
                 ("Pelatihan UMKM", "ekonomi", "orang", 1_500_000, "1.06.01"))


# ---- writing rows in bulk ------------------------------------------------------------------

class Writer:
    """COPY on PostgreSQL, executemany elsewhere; ids are handed out here, not by the database."""

    def __init__(self, engine):
        self.engine = engine
        self.raw = engine.raw_connection()
        self.pg = engine.url.get_backend_name() == "postgresql"
        self.next_id: dict[str, int] = {}
        self.dropped: list = []
        from sqlalchemy import inspect

        inspector = inspect(engine)
        self.tables = set(inspector.get_table_names())
        self._columns = {t: {c["name"] for c in inspector.get_columns(t)} for t in self.tables}
        cur = self.raw.cursor()
        if self.pg:
            cur.execute("SET synchronous_commit TO OFF")
        cur.close()

    def bulk_mode(self, tables=BULK_TABLES) -> None:
        """PostgreSQL bulk load: no foreign-key triggers on this connection, and the plain
        (non-unique) indexes of the big tables dropped now and rebuilt by :meth:`finish`.

        The data is generated consistent, so skipping the checks loses nothing; rebuilding an
        index once is far cheaper than maintaining it row by row.
        """
        if not self.pg:
            return
        self.execute("SET session_replication_role = replica")
        self.execute("SET maintenance_work_mem = '256MB'")
        self.dropped = self.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
            "AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname)", (list(tables),))
        for name, _definition in self.dropped:
            self.execute(f'DROP INDEX "{name}"')
        self.raw.commit()

    def columns(self, table: str) -> set[str]:
        return self._columns.get(table, set())

    def ids(self, table: str, n: int) -> range:
        if table not in self.next_id:
            cur = self.raw.cursor()
            cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
            self.next_id[table] = cur.fetchone()[0] + 1
            cur.close()
        start = self.next_id[table]
        self.next_id[table] = start + n
        return range(start, start + n)

    def write(self, table: str, rows: list[dict]) -> int:
        if not rows:
            return 0
        columns = list(rows[0])
        cur = self.raw.cursor()
        if self.pg:
            names = ", ".join(f'"{c}"' for c in columns)
            with cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row([_pg_value(row[c]) for c in columns])
        else:
            marks = ", ".join("?" for _ in columns)
            cur.executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})',
                            [[_sqlite_value(row[c]) for c in columns] for row in rows])
        cur.close()
        return len(rows)

    def execute(self, sql: str, params=()):
        cur = self.raw.cursor()
        cur.execute(sql, params)
        out = cur.fetchall() if cur.description else None
        cur.close()
        return out

    def finish(self) -> None:
        """Sequences past the ids handed out, commit, then fresh planner statistics and visibility map."""
        if self.pg:
            for _name, definition in self.dropped:
                started = time.perf_counter()
                self.execute(definition)
                print(f"    {definition[:90]}: {time.perf_counter() - started:.0f} s", flush=True)
            for table in self.next_id:
                self.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))")
        self.raw.commit()
        if self.pg:
            # Planner statistics and the visibility map, as autovacuum leaves a table after a
            # bulk load: without VACUUM every index-only scan (a list's count) visits the heap.
            self.raw.driver_connection.autocommit = True
            self.execute("VACUUM (ANALYZE)")
        self.raw.close()


def _pg_value(value):
    return json.dumps(value) if isinstance(value, (dict, list)) else value


def _sqlite_value(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return value


def _find_linker():
    """The hash chain's pure linking function, when the audit package and the schema have it."""
    try:
        from eplanning_core.audit.chain import link
    except ImportError:
        return None
    return link


def link_history(writer: Writer, tenant_id: int, rows: list[dict]) -> list[dict]:
    """Hash-chain one region's new history rows (in id order) after its existing ones.

    Uses :func:`eplanning_core.audit.chain.link` and moves the region's chain head; rows go
    unlinked only when the database has no chain columns (an older schema).
    """
    linker = _find_linker()
    if linker is None or "seq" not in writer.columns("audit_entry"):
        return rows
    from eplanning_core.audit.chain import GENESIS

    mark = "%s" if writer.pg else "?"
    has_head = "audit_chain_head" in writer.tables
    found = writer.execute(f"SELECT seq, entry_hash FROM audit_chain_head WHERE tenant_id = {mark}"
                           if has_head else
                           f"SELECT seq, entry_hash FROM audit_entry WHERE tenant_id = {mark} "
                           "ORDER BY seq DESC LIMIT 1", (tenant_id,))
    head = tuple(found[0]) if found else (0, GENESIS)
    seq, last = linker(rows, head)
    if has_head:
        writer.execute(f"DELETE FROM audit_chain_head WHERE tenant_id = {mark}", (tenant_id,))
        writer.execute(f"INSERT INTO audit_chain_head (tenant_id, seq, entry_hash) VALUES ({mark}, {mark}, {mark})",
                       (tenant_id, seq, last))
    return rows


# ---- the proposals of one region -----------------------------------------------------------

class Region:
    """What the generator needs of a region: ids of its units, agencies, users, catalogue."""

    def __init__(self, tenant_id, prefix, lingkungan, desa_of, kec_of, agencies, actors, items,
                 dprd=None):
        self.tenant_id = tenant_id
        self.prefix = prefix
        self.lingkungan = lingkungan        # [(id, kode)]
        self.desa_of = desa_of              # lingkungan id -> desa id
        self.kec_of = kec_of                # desa id -> kecamatan id
        self.agencies = agencies            # kode -> id
        self.actors = actors                # level -> (user id, name)
        self.items = items                  # [(kamus id | None, nama, bidang, satuan, harga, pd kode, sub)]
        self.dprd = dprd or []              # [(user id, dapil)]


def _pick(rng, weighted):
    total = sum(w for _, w in weighted)
    x = rng.uniform(0, total)
    for value, weight in weighted:
        x -= weight
        if x <= 0:
            return value
    return weighted[-1][0]


def _when(rng, year: int, stage: str) -> datetime:
    month, day = STAGE_DAY[stage]
    return datetime(year - 1, month, day, 2) + timedelta(minutes=rng.randrange(0, 60 * 24 * 10))


def proposals(writer: Writer, region: Region, siklus_id: int, year: int, n: int, *, finished: bool,
              rng: random.Random, pokir_share: float = 0.0, at: tuple[str, str] | None = None) -> dict:
    """n proposals of one cycle with their decisions and history, written in three COPYs.

    ``at``: every proposal at this (stage, status) instead of a realistic spread.
    """
    usulan_ids = writer.ids("usulan", n)
    usulan, keputusan, history = [], [], []
    counter = 0
    for uid in usulan_ids:
        counter += 1
        pokir = region.dprd and rng.random() < pokir_share
        last = rng.choices(_STAGE_NUMBERS, cum_weights=_FINISHED_CUM if finished else _RUNNING_CUM)[0]
        if pokir:
            last = max(last, 3)
        if at is not None:
            last = STAGES.index(at[0])
        stage = STAGES[last]
        if at is not None:
            status = at[1]
        elif finished:
            status = "ditolak" if last < 6 else _pick(rng, (("didanai", 75), ("tidak_didanai", 25)))
        else:
            status = _pick(rng, STATUSES[stage])
        path = ("pokir",) + STAGES[3:last + 1] if pokir else STAGES[:last + 1]
        lid, lkode = rng.choice(region.lingkungan)
        desa = region.desa_of[lid]
        kec = region.kec_of[desa]
        kamus_id, nama, bidang, satuan, harga, pd_kode, sub = rng.choice(region.items)
        volume = Decimal(rng.randrange(1, 400))
        total = int(volume * harga)
        pd_id = region.agencies.get(pd_kode) if last >= 3 else None
        dprd_id, dapil = rng.choice(region.dprd) if pokir else (None, None)
        created = _when(rng, year, path[0])
        skor = Decimal(rng.randrange(150, 500)) if last >= 2 and not pokir else None
        row = {
            "id": uid, "tenant_id": region.tenant_id, "siklus_id": siklus_id,
            "kode_lacak": f"{region.prefix}-{year}-{uid:07d}",
            "sumber": "pokir" if pokir else "lingkungan",
            "wilayah_asal_id": None if pokir else lid, "rapat_id": None,
            "pengusul_nama": rng.choice(NAMES), "pengusul_telepon": f"0812-{uid % 10000:04d}-{counter % 10000:04d}",
            "pengusul_nik": f"{1271000000000000 + uid % 10**9}"[:16],
            "dprd_user_id": dprd_id, "dapil": dapil,
            "created_by_id": dprd_id or region.actors[3][0], "created_at": created,
            "bidang": bidang, "permasalahan": rng.choice(PROBLEMS),
            "usulan_kegiatan": f"{nama} di {rng.choice(STREETS)}",
            "kamus_id": kamus_id, "volume": volume, "satuan": satuan, "harga_satuan": harga, "total": total,
            "lokasi_wilayah_id": lid, "lokasi_kode": lkode, "jalan": rng.choice(STREETS),
            "lokasi_detail": None, "lat": None, "lng": None,
            "tahapan": stage, "status": status, "alasan": REASONS.get(status),
            "survei_selesai": last > 0 or rng.random() < 0.5, "terkunci": last > 0,
            "tertutup": finished and status == "ditolak", "dana_desa": status == "dana_desa",
            "prioritas": rng.randrange(1, 30) if last >= 1 else None,
            "skor": skor, "skor_rincian": {"keterdesakan": 4, "manfaat": 3} if skor else {},
            "perangkat_daerah_id": pd_id, "sub_kegiatan_kode": sub if last >= 4 else None,
            "pagu": total if last >= 4 else None, "target": f"{volume} {satuan}" if last >= 4 else None,
            "indikator": "Panjang/jumlah terbangun" if last >= 4 else None,
            "anggaran_jumlah": total if status == "didanai" else None, "version": 1 + 2 * last,
        }
        usulan.append(row)
        level_of = {"rembuk_warga": 3, "musrenbang_kelurahan": 2, "musrenbang_kecamatan": 1}
        by_unit = {"rembuk_warga": lid, "musrenbang_kelurahan": desa, "musrenbang_kecamatan": kec}
        actor = region.actors[3] if not pokir else (dprd_id, "Anggota DPRD")
        history.append(_audit(region, created, actor, "usulan.buat", uid,
                              {"usulan_kegiatan": [None, row["usulan_kegiatan"]], "total": [None, total]}))
        keputusan.append(_decision(region, uid, path[0], "buat", None, by_unit.get(path[0]), None,
                                   actor, created))
        for i, here in enumerate(path):
            when = _when(rng, year, here)
            actor = region.actors.get(level_of.get(here, 0), region.actors[0])
            unit, agency = by_unit.get(here), (pd_id if here in ("forum_pd",) else None)
            final = i == len(path) - 1
            decided = status if final else ("survei_selesai" if here == "rembuk_warga" else "diterima")
            if decided != "belum_dibahas":
                keputusan.append(_decision(region, uid, here, decided, REASONS.get(decided), unit, agency,
                                           actor, when))
                history.append(_audit(region, when, actor, f"usulan.{decided}", uid,
                                      {"status": ["belum_dibahas", decided]}, REASONS.get(decided)))
            if not final:
                later = when + timedelta(hours=1)
                keputusan.append(_decision(region, uid, here, "kirim", None, unit, agency, actor, later))
                history.append(_audit(region, later, actor, "usulan.kirim", uid,
                                      {"tahapan": [here, path[i + 1]]}))
    history.sort(key=lambda r: r["created_at"])
    for row, hid in zip(history, writer.ids("audit_entry", len(history))):
        row["id"] = hid
    for row, kid in zip(keputusan, writer.ids("keputusan", len(keputusan))):
        row["id"] = kid
    history = [{"id": r.pop("id"), **r} for r in history]
    keputusan = [{"id": r.pop("id"), **r} for r in keputusan]
    writer.write("usulan", usulan)
    writer.write("keputusan", keputusan)
    writer.write("audit_entry", link_history(writer, region.tenant_id, history))
    return {"usulan": len(usulan), "keputusan": len(keputusan), "audit_entry": len(history)}


def _audit(region, when, actor, action, uid, changes, reason=None) -> dict:
    return {"tenant_id": region.tenant_id, "created_at": when, "actor_id": actor[0],
            "actor_name": actor[1], "action": action, "object_type": "usulan", "object_id": uid,
            "reason": reason, "changes": changes}


def _decision(region, uid, stage, what, reason, unit, agency, actor, when) -> dict:
    return {"tenant_id": region.tenant_id, "usulan_id": uid, "tahapan": stage, "keputusan": what,
            "alasan": reason, "oleh_wilayah_id": unit, "oleh_perangkat_daerah_id": agency,
            "user_id": actor[0], "user_nama": actor[1], "created_at": when}


# ---- Kota Medan: the served region ---------------------------------------------------------

def medan(app, writer: Writer, rng: random.Random, per_cycle: int) -> dict:
    from sqlalchemy import select

    from eplanning_core.accounts.models import PerangkatDaerah, User
    from eplanning_core.demo.seed import seed_demo
    from eplanning_core.extensions import db
    from eplanning_core.kamus.models import KamusUsulan
    from eplanning_core.siklus.models import Siklus, Tahapan
    from eplanning_core.tenancy.context import current_tenant_id
    from eplanning_core.wilayah.models import Wilayah

    with app.app_context():
        seed_demo()
        tid = current_tenant_id()
        units = db.session.execute(select(Wilayah.id, Wilayah.kode, Wilayah.tingkat, Wilayah.parent_id)
                                   .where(Wilayah.tenant_id == tid)).all()
        agencies = dict(db.session.execute(select(PerangkatDaerah.kode, PerangkatDaerah.id)
                                           .where(PerangkatDaerah.tenant_id == tid)).all())
        users = {u.username: u for u in db.session.scalars(select(User).where(User.tenant_id == tid))}
        pd_kode = {v: k for k, v in agencies.items()}
        items = [(k.id, k.nama, k.bidang, k.satuan, k.harga_satuan, pd_kode.get(k.perangkat_daerah_id),
                  k.sub_kegiatan_kode) for k in db.session.scalars(
                      select(KamusUsulan).where(KamusUsulan.tenant_id == tid))]
        current = db.session.scalar(select(Siklus).where(Siklus.tenant_id == tid, Siklus.tahun == 2027))
        stages = db.session.scalars(select(Tahapan).where(Tahapan.siklus_id == current.id)).all()
        actors = {level: (users[name].id, users[name].nama) for level, name in
                  ((0, "admin"), (1, "kecamatan"), (2, "kelurahan"), (3, "lingkungan"))}
        dprd = [(u.id, u.dapil) for u in users.values() if u.role == "dprd"]
        stage_rows = [(t.kunci, t.urutan, t.nama, t.jenis, t.dibuka, t.ditutup, t.pemasukan_ditutup)
                      for t in stages]
        current_id = current.id
        db.session.remove()
        db.engine.dispose()
    region = _region_from_units(tid, "MDN", units, agencies, actors, items, dprd)
    writer.bulk_mode()  # the app's own seeding is done: from here on, only this connection writes
    counts = defaultdict(int)
    for year in PAST_YEARS:
        shift = year - 2027
        (siklus_id,) = writer.ids("siklus", 1)
        writer.write("siklus", [{"id": siklus_id, "tenant_id": tid, "tahun": year, "nama": f"RKPD {year}",
                                 "status": "rkpd_ditetapkan", "rkpd_ditetapkan_at": datetime(year - 1, 6, 1),
                                 "created_at": datetime(year - 2, 12, 1), "version": 1}])
        writer.write("tahapan", [
            {"id": tid_, "tenant_id": tid, "siklus_id": siklus_id, "kunci": k, "urutan": u, "nama": nm,
             "jenis": j, "dibuka": _shift(a, shift), "ditutup": _shift(b, shift),
             "pemasukan_ditutup": _shift(p, shift) if p else None, "version": 1}
            for tid_, (k, u, nm, j, a, b, p) in zip(writer.ids("tahapan", len(stage_rows)), stage_rows)])
        for k, v in proposals(writer, region, siklus_id, year, per_cycle, finished=True, rng=rng).items():
            counts[k] += v
    for k, v in proposals(writer, region, current_id, 2027, per_cycle, finished=False, rng=rng,
                          pokir_share=0.05).items():
        counts[k] += v
    writer.raw.commit()
    return dict(counts)


def _shift(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def _region_from_units(tid, prefix, units, agencies, actors, items, dprd=None) -> Region:
    lingkungan = [(i, k) for i, k, t, _ in units if t == 3]
    parent = {i: p for i, _, _, p in units}
    desa_of = {i: parent[i] for i, _ in lingkungan}
    kec_of = {i: p for i, _, t, p in units if t == 2}
    return Region(tid, prefix, lingkungan, desa_of, kec_of, agencies, actors, items, dprd)


# ---- the other regions of the deployment ---------------------------------------------------

def read_national(only_province: str | None) -> dict[str, dict]:
    """kab/kota code -> its name, kecamatan and desa, from the national list, read in place."""
    regions: dict[str, dict] = {}
    with common.WILAYAH_CSV.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            kode, tingkat = row["kode"], row["tingkat"]
            if tingkat == "provinsi":
                continue
            if only_province and not kode.startswith(only_province + "."):
                continue
            key = ".".join(kode.split(".")[:2])
            region = regions.setdefault(key, {"nama": None, "units": []})
            if tingkat == "kabupaten_kota":
                region["nama"] = row["nama"]
            else:
                region["units"].append((kode, row["nama"], 1 if tingkat == "kecamatan" else 2))
    return regions


def other_region(writer: Writer, kode: str, info: dict, password_hash: str, rng: random.Random) -> dict:
    (tid,) = writer.ids("tenant", 1)
    writer.write("tenant", [{"id": tid, "slug": "bench-" + kode.replace(".", "-"), "kode": kode,
                             "nama": info["nama"], "created_at": datetime(2026, 1, 1)}])
    units = sorted(info["units"])
    desa = [u for u in units if u[2] == 2]
    unit_ids = dict(zip([u[0] for u in units], writer.ids("wilayah", len(units))))
    rows = []
    for ukode, nama, tingkat in units:
        parent = ".".join(ukode.split(".")[:3]) if tingkat == 2 else None
        jenis = (("kelurahan" if ukode.split(".")[-1].startswith("1") else "desa") if tingkat == 2 else None)
        rows.append({"id": unit_ids[ukode], "tenant_id": tid, "kode": ukode, "nama": nama, "tingkat": tingkat,
                     "jenis": jenis, "parent_id": unit_ids.get(parent), "version": 1})
    dusun = []
    dusun_ids = writer.ids("wilayah", 2 * len(desa))
    for n, (dkode, _, _) in enumerate(desa):
        for j in (0, 1):
            did = dusun_ids[2 * n + j]
            dusun.append({"id": did, "tenant_id": tid, "kode": f"{dkode}.0{j + 1}", "nama": f"Dusun {'I' * (j + 1)}",
                          "tingkat": 3, "jenis": None, "parent_id": unit_ids[dkode], "version": 1})
    # a desa whose kecamatan is missing from the list would break the parent rule: drop it
    rows = [r for r in rows if r["tingkat"] == 1 or r["parent_id"] is not None]
    kept = {r["id"] for r in rows}
    dusun = [d for d in dusun if d["parent_id"] in kept]
    writer.write("wilayah", rows + dusun)
    agency_ids = dict(zip([a[0] for a in AGENCIES], writer.ids("perangkat_daerah", len(AGENCIES))))
    writer.write("perangkat_daerah", [{"id": agency_ids[k], "tenant_id": tid, "kode": k, "nama": n,
                                       "singkatan": s, "aktif": True, "version": 1} for k, n, s in AGENCIES])
    kecamatan = [r for r in rows if r["tingkat"] == 1]
    user_ids = writer.ids("user_account", 1 + len(kecamatan))
    users = [{"id": user_ids[0], "tenant_id": tid, "username": "admin", "nama": "Admin Bappeda",
              "role": "bappeda", "wilayah_id": None}]
    users += [{"id": uid, "tenant_id": tid, "username": f"kec-{r['kode']}", "nama": f"Operator {r['nama']}",
               "role": "operator", "wilayah_id": r["id"]} for uid, r in zip(user_ids[1:], kecamatan)]
    for u in users:
        u.update({"email": None, "password_hash": password_hash, "perangkat_daerah_id": None, "dapil": None,
                  "aktif": True, "created_at": datetime(2026, 1, 1), "last_login_at": None, "version": 1})
    writer.write("user_account", users)
    (siklus_id,) = writer.ids("siklus", 1)
    writer.write("siklus", [{"id": siklus_id, "tenant_id": tid, "tahun": OTHER_YEAR, "nama": f"RKPD {OTHER_YEAR}",
                             "status": "berjalan", "rkpd_ditetapkan_at": None,
                             "created_at": datetime(2026, 1, 1), "version": 1}])
    writer.write("tahapan", [
        {"id": sid, "tenant_id": tid, "siklus_id": siklus_id, "kunci": k, "urutan": n, "nama": k, "jenis": k,
         "dibuka": datetime(2026, 1, 1), "ditutup": datetime(2026, 12, 31), "pemasukan_ditutup": None,
         "version": 1}
        for n, (sid, k) in enumerate(zip(writer.ids("tahapan", len(STAGES)), STAGES), start=1)])
    first_kec = (users[1]["id"], users[1]["nama"]) if len(users) > 1 else (users[0]["id"], users[0]["nama"])
    actors = {0: (users[0]["id"], "Admin Bappeda"), 1: first_kec, 2: first_kec, 3: first_kec}
    items = [(None, n, b, s, h, pd, None) for n, b, s, h, pd in GENERIC_ITEMS]
    unit_rows = [(r["id"], r["kode"], r["tingkat"], r["parent_id"]) for r in rows + dusun]
    region = _region_from_units(tid, "W" + kode.replace(".", ""), unit_rows, agency_ids, actors, items)
    n = PER_DESA * len(dusun) // 2
    counts = {"wilayah": len(rows) + len(dusun)}
    if region.lingkungan:
        counts.update(proposals(writer, region, siklus_id, OTHER_YEAR, n, finished=False, rng=rng))
    writer.raw.commit()
    return counts


# ---- main ----------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scale", choices=common.SCALES)
    parser.add_argument("--database", help="database name or URL (default: eplanning_bench_<scale>)")
    parser.add_argument("--reset", action="store_true", help="drop and rebuild the database")
    parser.add_argument("--per-cycle", type=int, default=PER_CYCLE, help="Medan proposals per cycle")
    parser.add_argument("--max-regions", type=int, default=0, help="other regions: stop after N (0: all)")
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args(argv)

    url = common.database_url(args.database or args.scale)
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        common.create_database(parsed.database, reset=args.reset)
    started = time.perf_counter()
    timings: dict = {}
    from flask_migrate import upgrade

    from eplanning_core.extensions import db

    app = common.make_app(url)
    with common.timed("migrations", timings), app.app_context():
        upgrade()
        db.engine.dispose()
    rng = random.Random(args.seed)
    with app.app_context():
        writer = Writer(db.engine)
    totals: dict = defaultdict(int)
    with common.timed("medan (demo seed + 3 cycles)", timings):
        for k, v in medan(app, writer, rng, args.per_cycle).items():
            totals[k] += v
    if args.scale != "city":
        from werkzeug.security import generate_password_hash

        password_hash = generate_password_hash(common.DEMO_PASSWORD)
        regions = read_national(PROVINCE if args.scale == "province" else None)
        regions.pop("12.71", None)  # Medan is the served region, built above
        names = sorted(regions)[: args.max_regions or None]
        with common.timed(f"{len(names)} other regions", timings):
            for n, kode in enumerate(names, start=1):
                for k, v in other_region(writer, kode, regions[kode], password_hash, rng).items():
                    totals[k] += v
                if n % 25 == 0 or n == len(names):
                    print(f"    {n}/{len(names)} regions, {totals['usulan']:,} proposals, "
                          f"{time.perf_counter() - started:.0f} s", flush=True)
    with common.timed("sequences and VACUUM (ANALYZE)", timings):
        writer.finish()
    seconds = time.perf_counter() - started
    print(f"{args.scale}: {dict(totals)} in {seconds:.0f} s -> {url}")
    common.save_result(f"generate-{args.scale}", {"database": parsed.database, "seconds": round(seconds, 1),
                                                  "rows": dict(totals), "timings": timings,
                                                  "history_linked": _find_linker() is not None})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
