"""The tamper-evident history: every entry chained per region, a verifier that names the first
entry edited, deleted, inserted or moved, checkpoints anyone can keep, and on PostgreSQL
a trigger that refuses UPDATE, DELETE and TRUNCATE of the history."""

from __future__ import annotations

import csv
import io
import json
import threading
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from eplanning_core.audit import chain
from eplanning_core.audit.models import AuditChainHead, AuditCheckpoint, AuditEntry
from eplanning_core.audit.operations import history_row, record, record_rows
from eplanning_core.extensions import db


def _make_history(region, singles: int = 4, bulk: int = 30) -> int:
    """Single entries in their own transactions, then one transaction mixing single and bulk."""
    admin = region["users"]["admin"]
    tid = admin.tenant_id
    for n in range(singles):
        record(tenant_id=tid, actor=admin, action="uji.ubah", obj=admin, changes={"n": [n, n + 1]},
               reason=f"alasan {n}")
        db.session.commit()
    record(tenant_id=tid, actor=admin, action="uji.mulai", obj=admin)
    record_rows(tid, [history_row(admin, "uji.massal", "user_account", admin.id,
                                  changes={"total": [Decimal("1500000.50"), n]}) for n in range(bulk)])
    record(tenant_id=tid, actor=admin, action="uji.selesai", obj=admin, changes={"at": [None, datetime(2026, 1, 1)]})
    db.session.commit()
    return singles + bulk + 2


def _entries(tid) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.tenant_id == tid).order_by(AuditEntry.seq)))


def _verify(runner, *args):
    return runner.invoke(args=["audit", "verify", *args])


_OWNER: dict = {}


@pytest.fixture(autouse=True)
def _owner_url(database_url):
    """The owner's URL (the `app` fixture may connect as the application role)."""
    _OWNER["url"] = database_url
    yield
    _OWNER.clear()


def _as_owner():
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    return create_engine(_OWNER["url"], poolclass=NullPool)


def _tamper(statement: str, **params) -> None:
    """What a DBA could do with raw SQL: on PostgreSQL as superuser with triggers off."""
    db.session.commit()
    engine = _as_owner()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(statement), params)
    engine.dispose()


# ---- a chain that holds ---------------------------------------------------------------------

def test_single_and_bulk_writes_form_one_chain_that_verifies(app, region, runner):
    tid = region["users"]["admin"].tenant_id
    before = len(_entries(tid))  # the region's set-up (its units' import)
    count = before + _make_history(region)
    entries = _entries(tid)
    assert [e.seq for e in entries] == list(range(1, count + 1))
    assert entries[0].prev_hash == chain.GENESIS
    assert all(b.prev_hash == a.entry_hash for a, b in zip(entries, entries[1:]))
    # In call order: the bulk rows sit between the two single entries of their transaction.
    mine = entries[before:]
    assert [mine[4].action, mine[5].action, mine[-1].action] == ["uji.mulai", "uji.massal", "uji.selesai"]
    # Amounts and times are stored as strings, as they are hashed.
    assert mine[5].changes == {"total": ["1500000.50", 0]}
    assert entries[-1].changes == {"at": [None, "2026-01-01T00:00:00.000000Z"]}
    head = db.session.get(AuditChainHead, tid)
    assert (head.seq, head.entry_hash) == (count, entries[-1].entry_hash)
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert f"medan: OK: {count} entries, head {entries[-1].entry_hash}" in result.output


def test_a_rolled_back_change_leaves_no_gap_in_the_chain(app, region, runner):
    admin = region["users"]["admin"]
    _make_history(region, singles=2, bulk=3)
    record(tenant_id=admin.tenant_id, actor=admin, action="uji.batal", obj=admin)
    record_rows(admin.tenant_id, [history_row(admin, "uji.batal", "user_account", admin.id)])
    db.session.flush()
    db.session.rollback()
    record(tenant_id=admin.tenant_id, actor=admin, action="uji.jadi", obj=admin)
    db.session.commit()
    entries = _entries(admin.tenant_id)
    assert [e.action for e in entries[-2:]] == ["uji.selesai", "uji.jadi"]
    assert _verify(runner).exit_code == 0


