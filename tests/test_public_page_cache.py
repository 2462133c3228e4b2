"""Public pages are kept rendered until the region's data changes (portal/pagecache.py): a
decision shows on the next visit (within a second on other workers), and a visit between
two changes costs at most one primary-key read."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import text, update
from support.acting import act_on, create_proposal
from support.snapshots import count_queries

from eplanning_core.audit.models import AuditChainHead
from eplanning_core.extensions import db
from eplanning_core.portal import pagecache
from eplanning_core.usulan.models import Usulan


def _track(client, usulan, **headers):
    code = usulan if isinstance(usulan, str) else usulan.kode_lacak
    return client.get(f"/publik/lacak?kode={code}", headers=headers)


def test_a_decision_shows_on_the_next_visit_though_the_page_was_kept(client, siklus, region):
    usulan = create_proposal(siklus, region)
    code = usulan.kode_lacak
    first = _track(client, code)
    assert first.status_code == 200 and "belum dibahas" in first.get_data(as_text=True)
    with count_queries() as statements:
        again = _track(client, code)
    assert again.get_data() == first.get_data()
    assert statements == [], statements  # the head was read a moment ago: no database work at all
    pagecache.forget_heads()
    with count_queries() as statements:
        assert _track(client, code).get_data() == first.get_data()
    reads = [s for s in statements if "set_config" not in s]  # PostgreSQL: the region per transaction
    assert len(reads) == 1 and "audit_chain_head" in reads[0], statements

    act_on(db.session.get(Usulan, usulan.id), region["users"]["ling1"], "ditolak",
           reason="Sudah dibangun swadaya warga")
    after = _track(client, code).get_data(as_text=True)
    assert "Sudah dibangun swadaya warga" in after and "belum dibahas" not in after


def test_summaries_count_a_new_proposal_at_once(client, siklus, region):
    start = client.get("/publik/").get_data(as_text=True)
    create_proposal(siklus, region)
    assert client.get("/publik/").get_data(as_text=True) != start


def test_a_browser_revalidating_gets_304_until_the_data_changes(client, siklus, region):
    usulan = create_proposal(siklus, region)
    first = _track(client, usulan)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public")
    same = _track(client, usulan, **{"If-None-Match": etag})
    assert same.status_code == 304 and same.get_data() == b""
    act_on(db.session.get(Usulan, usulan.id), region["users"]["ling1"], "survei_selesai")
    changed = _track(client, usulan, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_each_language_keeps_its_own_page(client, siklus, region):
    usulan = create_proposal(siklus, region)
    indonesian = _track(client, usulan).get_data(as_text=True)
    client.get("/publik/bahasa/en?next=/publik/")
    english = _track(client, usulan).get_data(as_text=True)
    assert 'lang="en"' in english and 'lang="id"' in indonesian
    assert "not yet discussed" in english and "belum dibahas" in indonesian


def test_a_missing_code_is_never_kept(client, siklus, region):
    assert client.get("/publik/lacak?kode=MDN-2027-999999").status_code == 404
    usulan = create_proposal(siklus, region)
    assert client.get(f"/publik/lacak?kode={usulan.kode_lacak}").status_code == 200


def test_another_workers_change_shows_once_the_head_is_read_again(app, client, siklus, region, clock):
    """A change saved by another worker or host (here: the head moved without this worker's
    session) shows once PUBLIC_PAGE_HEAD_MS have passed on the app's clock, never later."""
    app.config["PUBLIC_PAGE_HEAD_MS"] = 200
    usulan = create_proposal(siklus, region)
    code, tenant_id = usulan.kode_lacak, usulan.tenant_id
    first = _track(client, code).get_data(as_text=True)
    with db.engine.begin() as connection:  # "another worker": no commit of this worker's session
        if connection.dialect.name == "postgresql":  # row level security: that worker's region
            connection.execute(text("select set_config('eplanning.tenant_id', :t, true)"), {"t": str(tenant_id)})
        connection.execute(update(Usulan).where(Usulan.id == usulan.id).values(alasan="Diputuskan di rapat"))
        connection.execute(update(AuditChainHead).where(AuditChainHead.tenant_id == tenant_id)
                           .values(seq=AuditChainHead.seq + 1))
    assert _track(client, code).get_data(as_text=True) == first  # within the 200 ms: the page kept
    clock.now += timedelta(milliseconds=199)
    assert _track(client, code).get_data(as_text=True) == first
    clock.now += timedelta(milliseconds=1)
    assert "Diputuskan di rapat" in _track(client, code).get_data(as_text=True)


def test_a_slow_request_still_reuses_the_head_read_a_moment_ago(client, siklus, region, clock):
    """The head's reuse is timed on the app's clock, not on how long the request took: a slow
    server (seen on PostgreSQL) does not make a kept page cost a query."""
    code = create_proposal(siklus, region).kode_lacak
    first = _track(client, code)
    time.sleep(1.1)  # longer than PUBLIC_PAGE_HEAD_MS: the app's clock has not moved
    with count_queries() as statements:
        assert _track(client, code).get_data() == first.get_data()
    assert statements == [], statements
