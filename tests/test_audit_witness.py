"""The history's freshest witness lives outside the database (issue 13, finding 4).

Whoever owns the database can switch the append-only trigger off, cut the latest entries and
move the chain head back: the chain alone then holds. What catches it is a copy kept outside:
the checkpoints, rolled forward every hour and after the penetapan, and the live head the
public audit page and the open data show. `eplanning audit verify --checkpoints FILE` reports
a history shorter than the copy, and warns when entries have gone unwitnessed too long.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from eplanning_core.audit.models import AuditChainHead, AuditCheckpoint, AuditEntry
from eplanning_core.audit.operations import record
from eplanning_core.extensions import db


def _write(region, count: int, label: str = "uji") -> None:
    """``count`` history entries, each in its own transaction, as the Bappeda admin."""
    admin = region["users"]["admin"]
    for n in range(count):
        record(tenant_id=admin.tenant_id, actor=admin, action=f"{label}.ubah", obj=admin,
               changes={"n": [n, n + 1]})
        db.session.commit()


def _head(tid) -> tuple[int, str]:
    db.session.expire_all()
    head = db.session.get(AuditChainHead, tid)
    return head.seq, head.entry_hash


def _hash_of(tid, seq) -> str:
    return db.session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.tenant_id == tid,
                                                                 AuditEntry.seq == seq))


def _checkpoints(tid) -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditCheckpoint.seq).where(AuditCheckpoint.tenant_id == tid)
                                   .order_by(AuditCheckpoint.id)))


def _cut_the_end(owner_url: str, tid: int, keep: int) -> None:
    """The attack, as the owner of the tables: the trigger off, every entry after ``keep`` and
    every checkpoint naming one deleted, the chain head moved back, the trigger on again."""
    db.session.commit()
    engine = create_engine(owner_url, poolclass=NullPool)
    with engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execute(text("select set_config('eplanning.tenant_id', :t, true)"), {"t": str(tid)})
            for table in ("audit_entry", "audit_checkpoint"):
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
        last = conn.scalar(text("SELECT entry_hash FROM audit_entry WHERE tenant_id = :t AND seq = :s"),
                           {"t": tid, "s": keep})
        conn.execute(text("DELETE FROM audit_entry WHERE tenant_id = :t AND seq > :s"), {"t": tid, "s": keep})
        conn.execute(text("DELETE FROM audit_checkpoint WHERE tenant_id = :t AND seq > :s"), {"t": tid, "s": keep})
        conn.execute(text("UPDATE audit_chain_head SET seq = :s, entry_hash = :h WHERE tenant_id = :t"),
                     {"s": keep, "h": last, "t": tid})
        if postgres:
            for table in ("audit_entry", "audit_checkpoint"):
                conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only"))
    engine.dispose()


def _save(client, tmp_path, name="jejak-audit.json"):
    """What a journalist does: download the portal's file and keep it."""
    saved = tmp_path / name
    response = client.get(f"/publik/data/{name}")
    assert response.status_code == 200
    saved.write_bytes(response.data)
    return saved


def _verify(runner, *args):
    return runner.invoke(args=["audit", "verify", *args])


# ---- the attack of the finding ------------------------------------------------------------------

def test_cutting_the_entries_after_a_saved_checkpoint_is_reported(runner, client, region, clock,
                                                                  database_url, tmp_path):
    tid = region["users"]["admin"].tenant_id
    _write(region, 26 - _head(tid)[0])                                     # the region's set-up wrote some
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0       # 10:00: seq 26
    _write(region, 3, "kemudian")
    clock.now += timedelta(hours=1)
    made = runner.invoke(args=["audit", "checkpoint"])                      # 11:00, the hourly run
    assert made.exit_code == 0 and "seq 29 head" in made.output             # rolled forward, not frozen
    saved = _save(client, tmp_path)
    assert _checkpoints(tid) == [26, 29]

    _cut_the_end(database_url, tid, keep=26)
    alone = _verify(runner)
    assert alone.exit_code == 0 and "OK: 26 entries" in alone.output        # the database alone holds
    result = _verify(runner, "--checkpoints", str(saved))
    assert result.exit_code == 1, result.output
    assert "BROKEN after 26 good entries" in result.output
    assert "history shorter than the checkpoint of" in result.output and "names entry 29" in result.output
    assert "at least 3 entries were removed" in result.output