def test_link_is_the_documented_canonical_json_and_continues_a_head():
    rows = [{"tenant_id": 7, "created_at": datetime(2026, 3, 1, 2, 3, 4, 5), "actor_id": None,
             "actor_name": "Siti Ä", "action": "a", "object_type": "o", "object_id": n,
             "reason": None, "changes": {"b": [1, "x"], "a": [None, True]}} for n in range(3)]
    head = chain.link(rows[:1])
    assert chain.link(rows[1:], head) == (3, rows[2]["entry_hash"])
    for row in rows:
        content = {k: row[k] for k in chain.FIELDS}
        content["created_at"] = "2026-03-01T02:03:04.000005Z"
        expected = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
        assert chain.canonical(row) == expected
        assert row["entry_hash"] == __import__("hashlib").sha256(expected).hexdigest()
    assert chain.first_break([dict(r, id=i) for i, r in enumerate(rows, 1)]).problem is None


# ---- tampering, named -----------------------------------------------------------------------

@pytest.fixture
def history(app, region):
    _make_history(region, singles=4, bulk=6)
    tid = region["users"]["admin"].tenant_id
    return tid, {e.seq: e.id for e in _entries(tid)}


def test_an_edited_entry_is_named(runner, history):
    tid, ids = history
    _tamper("UPDATE audit_entry SET reason = 'dipalsukan' WHERE tenant_id = :t AND seq = 3", t=tid)
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"edited: entry seq 3 (id {ids[3]}): its content does not match its hash" in result.output


def test_an_entry_edited_with_a_recomputed_hash_is_named(runner, history):
    tid, ids = history
    row = dict(db.session.execute(select(*(AuditEntry.__table__.c[f] for f in chain.FIELDS))
                                  .where(AuditEntry.tenant_id == tid, AuditEntry.seq == 5)).one()._mapping)
    row["reason"] = "dipalsukan"
    _tamper("UPDATE audit_entry SET reason = 'dipalsukan', entry_hash = :h WHERE tenant_id = :t AND seq = 5",
            h=chain.entry_hash(row), t=tid)
    result = _verify(runner)
    assert result.exit_code == 1 and f"edited: entry seq 5 (id {ids[5]}): rewritten" in result.output


def test_a_deleted_entry_is_named(runner, history):
    tid, ids = history
    _tamper("DELETE FROM audit_entry WHERE tenant_id = :t AND seq = 4", t=tid)
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"deleted: entry seq 4 (id {ids[5]}): entry number 4 is missing" in result.output


def test_deleting_the_latest_entries_is_named(runner, history):
    tid, ids = history
    last = max(ids)
    _tamper("DELETE FROM audit_entry WHERE tenant_id = :t AND seq >= :s", t=tid, s=last - 1)
    result = _verify(runner)
    assert result.exit_code == 1 and f"deleted: entry seq {last - 1}: the chain head records {last}" in result.output


def test_a_deleted_entry_is_named_even_when_the_rest_is_renumbered(runner, history):
    tid, ids = history
    _tamper("DELETE FROM audit_entry WHERE tenant_id = :t AND seq = 4", t=tid)
    _tamper("UPDATE audit_entry SET seq = seq + 1000 WHERE tenant_id = :t AND seq > 4", t=tid)
    _tamper("UPDATE audit_entry SET seq = seq - 1001 WHERE tenant_id = :t AND seq > 1000", t=tid)
    result = _verify(runner)
    assert result.exit_code == 1 and f"deleted: entry seq 4 (id {ids[5]})" in result.output


