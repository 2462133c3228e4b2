"""Bulk writes (bulkwrite.py) store exactly what they were given: every character of a
reason typed by a person, NULLs, numbers and times, and refuse what the column refuses."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from support.acting import create_proposal

from eplanning_core import bulkwrite
from eplanning_core.extensions import db
from eplanning_core.usulan.models import Keputusan, Usulan

HOSTILE = ['a "quoted" reason', "back\\slash \\\" both", "{braces},{and,commas}", "NULL", "null", "",
           "line\nbreak\ttab", "emoji 🏗️ and 中文 and ümlaut", "'single' -- comment; DROP TABLE x", None,
           " leading and trailing spaces ", "\\N", '{"json": [1, 2]}']


def test_every_hostile_reason_comes_back_as_it_was_written(siklus, region):
    usulan = create_proposal(siklus, region)
    at = datetime(2026, 2, 5, 2, 30)  # naive UTC, as the app stores every time
    rows = [{"tenant_id": usulan.tenant_id, "usulan_id": usulan.id, "tahapan": "rembuk_warga",
             "keputusan": "ditolak", "alasan": text, "user_nama": f"Operator {n}",
             "oleh_wilayah_id": None if n % 2 else usulan.lokasi_wilayah_id, "created_at": at}
            for n, text in enumerate(HOSTILE)]
    assert bulkwrite.insert_rows(Keputusan.__table__, rows) == len(HOSTILE)
    db.session.commit()
    stored = db.session.execute(select(Keputusan.alasan, Keputusan.oleh_wilayah_id, Keputusan.created_at)
                                .where(Keputusan.usulan_id == usulan.id, Keputusan.keputusan == "ditolak")
                                .order_by(Keputusan.id)).all()
    assert [r[0] for r in stored] == HOSTILE
    assert [r[1] for r in stored] == [row["oleh_wilayah_id"] for row in rows]
    assert {r[2] for r in stored} == {at}


def test_a_version_checked_update_counts_only_the_rows_that_matched(siklus, region):
    first, second = create_proposal(siklus, region), create_proposal(siklus, region)
    rows = [{"id": first.id, "version": first.version, "alasan": 'Sudah "dibangun"'},
            {"id": second.id, "version": second.version + 7, "alasan": "stale"}]
    assert bulkwrite.update_rows(Usulan.__table__, ("id", "version"), rows,
                                 also={"version": Usulan.__table__.c.version + 1}) == 1
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Usulan, first.id).alasan == 'Sudah "dibangun"'
    assert db.session.get(Usulan, second.id).alasan is None


def test_a_value_too_long_for_its_column_is_refused_not_cut(siklus, region, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite does not enforce VARCHAR lengths")
    usulan = create_proposal(siklus, region)
    row = {"tenant_id": usulan.tenant_id, "usulan_id": usulan.id, "tahapan": "rembuk_warga",
           "keputusan": "x" * 41, "alasan": None, "user_nama": "Operator"}
    with pytest.raises(DBAPIError):
        bulkwrite.insert_rows(Keputusan.__table__, [row, dict(row, keputusan="kirim")])
    db.session.rollback()