def test_the_live_head_a_visitor_saved_catches_a_cut_before_the_next_checkpoint(runner, client, region,
                                                                                database_url, tmp_path):
    """Entries written after the newest checkpoint are witnessed by the head the portal shows."""
    tid = region["users"]["admin"].tenant_id
    _write(region, 26 - _head(tid)[0])
    runner.invoke(args=["audit", "checkpoint"])
    _write(region, 3, "kemudian")
    page = client.get("/publik/jejak-audit").get_data(as_text=True)
    seq, digest = _head(tid)
    assert seq == 29 and digest in page and ">29<" in page                  # shown to every visitor
    saved = _save(client, tmp_path)
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert document["head"]["seq"] == 29 and document["head"]["entry_hash"] == digest
    assert [d["seq"] for d in document["data"]] == [26]

    _cut_the_end(database_url, tid, keep=26)
    result = _verify(runner, "--checkpoints", str(saved))
    assert result.exit_code == 1
    assert "history shorter than the head read at" in result.output and "names entry 29" in result.output


def test_an_intact_history_verifies_against_the_saved_head_and_checkpoints(runner, client, region, tmp_path):
    _write(region, 5 - _head(region["users"]["admin"].tenant_id)[0])
    runner.invoke(args=["audit", "checkpoint"])
    _write(region, 2)
    saved = _save(client, tmp_path)
    _write(region, 2)                                                      # the history goes on
    result = _verify(runner, "--checkpoints", str(saved))
    assert result.exit_code == 0 and "OK: 9 entries" in result.output, result.output
    head_only = tmp_path / "head.json"
    document = json.loads(saved.read_text(encoding="utf-8"))
    head_only.write_text(json.dumps({"tenant": "medan", "head": document["head"]}))
    assert _verify(runner, "--checkpoints", str(head_only)).exit_code == 0
    document["head"]["entry_hash"] = "0" * 64                               # a head that never was
    head_only.write_text(json.dumps({"tenant": "medan", "head": document["head"]}))
    forged = _verify(runner, "--checkpoints", str(head_only))
    assert forged.exit_code == 1 and "rewritten: entry seq 7" in forged.output


# ---- rolled forward: hourly, on a portal visit, after the penetapan ------------------------------

def test_the_hourly_run_adds_a_checkpoint_only_when_the_head_moved(runner, app, clock):
    assert "no history yet" in runner.invoke(args=["audit", "checkpoint"]).output


def test_the_hourly_run_adds_a_checkpoint_only_when_the_head_moved_since_the_last(runner, region, clock):
    tid = region["users"]["admin"].tenant_id
    _write(region, 4 - _head(tid)[0])
    runner.invoke(args=["audit", "checkpoint"])
    clock.now += timedelta(hours=1)
    runner.invoke(args=["audit", "checkpoint"])                            # nothing new: none added
    _write(region, 1)
    runner.invoke(args=["audit", "checkpoint"])                            # same day, head moved
    assert _checkpoints(tid) == [4, 5]


def test_a_portal_visit_rolls_the_checkpoint_forward_once_the_newest_is_an_hour_old(client, region, clock):
    tid = region["users"]["admin"].tenant_id
    _write(region, 3 - _head(tid)[0])
    client.get("/publik/")
    assert _checkpoints(tid) == [3]
    _write(region, 2)
    clock.now += timedelta(minutes=30)
    client.get("/publik/jejak-audit")
    assert _checkpoints(tid) == [3]                                        # within the hour: cron's job
    clock.now += timedelta(minutes=31)
    page = client.get("/publik/jejak-audit").get_data(as_text=True)
    assert _checkpoints(tid) == [3, 5]
    assert page.count('<code class="hash">') == 3                          # the head and two checkpoints


def test_the_penetapan_is_followed_by_a_checkpoint_at_once(app):
    """The acceptance scenario walks a proposal through every stage, penetapan included."""
    from eplanning_core.testing.scenario import run_acceptance

    report = run_acceptance(app, "medan")
    assert report.final_status
    tetapkan = db.session.execute(select(AuditEntry.tenant_id, AuditEntry.seq, AuditEntry.entry_hash)
                                  .where(AuditEntry.action == "siklus.tetapkan")).one()
    checkpoint = db.session.execute(select(AuditCheckpoint.seq, AuditCheckpoint.entry_hash).where(
        AuditCheckpoint.tenant_id == tetapkan.tenant_id, AuditCheckpoint.seq == tetapkan.seq)).one()
    assert tuple(checkpoint) == (tetapkan.seq, tetapkan.entry_hash)


# ---- the warning: entries unwitnessed for longer than the region's setting -----------------------