def test_a_forged_entry_is_named(runner, history):
    tid, ids = history
    before = dict(db.session.execute(select(*(AuditEntry.__table__.c[f] for f in chain.FIELDS),
                                            AuditEntry.entry_hash)
                                     .where(AuditEntry.tenant_id == tid, AuditEntry.seq == 2)).one()._mapping)
    forged = dict(before, reason="usulan fiktif disetujui", created_at=before["created_at"])
    chain.link([forged], (2, before["entry_hash"]))  # hashed and linked like a real one
    _tamper("UPDATE audit_entry SET seq = seq + 1000 WHERE tenant_id = :t AND seq >= 3", t=tid)
    _tamper("UPDATE audit_entry SET seq = seq - 999 WHERE tenant_id = :t AND seq > 1000", t=tid)
    _tamper("INSERT INTO audit_entry (tenant_id, created_at, actor_id, actor_name, action, object_type, "
            "object_id, reason, changes, seq, prev_hash, entry_hash) VALUES (:tenant_id, :created_at, "
            ":actor_id, :actor_name, :action, :object_type, :object_id, :reason, :changes, :seq, "
            ":prev_hash, :entry_hash)", **dict(forged, changes=json.dumps(forged["changes"])))
    forged_id = db.session.scalar(select(AuditEntry.id).where(AuditEntry.reason == "usulan fiktif disetujui"))
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"inserted: entry seq 3 (id {forged_id})" in result.output


def test_a_forged_entry_at_the_end_is_named(runner, history):
    tid, ids = history
    last = max(ids)
    _tamper("INSERT INTO audit_entry (tenant_id, created_at, actor_name, action, object_type, changes, seq, "
            "prev_hash, entry_hash) VALUES (:t, '2026-01-20 03:00:00', 'x', 'usulan.didanai', 'usulan', '{}', "
            ":s, :p, :h)", t=tid, s=last + 1, p="1" * 64, h="2" * 64)
    result = _verify(runner)
    assert result.exit_code == 1 and f"entry seq {last + 1}" in result.output
    assert "edited" in result.output or "inserted" in result.output


def test_two_swapped_entries_are_named_reordered(runner, history):
    tid, ids = history
    _tamper("UPDATE audit_entry SET seq = -1 WHERE tenant_id = :t AND seq = 3", t=tid)
    _tamper("UPDATE audit_entry SET seq = 3 WHERE tenant_id = :t AND seq = 4", t=tid)
    _tamper("UPDATE audit_entry SET seq = 4 WHERE tenant_id = :t AND seq = -1", t=tid)
    result = _verify(runner)
    assert result.exit_code == 1 and f"reordered: entry seq 3 (id {ids[4]})" in result.output


# ---- checkpoints: a whole rewrite is caught ------------------------------------------------

def test_a_consistent_rewrite_of_the_whole_chain_is_caught_by_saved_checkpoints(client, runner, history, tmp_path):
    tid, ids = history
    made = runner.invoke(args=["audit", "checkpoint"])
    assert made.exit_code == 0 and f"seq {max(ids)} head" in made.output
    saved = tmp_path / "jejak-audit.json"
    saved.write_bytes(client.get("/publik/data/jejak-audit.json").data)
    # Someone with the database rewrites entry 2 and re-hashes everything after it, the head
    # and the stored checkpoint too: on its own, the chain holds again.
    columns = [AuditEntry.__table__.c.id, *(AuditEntry.__table__.c[f] for f in chain.FIELDS)]
    rows = [dict(r._mapping) for r in db.session.execute(
        select(*columns).where(AuditEntry.tenant_id == tid).order_by(AuditEntry.seq))]
    rows[1]["reason"] = "ditulis ulang"
    head = chain.link(rows)
    for row in rows:
        _tamper("UPDATE audit_entry SET reason = :reason, prev_hash = :prev_hash, entry_hash = :entry_hash "
                "WHERE id = :id", **{k: row[k] for k in ("reason", "prev_hash", "entry_hash", "id")})
    _tamper("UPDATE audit_chain_head SET entry_hash = :h WHERE tenant_id = :t", h=head[1], t=tid)
    _tamper("UPDATE audit_checkpoint SET entry_hash = :h WHERE tenant_id = :t", h=head[1], t=tid)
    assert _verify(runner).exit_code == 0
    result = _verify(runner, "--checkpoints", str(saved))
    assert result.exit_code == 1
    assert f"rewritten: entry seq {max(ids)} (id {ids[max(ids)]}): differs from the published checkpoint" in result.output


