"""The demo is a training instance: every stage and status, and work waiting for every role.

The demo is seeded once per database (a module-scoped app of its own, emptied at the end),
because building its story through the real operations takes seconds.
"""

from __future__ import annotations

import re
import time

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from support.apps import empty_all_tables, make_app
from support.web import login

from eplanning_core import workflow
from eplanning_core.accounts.models import PerangkatDaerah, User
from eplanning_core.audit.models import AuditEntry
from eplanning_core.demo.seed import DEMO_PASSWORD, counts, seed_demo
from eplanning_core.extensions import db
from eplanning_core.siklus.models import Tahapan
from eplanning_core.usulan.models import Usulan


@pytest.fixture(scope="module")
def demo(database_url, tmp_path_factory):
    app = make_app(database_url)
    app.instance_path = str(tmp_path_factory.mktemp("demo-instance"))
    with app.app_context():
        started = time.perf_counter()
        first = seed_demo()
        backend = db.engine.url.get_backend_name()
        print(f"\nseed_demo() on {backend}: {time.perf_counter() - started:.1f} s, "
              f"{first['usulan']} proposals")
        try:
            yield app, first
        finally:
            db.session.remove()
            empty_all_tables()
            db.engine.dispose()


def _browser(app) -> FlaskClient:
    """A browser whose requests each run in their own application context, as on a server
    (the module's app context would otherwise share Flask-Login's cached user)."""
    class Browser(FlaskClient):
        def open(self, *args, **kwargs):
            with app.app_context():
                return super().open(*args, **kwargs)
    return Browser(app, app.response_class, use_cookies=True)


def _waiting(**where) -> Usulan:
    """The first proposal matching the conditions (column = value, or lokasi_kode prefix)."""
    prefix = where.pop("under", None)
    query = select(Usulan).filter_by(**where).order_by(Usulan.id).limit(1)
    if prefix:
        query = query.where(Usulan.lokasi_kode.startswith(prefix + "."))
    usulan = db.session.scalar(query)
    assert usulan is not None, f"the demo leaves no proposal with {where} under {prefix}"
    return usulan


def _agency(kode: str) -> int:
    return db.session.scalar(select(PerangkatDaerah.id).where(PerangkatDaerah.kode == kode))


def _actions(page: str) -> set[str]:
    return set(re.findall(r'class="card mb-2 action-form[^"]*" data-action="([a-z_]+)"', page))


def test_every_stage_and_every_status_holds_proposals(demo):
    _app, first = demo
    assert 120 <= first["usulan"] <= 200
    statuses = {key.split("/")[1] for key in first if "/" in key}
    assert statuses == set(workflow.STATUSES)
    stages = {key.split("/")[0] for key in first if "/" in key}
    assert stages == set(db.session.scalars(select(Tahapan.kunci)))
    # the catalogue and the nomenklatur came through the importers, with agencies and codes
    assert first["kamus"] >= 40 and first["nomenklatur"] >= 30
    # funded items carry their amount; every rejection and change has its reason
    assert db.session.scalar(select(func.count()).where(
        Usulan.status == "didanai", Usulan.anggaran_jumlah.is_(None))) == 0
    assert db.session.scalar(select(func.count()).where(
        Usulan.status.in_(["ditolak", "diterima_dengan_perubahan"]), Usulan.alasan.is_(None))) == 0
    # fake personal data, and obviously so
    assert all(nik[6:12] == "999999" for nik in db.session.scalars(select(Usulan.pengusul_nik))
               if nik)


def test_stage_windows_are_open_now_with_the_reason_on_record(demo):
    from eplanning_core.usulan.engine_adapter import local_now

    now = local_now().replace(tzinfo=None)
    for tahapan in db.session.scalars(select(Tahapan)):
        assert tahapan.dibuka <= now < tahapan.ditutup, tahapan.kunci
    reasons = set(db.session.scalars(select(AuditEntry.reason).where(AuditEntry.action == "tahapan.jadwal")))
    assert reasons == {"Demo: all stages open for training"}


#: role -> how to find a proposal waiting for it, and the action forms its page must show
WORK = {
    "lingkungan": (dict(tahapan="rembuk_warga", status="belum_dibahas", survei_selesai=False,
                        under="12.71.01.1001"), {"survei_selesai", "ditolak"}),
    "lingkungan2": (dict(tahapan="rembuk_warga", status="belum_dibahas", survei_selesai=False,
                         under="12.71.02.1001"), {"survei_selesai"}),
    "kelurahan": (dict(tahapan="musrenbang_kelurahan", status="belum_dibahas", under="12.71.01.1001"),
                  {"diterima", "diterima_dengan_perubahan", "ditolak", "dana_desa", "prioritas"}),
    "kelurahan2": (dict(tahapan="musrenbang_kelurahan", status="belum_dibahas", under="12.71.02.1001"),
                   {"diterima"}),
    "kecamatan": (dict(tahapan="musrenbang_kecamatan", status="belum_dibahas", skor=None,
                       under="12.71.01"), {"skor", "rute", "diterima", "ditolak"}),
    "setwan": (dict(tahapan="pokir", status="belum_dibahas"), {"periksa", "rute", "ditolak"}),
    "admin": (dict(tahapan="musrenbang_rkpd", status="belum_dibahas"),
              {"diterima", "diterima_dengan_perubahan", "ditolak"}),
}


