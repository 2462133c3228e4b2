"""Tracking codes are numbered per region and year (issue 13, point 7).

The finding: one counter served every region, so the second region's first proposal was
AGM-2027-000142 and told Agam that Medan had 141. Now each region's first code of a year is
000001, whatever the others hold, and concurrent creates never share a number.
"""

from __future__ import annotations

import threading

import pytest
from support.apps import empty_all_tables, make_app
from support.env import TENANTS_DIR

from eplanning_core.accounts.models import User
from eplanning_core.extensions import db
from eplanning_core.siklus.operations import open_cycle
from eplanning_core.tenancy.context import current_tenant_id, use_tenant
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.tracking import TrackingCounter, highest_existing, next_code
from eplanning_core.wilayah.importer import import_files
from eplanning_core.wilayah.models import Wilayah

HOSTS = {"eplanning.medan.test": "medan", "eplanning.agam.test": "agam"}


@pytest.fixture
def app(database_url, app_database_url, tmp_path):
    """The conftest app, serving Medan and Agam (as a deployment of several regions does)."""
    overrides = {"MIGRATE_DATABASE_URL": database_url} if app_database_url != database_url else {}
    app = make_app(app_database_url, TENANT_HOSTS=HOSTS, TENANT="medan", **overrides)
    app.instance_path = str(tmp_path)
    with app.app_context(), use_tenant("medan"):
        yield app
        db.session.remove()
        empty_all_tables(database_url if app_database_url != database_url else None)
        db.engine.dispose()


ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang", "usulan_kegiatan": "Pengaspalan gang",
        "volume": "10", "satuan": "m", "harga_satuan": "450.000", "jalan": "Gang Damai",
        "pengusul_nama": "Siti Aminah"}


def _medan_proposal(siklus, region):
    outcome = ops.create(siklus, "rembuk_warga", region["users"]["ling1"],
                         dict(ROAD, lokasi_wilayah_id=region["units"]["12.71.01.1001.01"].id))
    assert outcome.ok, (outcome.errors, outcome.refusal)
    return outcome.usulan.kode_lacak


def _agam_proposal(clock, password_hash) -> str:
    """Agam's first proposal: its nagari operator adds one in the Musrenbang Nagari."""
    with use_tenant("agam"):
        tid = current_tenant_id()
        import_files(tid, "13.06", TENANTS_DIR / "agam" / "wilayah.csv", None)
        nagari = db.session.scalar(db.select(Wilayah).where(Wilayah.tenant_id == tid,
                                                            Wilayah.kode == "13.06.01.2001"))
        admin = User(tenant_id=tid, username="admin", nama="Admin Agam", role="bappeda",
                     password_hash=password_hash, aktif=True)
        operator = User(tenant_id=tid, username="nagari", nama="Operator Nagari", role="operator",
                        wilayah_id=nagari.id, password_hash=password_hash, aktif=True)
        db.session.add_all([admin, operator])
        db.session.commit()
        siklus = open_cycle(tid, admin, 2027).obj
        clock.set_local("2026-02-05T09:00")  # the nagari Musrenbang
        outcome = ops.create(siklus, "musrenbang_nagari", operator, dict(ROAD, lokasi_wilayah_id=nagari.id))
        assert outcome.ok, (outcome.errors, outcome.refusal)
        return outcome.usulan.kode_lacak


def test_a_second_regions_first_proposal_is_its_own_number_one(app, region, siklus, clock, password_hash):
    medan = [_medan_proposal(siklus, region) for _ in range(3)]
    assert medan == ["MDN-2027-000001", "MDN-2027-000002", "MDN-2027-000003"]
    # Before: AGM-2027-000004, telling Agam how many proposals Medan has.
    assert _agam_proposal(clock, password_hash) == "AGM-2027-000001"
    with use_tenant("medan"):
        clock.set_local("2026-01-20T10:00")
        assert _medan_proposal(siklus, region) == "MDN-2027-000004"


def test_numbers_continue_after_codes_entered_before_the_counter(app, region, siklus):
    """Existing codes are never reused: the first number of a year follows the highest one."""
    first = _medan_proposal(siklus, region)
    db.session.execute(db.delete(TrackingCounter))  # as before migration 0008
    db.session.commit()
    assert highest_existing(current_tenant_id(), 2027, "MDN") == int(first[-6:])
    assert _medan_proposal(siklus, region) == "MDN-2027-000002"


def test_a_rolled_back_create_gives_its_number_back(app, region, siklus):
    tid = current_tenant_id()
    assert next_code(tid, 2027, "MDN") == "MDN-2027-000001"
    db.session.rollback()
    assert next_code(tid, 2027, "MDN") == "MDN-2027-000001"
    db.session.commit()
    assert next_code(tid, 2028, "MDN") == "MDN-2028-000001"  # and per year
    db.session.commit()


def test_concurrent_creates_get_distinct_codes(app, region, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time; concurrency is PostgreSQL's case")
    threads_n = 8
    barrier, codes, errors = threading.Barrier(threads_n), [], []

    def worker():
        try:
            with app.app_context(), use_tenant("medan"):
                barrier.wait()
                codes.append(next_code(current_tenant_id(), 2027, "MDN"))
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # reported below, with the thread's error
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(codes) == [f"MDN-2027-{n:06d}" for n in range(1, threads_n + 1)]