def test_verify_warns_when_entries_are_in_no_checkpoint_for_longer_than_the_setting(app, clock, runner, region):
    _write(region, 3 - _head(region["users"]["admin"].tenant_id)[0])
    clock.now += timedelta(hours=1)
    assert "WARNING" not in _verify(runner).output                        # within 2 hours (the default)
    clock.now += timedelta(hours=1, minutes=1)
    result = _verify(runner)
    assert result.exit_code == 0 and "OK: 3 entries" in result.output
    assert "WARNING: entries from number 1 on" in result.output and "more than 2 hours" in result.output
    runner.invoke(args=["audit", "checkpoint"])
    assert "WARNING" not in _verify(runner).output
    _write(region, 1)
    clock.now += timedelta(hours=3)
    assert "WARNING: entries from number 4 on" in _verify(runner).output

    tenants = app.extensions["eplanning.tenants"]                          # a region that set 6 hours
    tenants["medan"] = replace(tenants["medan"], checkpoint_max_age_hours=6)
    assert "WARNING" not in _verify(runner).output


def test_the_setting_is_read_from_tenant_toml_and_checked(tmp_path):
    import shutil

    from eplanning_core.tenancy.loader import TenantConfigError, load_tenant
    from support.env import TENANTS_DIR

    folder = tmp_path / "medan"
    shutil.copytree(TENANTS_DIR / "medan", folder)
    assert load_tenant(folder).checkpoint_max_age_hours == 2
    toml = folder / "tenant.toml"
    original = toml.read_text(encoding="utf-8")
    toml.write_text(original + "\n[audit]\ncheckpoint_max_age_hours = 6\n", encoding="utf-8")
    assert load_tenant(folder).checkpoint_max_age_hours == 6
    toml.write_text(original + "\n[audit]\ncheckpoint_max_age_hours = 0\n", encoding="utf-8")
    with pytest.raises(TenantConfigError, match="audit.checkpoint_max_age_hours: must be a whole number"):
        load_tenant(folder)


# ---- Flask hygiene (issue 12, point 4) -----------------------------------------------------------

def test_session_listeners_are_bound_by_the_app_not_by_importing_a_module(app):
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from eplanning_core.audit import operations
    from eplanning_core.portal import pagecache

    for name, listener in (("before_flush", operations._before_flush), ("before_commit", operations._before_commit),
                           ("after_transaction_end", operations._forget), ("after_commit", pagecache.forget_heads)):
        assert not event.contains(Session, name, listener)                 # not on every Session there is
        assert event.contains(db.session, name, listener)                  # on the app's, by init_app
    assert not hasattr(operations, "flush_history")


def test_the_tenant_id_getter_never_commits(app, region):
    """A change still being made must not be committed by asking which region this is."""
    from flask import g

    from eplanning_core.accounts.models import PerangkatDaerah
    from eplanning_core.tenancy.context import current_tenant_id

    tid = region["users"]["admin"].tenant_id
    app.extensions["eplanning.tenant_ids"].clear()                         # a worker's first request
    g.pop("tenant_id", None)
    db.session.add(PerangkatDaerah(tenant_id=tid, kode="9.99.01", nama="Dinas Belum Jadi"))
    assert current_tenant_id() == tid
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(PerangkatDaerah)
                             .where(PerangkatDaerah.kode == "9.99.01")) == 0


def test_the_app_registers_its_regions_when_it_starts(app):
    """The explicit step: a region's row exists before any request (made by create_app)."""
    from eplanning_core.tenancy.models import Tenant

    assert db.session.scalar(select(Tenant.slug)) == "medan"


def test_a_kept_value_expires_on_the_injected_clock():
    from datetime import datetime, timezone

    from flask import Flask

    from eplanning_core.caching import Kept

    now = [datetime(2026, 1, 1, tzinfo=timezone.utc)]
    kept = Kept("test.kept", max_entries=2, max_age=1.0, clock=lambda: now[0])
    with Flask(__name__).app_context():
        kept.put("a", 1)
        now[0] += timedelta(seconds=0.999)
        assert kept.get("a") == 1
        now[0] += timedelta(seconds=0.001)
        assert kept.get("a") is None
        kept.put("b", 2)
        now[0] -= timedelta(hours=1)                                       # a clock set back
        assert kept.get("b") is None
        for key in "xyz":
            kept.put(key, key)
        assert [kept.get(k) for k in "xyz"] == [None, "y", "z"]            # bounded: oldest out