def test_every_role_logs_in_and_finds_work_it_can_do(demo):
    app, _first = demo
    users = {u.username: u for u in db.session.scalars(select(User))}
    work = dict(WORK)
    work["dinas"] = (dict(tahapan="forum_pd", status="belum_dibahas",
                          perangkat_daerah_id=users["dinas"].perangkat_daerah_id),
                     {"diterima", "ditolak", "alihkan", "skor"})
    work["dinas2"] = (dict(tahapan="forum_pd", status="belum_dibahas",
                           perangkat_daerah_id=users["dinas2"].perangkat_daerah_id), {"diterima"})
    for username, (where, expected) in work.items():
        usulan = _waiting(**where)
        client = _browser(app)
        assert login(client, username, DEMO_PASSWORD).status_code == 302, username
        assert client.get("/usulan/").status_code == 200, username
        page = client.get(f"/usulan/{usulan.id}").get_data(as_text=True)
        assert expected <= _actions(page), (username, usulan.kode_lacak, _actions(page))

    admin = _browser(app)
    login(admin, "admin", DEMO_PASSWORD)
    for where, action in ((dict(tahapan="pokir", status="diperiksa"), "diterima"),
                          (dict(tahapan="penganggaran", status="belum_dibahas"), "didanai")):
        page = admin.get(f"/usulan/{_waiting(**where).id}").get_data(as_text=True)
        assert action in _actions(page), where

    dprd = _browser(app)
    login(dprd, "dprd", DEMO_PASSWORD)
    own = _waiting(tahapan="pokir", status="belum_dibahas", dprd_user_id=users["dprd"].id)
    assert f"/usulan/{own.id}/ubah" in dprd.get(f"/usulan/{own.id}").get_data(as_text=True)

    # scopes do not overlap: the second kelurahan cannot open the first one's proposal
    other = _browser(app)
    login(other, "kelurahan2", DEMO_PASSWORD)
    first_kelurahan = _waiting(tahapan="musrenbang_kelurahan", under="12.71.01.1001")
    assert other.get(f"/usulan/{first_kelurahan.id}").status_code == 404

    viewer = _browser(app)
    login(viewer, "pemantau", DEMO_PASSWORD)
    page = viewer.get(f"/usulan/{first_kelurahan.id}").get_data(as_text=True)
    assert _actions(page) == set()


def test_login_page_lists_every_account_with_role_and_scope(demo):
    app, _first = demo
    app.config["DEMO"] = True
    try:
        page = _browser(app).get("/masuk").get_data(as_text=True)
    finally:
        app.config["DEMO"] = False
    table = re.search(r'<table[^>]*id="demo-accounts".*?</table>', page, re.S).group(0)
    rows = re.findall(r"<tr><td><code>([^<]+)</code></td><td>([^<]*)</td><td>([^<]*)</td></tr>", table)
    usernames = set(db.session.scalars(select(User.username)))
    assert {r[0] for r in rows} == usernames
    assert {"admin", "kecamatan", "kelurahan", "lingkungan", "kelurahan2", "lingkungan2", "dinas",
            "dinas2", "dprd", "setwan", "pemantau"} <= usernames
    assert all(role and scope for _name, role, scope in rows)
    scope = {name: s for name, _role, s in rows}
    assert "Pasar Baru" in scope["lingkungan"] and "Medan Kota" in scope["lingkungan"]
    assert DEMO_PASSWORD in page


def test_a_second_seed_changes_nothing(demo):
    from eplanning_core.tenancy.context import current_tenant_id

    _app, first = demo
    history = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert seed_demo() == first == counts(current_tenant_id())
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == history


def test_every_title_names_the_volume_the_proposal_has_now(demo):
    """The demo's titles say their volume ("... sepanjang 120 m"); the forums and surveys cut
    or correct volumes, and the title follows (issue 14: it once kept the old volume)."""
    from eplanning_core.demo import texts
    from eplanning_core.demo.scenario import activity_title
    from eplanning_core.kamus.models import KamusUsulan

    app, _ = demo
    with app.app_context():
        codes = dict(db.session.execute(select(KamusUsulan.id, KamusUsulan.kode)).all())
        changed = {e.object_id for e in db.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "usulan")) if "volume" in (e.changes or {})}
        checked = set()
        for u in db.session.scalars(select(Usulan)):
            code = codes.get(u.kamus_id)
            if code in texts.ITEMS and "{v}" in texts.ITEMS[code].kegiatan:
                assert u.usulan_kegiatan == activity_title(code, u.jalan, u.volume), u.kode_lacak
                checked.add(u.id)
        assert len(checked) > 50 and checked & changed  # among them, proposals whose volume was changed
