"""The one writer of a proposal's state (usulan.transitions): a bulk call is one transaction,
a refused item is reported with its rule and changes nothing, every other item is written
with its decision record and one history entry; and no other module writes those columns."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

import eplanning_core
from eplanning_core.audit.models import AuditEntry
from eplanning_core.extensions import db
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan import transitions
from eplanning_core.usulan.models import Keputusan, Pengiriman, Usulan

STAGE = "musrenbang_kecamatan"


def _values(region, n):
    return {"bidang": "fisik_prasarana", "permasalahan": f"Masalah {n}", "usulan_kegiatan": f"Kegiatan {n}",
            "volume": "1", "satuan": "paket", "harga_satuan": str((n + 1) * 1_000_000),
            "lokasi_wilayah_id": region["units"]["12.71.01.1001"].id}


@pytest.fixture
def items(siklus, region, clock):
    """Five undecided proposals at Medan Kota's Musrenbang Kecamatan."""
    clock.set_local("2026-02-20T09:00")
    made = [ops.create(siklus, STAGE, region["users"]["kec1"], _values(region, n)) for n in range(5)]
    assert all(o.ok for o in made), [(o.errors, o.refusal) for o in made]
    return [o.usulan.id for o in made]


@contextmanager
def commits():
    """Counts the database transactions committed inside the block."""
    engine = db.engine
    seen = []

    def on_commit(_conn):
        seen.append(1)

    event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "commit", on_commit)


class _Seen:
    def __init__(self, usulan):
        for name in ("status", "version", "alasan", "tahapan", "tertutup"):
            setattr(self, name, getattr(usulan, name))


def _rows(ids):
    """What the database holds now, copied (not live ORM objects)."""
    db.session.expire_all()
    return {u.id: _Seen(u) for u in db.session.scalars(select(Usulan).where(Usulan.id.in_(ids)))}


def _history(ids, action):
    return db.session.execute(select(AuditEntry.object_id, func.count()).where(
        AuditEntry.object_type == "usulan", AuditEntry.action == action, AuditEntry.object_id.in_(ids))
        .group_by(AuditEntry.object_id)).all()


def _decisions(ids, kind):
    return db.session.scalar(select(func.count()).select_from(Keputusan).where(
        Keputusan.usulan_id.in_(ids), Keputusan.keputusan == kind))


def test_a_bulk_call_writes_every_item_but_the_refused_one_in_one_transaction(siklus, region, items):
    kec1 = region["users"]["kec1"]
    before = _rows(items)
    refused_id, others = items[2], [i for i in items if i != items[2]]
    steps = [transitions.Step(i, "ditolak" if i == refused_id else "diterima", before[i].version)
             for i in items]  # the rejection lacks its reason: the engine refuses that one item
    with commits() as seen:
        written = transitions.decide(siklus, kec1, STAGE, steps)
    assert len(seen) == 1
    assert [(r.usulan_id, r.rule) for r in written.refused] == [(refused_id, "reason_required")]
    assert sorted(written.changed) == sorted(others)

    after = _rows(items)
    refused = after[refused_id]
    assert (refused.status, refused.version, refused.alasan) == ("belum_dibahas", before[refused_id].version, None)
    for ident in others:
        assert (after[ident].status, after[ident].version) == ("diterima", before[ident].version + 1)
    assert sorted(_history(items, "usulan.diterima")) == [(i, 1) for i in sorted(others)]
    assert _history([refused_id], "usulan.ditolak") == []
    assert _decisions(items, "diterima") == len(others) and _decisions(items, "ditolak") == 0


def test_all_or_nothing_writes_nothing_and_names_every_refused_item(siklus, region, items):
    kec1 = region["users"]["kec1"]
    before = _rows(items)
    stale_id, rejected_id = items[0], items[4]
    steps = [transitions.Step(i, "ditolak" if i == rejected_id else "diterima",
                              before[i].version - 1 if i == stale_id else before[i].version) for i in items]
    written = transitions.decide(siklus, kec1, STAGE, steps, all_or_nothing=True)
    assert not written.ok and written.changed == []
    assert {(r.usulan_id, r.rule) for r in written.refused} == {(stale_id, "stale"),
                                                                 (rejected_id, "reason_required")}
    after = _rows(items)
    assert all((after[i].status, after[i].version) == ("belum_dibahas", before[i].version) for i in items)
    assert _history(items, "usulan.diterima") == [] and _decisions(items, "diterima") == 0


def test_an_item_of_another_cycle_or_unknown_is_missing_and_changes_nothing(siklus, region, items):
    kec1 = region["users"]["kec1"]
    version = _rows(items)[items[0]].version
    written = transitions.decide(siklus, kec1, STAGE, [transitions.Step(items[0], "diterima", version),
                                                       transitions.Step(10 ** 9, "diterima", 1)])
    assert [(r.usulan_id, r.rule) for r in written.refused] == [(10 ** 9, "missing")]
    assert written.changed == [items[0]] and _rows(items)[items[0]].status == "diterima"


def test_a_version_moved_between_reading_and_writing_writes_nothing(siklus, region, items):
    """The compare-and-set is the last word: a batch read at old versions is not written."""
    kec1, pu = region["users"]["kec1"], region["agencies"]["pu"]
    for ident in items:
        for action, kw in (("rute", {"inputs": {"agency_id": pu.id}}),
                           ("ditolak", {"reason": "Bukan prioritas tahun ini"}) if ident == items[4] else ("diterima", {})):
            usulan = db.session.get(Usulan, ident)
            outcome = ops.act(usulan, kec1, action, expected_version=usulan.version, stage_key=STAGE, **kw)
            assert outcome.ok, outcome.refusal
    from eplanning_core import workflow
    from eplanning_core.usulan.engine_adapter import STATE_COLUMNS, actor_for, cycle_for, now_utc, state_of

    rows = db.session.execute(select(*STATE_COLUMNS).where(Usulan.id.in_(items))).all()
    batch = workflow.send(cycle_for(siklus), STAGE, "12.71.01", [state_of(r) for r in rows], actor_for(kec1), now_utc())
    assert len(batch.forwarded) == 4 and len(batch.kept) == 1
    versions = {r.id: r.version for r in rows}
    versions[items[1]] -= 1                     # as if another request changed it after the read
    assert not transitions.send_batches(siklus, kec1, [batch], versions)
    db.session.rollback()
    after = _rows(items)
    assert {after[i].tahapan for i in items} == {STAGE} and not any(after[i].tertutup for i in items)
    assert db.session.scalar(select(func.count()).select_from(Pengiriman)) == 0


def test_only_the_writer_writes_the_state_columns():
    """No other module updates proposals: every UPDATE of the usulan table is in usulan/transitions.py."""
    root = Path(eplanning_core.__file__).parent
    writes = re.compile(r"update\(\s*Usulan\b|Usulan\.__table__|compare_and_set\(\s*Usulan|insert\(\s*Usulan\b")
    found = sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if writes.search(p.read_text("utf-8")))
    assert found == ["usulan/transitions.py"]