def test_saved_checkpoints_of_an_intact_history_verify(client, runner, history, tmp_path):
    tid, ids = history
    runner.invoke(args=["audit", "checkpoint"])
    saved = tmp_path / "jejak-audit.csv"
    saved.write_bytes(client.get("/publik/data/jejak-audit.csv").data)
    result = _verify(runner, "--checkpoints", str(saved), "--tenant", "medan")
    assert result.exit_code == 0 and f"OK: {max(ids)} entries" in result.output
    broken = tmp_path / "not-a-checkpoint.json"
    broken.write_text('{"data": [{"seq": "x"}]}')
    refused = _verify(runner, "--checkpoints", str(broken))
    assert refused.exit_code != 0 and "no valid seq / entry_hash" in refused.output


def test_the_portal_publishes_todays_checkpoint_and_explains_how_to_keep_it(client, history, clock):
    tid, ids = history
    page = client.get("/publik/jejak-audit").get_data(as_text=True)
    head = db.session.get(AuditChainHead, tid)
    today = clock.now.date().isoformat()
    assert today in page and head.entry_hash in page and f">{head.seq}<" in page
    assert "jejak-audit.json" in page and "eplanning audit verify --checkpoints" in page
    # The first visit made it; later visits do not make another.
    start_page = client.get("/publik/").get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(AuditCheckpoint)) == 1
    assert 'href="/publik/jejak-audit"' in start_page  # linked from every portal page


def test_open_data_holds_the_checkpoints_as_json_and_csv(client, history, clock):
    tid, ids = history
    client.get("/publik/")  # the day's first visit publishes the checkpoint
    head = db.session.get(AuditChainHead, tid)
    document = client.get("/publik/data/jejak-audit.json").get_json()
    assert document["tenant"] == "medan" and document["columns"] == ["day", "seq", "entry_hash", "taken_at"]
    assert [(d["day"], d["seq"], d["entry_hash"]) for d in document["data"]] == [
        (clock.now.date().isoformat(), head.seq, head.entry_hash)]
    rows = list(csv.DictReader(io.StringIO(client.get("/publik/data/jejak-audit.csv").get_data(as_text=True))))
    assert rows[0]["entry_hash"] == head.entry_hash and rows[0]["seq"] == str(head.seq)
    data_page = client.get("/publik/data").get_data(as_text=True)
    assert "jejak-audit.csv" in data_page and "entry_hash" in data_page
    assert client.get("/publik/data/jejak-audit.xml").status_code == 404


# ---- PostgreSQL: the database itself refuses changes ----------------------------------------

def _postgres_only():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entry SET reason = 'x'",
    "UPDATE audit_entry SET reason = 'x' WHERE seq = 1",
    "DELETE FROM audit_entry WHERE seq = 1",
    "DELETE FROM audit_entry",
    "TRUNCATE audit_entry CASCADE",
    "UPDATE audit_checkpoint SET seq = 1",
    "DELETE FROM audit_checkpoint",
    "TRUNCATE audit_checkpoint",
])
def test_postgres_refuses_changing_the_history(client, history, statement):
    _postgres_only()
    client.get("/publik/")  # a checkpoint to protect too
    db.session.commit()
    engine = _as_owner()  # even the owner of the tables: the trigger refuses
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)) == len(history[1])


def test_concurrent_appends_of_one_region_keep_one_chain(app, region, runner):
    _postgres_only()
    admin = region["users"]["admin"]
    tid, admin_id = admin.tenant_id, admin.id
    db.session.commit()
    before = len(_entries(tid))  # the region's set-up (its units' import)
    start = threading.Barrier(2)
    errors = []

    def writer(name):
        try:
            with app.app_context():
                actor = db.session.get(type(admin), admin_id)
                start.wait()
                for n in range(25):
                    record(tenant_id=tid, actor=actor, action=f"uji.{name}", obj=actor, changes={"n": [None, n]})
                    if n % 5 == 0:
                        record_rows(tid, [history_row(actor, f"uji.{name}", "user_account", admin_id)])
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # reported below, with the thread's name
            errors.append((name, exc))

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    entries = _entries(tid)
    assert [e.seq for e in entries] == list(range(1, before + 61))
    result = _verify(runner)
    assert result.exit_code == 0 and f"OK: {before + 60} entries" in result.output
