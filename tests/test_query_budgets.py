"""Query budgets: every main page runs at most 12 SQL statements, and the same number whether
the region holds a handful of proposals or many more (no query per row: no N+1).

Counted with SQLAlchemy's before_cursor_execute on a steady request (the second visit, as a
working session sees it), at two data sizes, on SQLite and PostgreSQL. Counts, never times.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select
from support.acting import ROAD
from support.rows import add_rows
from support.snapshots import count_queries

from eplanning_core.api import tokens
from eplanning_core.audit.operations import record
from eplanning_core.commandcenter import cache as commandcenter_cache
from eplanning_core.extensions import db
from eplanning_core.portal import pagecache
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Keputusan, Usulan

BUDGET = 12
UNITS = ("12.71.01.1001.01", "12.71.01.1001.02", "12.71.01.1002.01", "12.71.02.1001.01")
#: (stage, status) of the prepared proposals: every level holds some, decided or not.
STATES = (("rembuk_warga", "belum_dibahas"), ("rembuk_warga", "ditolak"),
          ("musrenbang_kelurahan", "diterima"), ("musrenbang_kelurahan", "belum_dibahas"),
          ("musrenbang_kecamatan", "belum_dibahas"), ("musrenbang_kecamatan", "diterima"),
          ("pokir", "belum_dibahas"), ("forum_pd", "belum_dibahas"), ("forum_pd", "diterima"),
          ("musrenbang_rkpd", "diterima"), ("penetapan_rkpd", "belum_dibahas"),
          ("penganggaran", "didanai"))


def _grow(siklus, region, count: int, start: int) -> None:
    """``count`` more proposals spread over units, stages, agencies and sources, each with a
    decision, plus history on the proposal the detail pages open."""
    pu, dprd = region["agencies"]["pu"].id, region["users"]["dprd1"].id
    rows = []
    for n in range(count):
        stage, status = STATES[n % len(STATES)]
        row = {"unit": UNITS[n % len(UNITS)], "tahapan": stage, "status": status,
               "terkunci": stage != "rembuk_warga", "lat": 3.55 + n / 997, "lng": 98.6 + n / 991,
               "pengusul_nama": f"Warga {n}"}
        if stage in ("forum_pd", "musrenbang_rkpd", "penetapan_rkpd", "penganggaran"):
            row.update(perangkat_daerah_id=pu, pagu=1_000_000, sub_kegiatan_kode="1.03.10.2.01.0005")
        if status == "didanai":
            row["anggaran_jumlah"] = 900_000
        if stage == "pokir":
            row.update(sumber="pokir", dprd_user_id=dprd, dapil="MDN-1")
        rows.append(row)
    add_rows(siklus, region, rows, start=start)
    added = db.session.scalars(select(Usulan.id).where(
        Usulan.kode_lacak >= f"MDN-2027-{start:06d}", Usulan.kode_lacak < f"MDN-2027-{start + count:06d}"))
    db.session.execute(insert(Keputusan), [
        {"tenant_id": siklus.tenant_id, "usulan_id": uid, "tahapan": "rembuk_warga", "keputusan": "kirim",
         "user_nama": "Uji ling1", "oleh_wilayah_id": region["units"][UNITS[0]].id} for uid in added])
    db.session.commit()


def _history(usulan, region, entries: int) -> None:
    """More decisions and history entries on one proposal (its timeline grows)."""
    admin = region["users"]["admin"]
    for n in range(entries):
        db.session.add(Keputusan(tenant_id=usulan.tenant_id, usulan_id=usulan.id, tahapan="rembuk_warga",
                                 keputusan="survei_selesai", user_id=admin.id, user_nama=admin.nama,
                                 oleh_wilayah_id=usulan.lokasi_wilayah_id))
        record(tenant_id=usulan.tenant_id, actor=admin, action="usulan.ubah", obj=usulan,
               changes={"volume": [str(n), str(n + 1)]}, reason=f"Koreksi survei {n}")
    db.session.commit()


@pytest.fixture
def world(siklus, region):
    """A proposal made through the engine (real history), then a first small data set."""
    values = dict(ROAD, lokasi_wilayah_id=region["units"][UNITS[0]].id)
    outcome = ops.create(siklus, "rembuk_warga", region["users"]["ling1"], values)
    assert outcome.ok, (outcome.errors, outcome.refusal)
    _grow(siklus, region, 12, 800000)
    _history(outcome.usulan, region, 1)
    return {"usulan": outcome.usulan, "kode": outcome.usulan.kode_lacak, "siklus": siklus}


def _more(world, region):
    _grow(world["siklus"], region, 120, 810000)
    _history(world["usulan"], region, 8)


def _forget_kept_results() -> None:
    commandcenter_cache.KEPT.clear()
    pagecache.KEPT.clear()
    pagecache.forget_heads()


def _measure(client, world, region, url, headers=None):
    """Statements of a steady visit at the small size, then at the larger one."""
    url = url.format(id=world["usulan"].id, kode=world["kode"])
    first = client.get(url, headers=headers)
    assert first.status_code == 200, (url, first.status_code)
    # Worst case: pages computed, not taken from the caches kept until the data changes
    # (commandcenter/cache.py, portal/pagecache.py).
    _forget_kept_results()
    with count_queries() as small:
        client.get(url, headers=headers)
    _more(world, region)
    _forget_kept_results()
    with count_queries() as large:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return [s.split("\n")[0][:100] for s in small], [s.split("\n")[0][:100] for s in large]


def _check(small, large):
    assert len(large) <= BUDGET, f"{len(large)} statements (budget {BUDGET}): {large}"
    assert len(small) == len(large), f"grows with the data: {len(small)} -> {len(large)}: {large}"


OPERATOR_PAGES = [
    ("admin", "/"), ("admin", "/usulan/"), ("admin", "/usulan/{id}"),
    ("admin", "/usulan/?tahapan=forum_pd"),
    ("kec1", "/usulan/"), ("kec1", "/usulan/{id}"), ("kec1", "/peringkat/"),
    ("kel1", "/usulan/"), ("kel1", "/usulan/{id}"), ("kel1", "/usulan/kirim"),
    ("ling1", "/usulan/"), ("ling1", "/usulan/{id}"),
    ("pu", "/usulan/"), ("pu", "/renja/"),
    ("dprd1", "/usulan/"), ("viewer", "/usulan/"), ("viewer", "/usulan/{id}"),
    ("admin", "/rapat/"), ("admin", "/command-center/"), ("viewer", "/command-center/"),
    # fetched by the Command Center's script when its map is shown
    ("admin", "/command-center/map.json"), ("viewer", "/command-center/map.json"),
    ("kec1", "/peringkat/?page=2"),
    # every role's desk, the start page after login (issue 14)
    ("kec1", "/"), ("kel1", "/"), ("ling1", "/"), ("pu", "/"), ("dprd1", "/"), ("viewer", "/"),
    # the execution (realisasi/): progress per agency, an agency's items, one item's page
    ("admin", "/realisasi/"), ("viewer", "/realisasi/"), ("pu", "/realisasi/"), ("admin", "/realisasi/{id}"),
]


@pytest.mark.parametrize("username,url", OPERATOR_PAGES, ids=[f"{u}:{p}" for u, p in OPERATOR_PAGES])
def test_operator_pages_stay_within_budget(client, as_user, world, region, username, url):
    as_user(username)
    _check(*_measure(client, world, region, url))


PUBLIC_PAGES = ["/publik/", "/publik/usulan", "/publik/usulan?tahapan=forum_pd", "/publik/lacak?kode={kode}",
                "/publik/wilayah/12.71.01", "/publik/pd/1.03.01", "/publik/data"]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_stay_within_budget(client, world, region, url):
    _check(*_measure(client, world, region, url))


API_PAGES = ["/api/v1/usulan", "/api/v1/usulan/{id}", "/api/v1/usulan/{id}/riwayat",
             "/api/v1/publik/usulan/{kode}", "/api/v1/wilayah", "/api/v1/usulan/{id}/realisasi"]


@pytest.mark.parametrize("url", API_PAGES)
def test_api_stays_within_budget(client, world, region, url):
    secret = tokens.issue_user_token(region["users"]["admin"], timedelta(days=1)).secret
    db.session.commit()
    _check(*_measure(client, world, region, url, headers={"Authorization": f"Bearer {secret}"}))
