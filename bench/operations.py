"""Bulk operations at city scale, each timed through the app's own operation (one transaction):

    .venv/bin/python bench/operations.py            # all, in order, on a fresh scratch database
    .venv/bin/python bench/operations.py send       # only up to: send 20,000 up (Musrenbang RKPD)
    .venv/bin/python bench/operations.py bulk -n 5000   # only: accept 5,000 at once from the work list

1. send-up: Bappeda sends the 20,000 accepted proposals of the Musrenbang RKPD on to the
   Penetapan (siklus.rkpd.send_all: every agency's batch, its history, one transaction);
2. closing: setting the RKPD (siklus.rkpd.tetapkan) moves them to budgeting and locks the cycle;
3. RKPD export of the 20,000 lines as CSV, JSON and Excel (budgeting.export);
4. budget import of a 20,000-line APBD file naming those proposals (budgeting.importer).

``bulk`` is its own scenario (issue 14, point 2): the proposals wait undecided at the
Musrenbang Kelurahan instead, and Bappeda accepts all of them from the work list's "select
all N matching this filter" (usulan.bulk_actions.apply: the engine per item, one transaction
through the one writer, a history entry each); its time and SQL statement count are reported.

The scratch database (eplanning_bench_ops) is rebuilt on every run: the Medan demo, then a
new cycle RKPD 2028 with every window open and 20,000 proposals accepted at the Musrenbang RKPD.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import generate  # noqa: E402

DATABASE = "eplanning_bench_ops"
YEAR = 2028
TARGETS_S = {"send_up": 3.0, "close_stage": 3.0, "rkpd_export_csv": 5.0, "rkpd_export_json": 5.0,
             "rkpd_export_xlsx": 5.0, "budget_import": 10.0, "bulk_accept": 2.0}


def prepare(app, n: int, at: tuple[str, str] = ("musrenbang_rkpd", "diterima")) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from eplanning_core.accounts.models import PerangkatDaerah, User
    from eplanning_core.demo.scenario import open_windows
    from eplanning_core.demo.seed import seed_demo
    from eplanning_core.extensions import db
    from eplanning_core.kamus.models import KamusUsulan
    from eplanning_core.usulan.engine_adapter import local_now
    from eplanning_core.siklus.operations import open_cycle
    from eplanning_core.wilayah.models import Wilayah

    with app.app_context():
        upgrade()
        seed_demo()
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        tid = admin.tenant_id
        result = open_cycle(tid, admin, YEAR)
        if not result.ok:
            raise SystemExit(f"opening RKPD {YEAR} refused: {result.errors}")
        open_windows(result.obj, admin, local_now(), every=True)
        siklus_id = result.obj.id
        units = db.session.execute(select(Wilayah.id, Wilayah.kode, Wilayah.tingkat, Wilayah.parent_id)
                                   .where(Wilayah.tenant_id == tid)).all()
        agencies = dict(db.session.execute(select(PerangkatDaerah.kode, PerangkatDaerah.id)
                                           .where(PerangkatDaerah.tenant_id == tid)).all())
        pd_kode = {v: k for k, v in agencies.items()}
        items = [(k.id, k.nama, k.bidang, k.satuan, k.harga_satuan, pd_kode.get(k.perangkat_daerah_id),
                  k.sub_kegiatan_kode) for k in db.session.scalars(
                      select(KamusUsulan).where(KamusUsulan.tenant_id == tid))
                 if k.perangkat_daerah_id and k.sub_kegiatan_kode]
        actors = {level: (admin.id, admin.nama) for level in range(4)}
        db.session.commit()
        writer = generate.Writer(db.engine)
        region = generate._region_from_units(tid, "MDN", units, agencies, actors, items)
        generate.proposals(writer, region, siklus_id, YEAR, n, finished=False, rng=random.Random(1),
                           at=at)
        writer.finish()
        db.session.remove()


def measure(app, steps: list[str]) -> dict:
    from sqlalchemy import select

    from eplanning_core.accounts.models import User
    from eplanning_core.budgeting import export, importer
    from eplanning_core.extensions import db
    from eplanning_core.siklus import rkpd
    from eplanning_core.siklus.models import Siklus

    out: dict = {}

    def timed(name, fn):
        started = time.perf_counter()
        value = fn()
        out[name] = round(time.perf_counter() - started, 3)
        print(f"  {name}: {out[name]:.2f} s (target < {TARGETS_S[name]:.0f} s)", flush=True)
        return value

    with app.test_request_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        siklus = db.session.scalar(select(Siklus).where(Siklus.tahun == YEAR))
        plan = timed("send_up", lambda: rkpd.send_all(siklus, "musrenbang_rkpd", admin))
        if not plan.ok:
            raise SystemExit(f"send-up refused: {plan.refusals[:3]} stale={plan.stale} empty={plan.empty}")
        out["send_up_count"] = plan.count
        if steps == ["send"]:
            return out
        siklus = db.session.get(Siklus, siklus.id)
        closed = timed("close_stage", lambda: rkpd.tetapkan(siklus, admin))
        if not closed.ok:
            raise SystemExit(f"setting the RKPD refused: {closed.refusals[:3]}")
        siklus = db.session.get(Siklus, siklus.id)
        plan = export.rkpd(siklus)
        for fmt, writer in (("csv", export.csv_bytes), ("json", export.json_bytes), ("xlsx", export.excel_bytes)):
            data = timed(f"rkpd_export_{fmt}", lambda writer=writer: writer(export.rkpd(siklus)))
            out[f"rkpd_export_{fmt}_bytes"] = len(data)
        lines = [export.flat(line) for line in plan.lines] if hasattr(plan, "lines") else []
        out["rkpd_lines"] = len(lines)
        buffer = io.StringIO()
        table = csv.writer(buffer)
        table.writerow(importer.COLUMNS)
        for n, line in enumerate(lines, start=1):
            table.writerow([f"APBD-{YEAR}-{n:06d}", line["kode_lacak"], line["perangkat_daerah_kode"],
                            line.get("sub_kegiatan_kode") or "1.03.10.2.01.0005",
                            f"Belanja {line['kode_lacak']}", int(line.get("pagu") or 1_000_000)])
        data = buffer.getvalue().encode()
        result = timed("budget_import", lambda: importer.import_file(siklus, admin, data, "apbd.csv"))
        if not result.ok:
            raise SystemExit(f"budget import refused: {getattr(result, 'problems', [])[:3]}")
        out["budget_import_lines"] = len(lines)
    return out


def measure_bulk(app) -> dict:
    """Bappeda accepts every undecided proposal of the Musrenbang Kelurahan at once."""
    from flask_login import login_user
    from sqlalchemy import event, select

    from eplanning_core.accounts.models import User
    from eplanning_core.extensions import db
    from eplanning_core.siklus.models import Siklus
    from eplanning_core.usulan import bulk_actions
    from eplanning_core.usulan.engine_adapter import cycle_for

    out: dict = {}
    with app.test_request_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        login_user(admin)
        siklus = db.session.scalar(select(Siklus).where(Siklus.tahun == YEAR))
        stage = "musrenbang_kelurahan"
        action = bulk_actions.action_spec(cycle_for(siklus), stage, "diterima")
        selection = bulk_actions.Selection(filter={"tahapan": stage, "status": "belum_dibahas"}, all_matching=True)
        statements: list[str] = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)
        event.listen(db.engine, "before_cursor_execute", count)
        started = time.perf_counter()
        done = bulk_actions.apply(siklus, admin, stage, action, selection)
        out["bulk_accept"] = round(time.perf_counter() - started, 3)
        event.remove(db.engine, "before_cursor_execute", count)
        if done.error or done.refused_count:
            raise SystemExit(f"bulk accept refused: {done.error} {[(g.message, g.count) for g in done.refused][:3]}")
        out["bulk_accept_count"] = done.done_count
        out["bulk_accept_statements"] = len(statements)
        print(f"  bulk_accept: {out['bulk_accept']:.2f} s for {done.done_count} proposals, "
              f"{len(statements)} SQL statements (target < {TARGETS_S['bulk_accept']:.0f} s)", flush=True)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("steps", nargs="*", default=[],
                        help="'send' to stop after the send-up; 'bulk' for the bulk accept only")
    parser.add_argument("-n", type=int, default=20_000, help="proposals (default 20,000)")
    args = parser.parse_args(argv)
    common.create_database(DATABASE, reset=True)
    app = common.make_app(common.database_url(DATABASE))
    bulk = args.steps == ["bulk"]
    with common.timed("prepare (demo + proposals)"):
        prepare(app, args.n, ("musrenbang_kelurahan", "belum_dibahas") if bulk else ("musrenbang_rkpd", "diterima"))
    figures = measure_bulk(app) if bulk else measure(app, args.steps)
    figures["met"] = {k: figures[k] < v for k, v in TARGETS_S.items() if k in figures}
    common.save_result("operations-bulk" if bulk else "operations",
                       {"database": DATABASE, "proposals": args.n, "seconds": figures})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
