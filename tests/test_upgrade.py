"""Upgrades without forking: a region's data survives a core upgrade from EVERY earlier
release, and its template overrides are reported when the new core no longer has what they change.

The releases are listed in RELEASES.toml (version, commit, schema head), not read from git
tags, which a clone may lack. For each one a fresh database is brought to that release's
schema head by the migrations, filled with rows as that release wrote them (RELEASE_DATA:
literal rows, the 0.3.0 history with the hashes 0.3.0 computed), upgraded with
``eplanning upgrade``, and checked: every row and every old column unchanged, the history
verifies, an old account logs in, its proposal is found by its tracking code.
"""

import tomllib
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData, Table, create_engine, inspect, text
from support.apps import make_app
from support.env import IN_CI, PG_SERVER, probe_postgres
from support.web import browser, csrf_token
from werkzeug.security import generate_password_hash

from eplanning_core.extensions import db
from eplanning_core.overrides import check_overrides

ROOT = Path(__file__).resolve().parent.parent
RELEASES = tomllib.loads((ROOT / "RELEASES.toml").read_text(encoding="utf-8"))["release"]
OLD_PASSWORD = "sandi-lama-versi-lama"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """A new, empty database of each backend (not the suite's shared one)."""
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "old.sqlite")
        return
    problem = probe_postgres()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL not reachable: {problem}", pytrace=False)
        pytest.skip(f"PostgreSQL not reachable ({problem}) - PostgreSQL tests skipped")
    name = f"eplanning_upgrade_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_SERVER.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# ---- rows as each release wrote them ---------------------------------------------------------

NOW = datetime(2026, 1, 10, 2, 0)


def _history(ident, action, object_type, object_id, changes, reason=None, actor=1, at=NOW):
    return {"id": ident, "tenant_id": 1, "created_at": at, "actor_id": actor,
            "actor_name": f"Pengguna {'admin' if actor == 1 else 'kel1'}", "action": action,
            "object_type": object_type, "object_id": object_id, "reason": reason, "changes": changes}


def _rows_0_1_0(password_hash):
    """0.1.0: a region, its three levels of units, an agency, accounts, an unchained history."""
    return {
        "tenant": [{"id": 1, "slug": "medan", "kode": "12.71", "nama": "Kota Medan", "created_at": NOW}],
        "wilayah": [
            {"id": 1, "tenant_id": 1, "kode": "12.71.01", "nama": "Medan Kota", "tingkat": 1,
             "jenis": None, "parent_id": None, "nama_kepala": None, "version": 1},
            {"id": 2, "tenant_id": 1, "kode": "12.71.01.1001", "nama": "Pasar Baru", "tingkat": 2,
             "jenis": "kelurahan", "parent_id": 1, "nama_kepala": "Budi Santoso", "version": 1},
            {"id": 3, "tenant_id": 1, "kode": "12.71.01.1001.01", "nama": "Lingkungan I", "tingkat": 3,
             "jenis": None, "parent_id": 2, "nama_kepala": None, "version": 1}],
        "perangkat_daerah": [{"id": 1, "tenant_id": 1, "kode": "1.03.01", "nama": "Dinas Pekerjaan Umum",
                              "singkatan": "Dinas PU", "aktif": True, "version": 1}],
        "user_account": [
            {"id": ident, "tenant_id": 1, "username": username, "nama": f"Pengguna {username}",
             "password_hash": password_hash, "role": role, "wilayah_id": unit, "perangkat_daerah_id": pd,
             "aktif": True, "created_at": NOW, "version": 1}
            for ident, username, role, unit, pd in ((1, "admin", "bappeda", None, None),
                                                    (2, "kel1", "operator", 2, None),
                                                    (3, "pu", "operator_pd", None, 1))],
        "audit_entry": [_history(i, "user.create", "user_account", i, {"role": [None, "x"]})
                        for i in range(1, 4)],
    }


def _rows_0_2_0(password_hash):
    """0.2.0 adds the planning cycle (siklus, its stages, ceilings, a proposal and its decision),
    API tokens and an imported budget line."""
    rows = _rows_0_1_0(password_hash)
    opened, closed = datetime(2026, 1, 5), datetime(2026, 2, 28)
    rows["audit_entry"] += [
        _history(4, "usulan.create", "usulan", 1, {"usulan_kegiatan": [None, "Perbaikan drainase Jl. Sutomo"],
                                                   "total": [None, 150000000]}, actor=2),
        _history(5, "usulan.keputusan", "usulan", 1, {"status": ["belum_dibahas", "diterima"]},
                 reason="Prioritas banjir", actor=2, at=datetime(2026, 1, 12, 3, 30))]
    rows.update({
        "siklus": [{"id": 1, "tenant_id": 1, "tahun": 2027, "nama": "RKPD 2027", "status": "berjalan",
                    "rkpd_ditetapkan_at": None, "created_at": NOW, "version": 1}],
        "tahapan": [{"id": ident, "tenant_id": 1, "siklus_id": 1, "kunci": key, "urutan": ident, "nama": name,
                     "jenis": kind, "dibuka": opened, "ditutup": closed, "pemasukan_ditutup": None, "version": 1}
                    for ident, key, name, kind in ((1, "rembuk_warga", "Rembuk Warga", "rembuk_warga"),
                                                   (2, "musrenbang_kelurahan", "Musrenbang Kelurahan",
                                                    "musrenbang_kelurahan"))],
        "pagu": [{"id": 1, "tenant_id": 1, "siklus_id": 1, "tahapan_kunci": "musrenbang_kelurahan",
                  "wilayah_id": 2, "perangkat_daerah_id": None, "jumlah": 500000000, "kuota": 10, "version": 1}],
        "usulan": [{
            "id": 1, "tenant_id": 1, "siklus_id": 1, "kode_lacak": "MED-2027-000001", "sumber": "lingkungan",
            "wilayah_asal_id": 3, "pengusul_nama": "Siti Aminah", "created_by_id": 2, "created_at": NOW,
            "bidang": "fisik_prasarana", "permasalahan": "Banjir setiap hujan deras",
            "usulan_kegiatan": "Perbaikan drainase Jl. Sutomo", "volume": 300, "satuan": "meter",
            "harga_satuan": 500000, "total": 150000000, "lokasi_wilayah_id": 3, "lokasi_kode": "12.71.01.1001.01",
            "jalan": "Jl. Sutomo", "tahapan": "musrenbang_kelurahan", "status": "diterima", "alasan": None,
            "survei_selesai": True, "terkunci": False, "tertutup": False, "dana_desa": False,
            "skor_rincian": {}, "perangkat_daerah_id": 1, "version": 3}],
        "keputusan": [{"id": 1, "tenant_id": 1, "usulan_id": 1, "tahapan": "musrenbang_kelurahan",
                       "keputusan": "diterima", "alasan": "Prioritas banjir", "oleh_wilayah_id": 2,
                       "user_id": 2, "user_nama": "Pengguna kel1", "created_at": datetime(2026, 1, 12, 3, 30)}],
        "api_token": [{"id": 1, "tenant_id": 1, "name": "Dashboard Diskominfo", "prefix": "epk_1a2b3c4d",
                       "token_hash": "a" * 64, "scope": "read", "user_id": 1, "created_by_id": 1,
                       "created_at": NOW}],
        "anggaran_impor": [{"id": 1, "tenant_id": 1, "siklus_id": 1, "sha256": "b" * 64,
                            "nama_berkas": "apbd-2027.csv", "sumber": "csv", "jumlah_baris": 1,
                            "baris_baru": 1, "baris_berubah": 0, "user_id": 1, "created_at": NOW}],
        "anggaran_baris": [{"id": 1, "tenant_id": 1, "siklus_id": 1, "impor_id": 1, "external_id": "SIPD-0001",
                            "kode_lacak": "MED-2027-000001", "usulan_id": 1, "perangkat_daerah_kode": "1.03.01",
                            "sub_kegiatan_kode": None, "uraian": "Drainase Jl. Sutomo", "jumlah": 140000000,
                            "created_at": NOW, "updated_at": NOW}],
    })
    return rows


#: The history of the 0.3.0 rows as 0.3.0 chained it: (seq, prev_hash, entry_hash), computed by
#: eplanning-core 0.3.0 (eplanning_core/audit/chain.py at commit 7d66507). Literal on purpose:
#: a core that hashes the same entries differently breaks every region's published checkpoints.
CHAIN_0_3_0 = [
    (1, "0" * 64,
     "4fb328e98886f9c516bcee1f2df98074e151b0f279357d44f00929c788d052a9"),
    (2, "4fb328e98886f9c516bcee1f2df98074e151b0f279357d44f00929c788d052a9",
     "5b1750bf5533ff06b1a00bab7e2c8e44034fd2d18bbd63fdd6b80818962a2ac1"),
    (3, "5b1750bf5533ff06b1a00bab7e2c8e44034fd2d18bbd63fdd6b80818962a2ac1",
     "97ac6812fb4d8d7591263211667b3f798716d8c0b494c0ec48d28244c1395d06"),
    (4, "97ac6812fb4d8d7591263211667b3f798716d8c0b494c0ec48d28244c1395d06",
     "ab786c26d6abda0934bad7f422c66643e5b6ef94df1ed4901ef4df21dcf6eaf6"),
    (5, "ab786c26d6abda0934bad7f422c66643e5b6ef94df1ed4901ef4df21dcf6eaf6",
     "2c6b8723361edae649c41e29bab0b48e1be461f23e18b9984b34d883ccd92951"),
]


def _rows_0_3_0(password_hash):
    """0.3.0 chains the history (seq, prev_hash, entry_hash, the head, a daily checkpoint) and
    keeps login sessions on the server."""
    rows = _rows_0_2_0(password_hash)
    for entry, (seq, prev_hash, entry_hash) in zip(rows["audit_entry"], CHAIN_0_3_0, strict=True):
        entry.update(seq=seq, prev_hash=prev_hash, entry_hash=entry_hash)
    last = CHAIN_0_3_0[-1]
    rows["audit_chain_head"] = [{"tenant_id": 1, "seq": last[0], "entry_hash": last[2]}]
    rows["audit_checkpoint"] = [{"id": 1, "tenant_id": 1, "day": date(2026, 1, 10), "seq": 3,
                                 "entry_hash": CHAIN_0_3_0[2][2], "created_at": datetime(2026, 1, 11)}]
    rows["login_session"] = [{"id": 1, "tenant_id": 1, "user_id": 2, "token_hash": "c" * 64,
                              "created_at": NOW, "last_seen_at": NOW, "reauth_at": NOW,
                              "ended_at": datetime(2026, 1, 10, 3, 0), "end_reason": "logout",
                              "ip": "10.0.0.7", "user_agent": "Mozilla/5.0"}]
    return rows


#: Rows as each release wrote them. A new release adds its entry here (the test below fails
#: until it does), so that every release's data is upgraded in CI from then on.
RELEASE_DATA = {"0.1.0": _rows_0_1_0, "0.2.0": _rows_0_2_0, "0.3.0": _rows_0_3_0}


def _fill(conn, rows):
    metadata = MetaData()
    for table, values in rows.items():
        conn.execute(Table(table, metadata, autoload_with=conn).insert(), values)
    if conn.dialect.name == "postgresql":  # explicit ids: move the sequences on, as the release did
        for table in (t for t, values in rows.items() if "id" in values[0]):
            if conn.scalar(text("select pg_get_serial_sequence(:t, 'id')"), {"t": table}):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))


def _snapshot(conn, tables):
    """Every row of the tables, as {table: [row mapping]} in primary-key order."""
    out = {}
    for table in tables:
        keys = inspect(conn).get_pk_constraint(table)["constrained_columns"]
        out[table] = [dict(r._mapping) for r in
                      conn.execute(text(f"SELECT * FROM {table} ORDER BY {', '.join(keys)}"))]
    return out


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from eplanning_core.app import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    return ScriptDirectory.from_config(config).get_current_head()


def test_every_release_in_the_list_has_rows_like_it_wrote():
    assert [r["version"] for r in RELEASES] == list(RELEASE_DATA), (
        "RELEASES.toml and RELEASE_DATA must name the same releases, oldest first")


@pytest.mark.parametrize("release", RELEASES, ids=[r["version"] for r in RELEASES])
def test_data_of_a_previous_release_survives_the_upgrade(release, empty_database, tmp_path):
    app = make_app(empty_database)
    app.instance_path = str(tmp_path)
    password_hash = generate_password_hash(OLD_PASSWORD, method="pbkdf2:sha256:1000")
    rows = RELEASE_DATA[release["version"]](password_hash)
    with app.app_context():
        upgrade(revision=release["schema_head"])
        with db.engine.begin() as conn:
            _fill(conn, rows)
        with db.engine.connect() as conn:
            before = _snapshot(conn, rows)
        result = app.test_cli_runner().invoke(args=["upgrade"])
        assert result.exit_code == 0, result.output
        if release["schema_head"] == _head():  # the release being made: nothing to upgrade yet
            assert f"already at {release['schema_head']}" in result.output
        else:
            assert f"upgraded from {release['schema_head']} to {_head()}" in result.output
        with db.engine.connect() as conn:
            after = _snapshot(conn, rows)
        # Every old row is still there, every column it had keeps its value.
        for table, old_rows in before.items():
            assert len(after[table]) == len(old_rows), table
            for old, new in zip(old_rows, after[table]):
                assert {k: new[k] for k in old} == old, f"{table} row changed by the upgrade"
        entries = len(rows["audit_entry"])
        verified = app.test_cli_runner().invoke(args=["audit", "verify"])
        assert verified.exit_code == 0 and f"OK: {entries} entries" in verified.output, verified.output
        if "audit_chain_head" in rows:  # the chain goes on from the old head
            assert [r["entry_hash"] for r in after["audit_entry"]] == [c[2] for c in CHAIN_0_3_0]
        again = app.test_cli_runner().invoke(args=["upgrade"])
        assert "already at" in again.output
        db.session.remove()
    client = browser(app)
    response = client.post("/masuk", data={"username": "kel1", "password": OLD_PASSWORD,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302  # an account of the old release logs in on the new core
    assert "Budi Santoso" in client.get("/wilayah/2").get_data(as_text=True)
    if "usulan" in rows:
        page = app.test_client().get("/publik/lacak?kode=MED-2027-000001").get_data(as_text=True)
        assert "Perbaikan drainase Jl. Sutomo" in page
    with app.app_context():
        db.engine.dispose()


def _override_app(database_url, tmp_path, files):
    folder = tmp_path / "templates"
    folder.mkdir()
    for name, source in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(source, encoding="utf-8")
    return make_app(database_url, TEMPLATE_OVERRIDES=str(folder))


def test_an_override_extends_the_core_page_and_is_shown(database_url, tmp_path):
    app = _override_app(database_url, tmp_path, {"auth/login.html": (
        '{% extends "core/auth/login.html" %}{% block content %}'
        '<p id="sambutan">Selamat datang di Kabupaten Contoh</p>{{ super() }}{% endblock %}')})
    with app.app_context():
        assert check_overrides(app) == []
    page = app.test_client().get("/masuk").get_data(as_text=True)
    assert "Selamat datang di Kabupaten Contoh" in page and 'name="username"' in page


def test_overrides_that_no_longer_fit_the_core_are_reported(database_url, tmp_path):
    app = _override_app(database_url, tmp_path, {
        "home.html": '{% extends "core/home.html" %}{% block ringkasan_lama %}x{% endblock %}',
        "laporan/lama.html": '{% extends "core/laporan/dihapus.html" %}{% block content %}y{% endblock %}',
        "usulan/daftar_lama.html": "<p>a whole page the core renamed</p>"})
    with app.app_context():
        problems = [str(p) for p in check_overrides(app)]
        result = app.test_cli_runner().invoke(args=["upgrade", "--strict"])
    assert "home.html: block 'ringkasan_lama' is not in core/home.html any more: its content is not shown" in problems
    assert "laporan/lama.html: extends core/laporan/dihapus.html, which the core no longer has" in problems
    assert any(p.startswith("usulan/daftar_lama.html: replaces a core page that no longer exists") for p in problems)
    assert result.exit_code != 0 and "3 template override(s) no longer fit the core" in result.output


def test_changelog_covers_this_version_and_every_migration():
    """A region's IT team reads the changelog before upgrading: it must name every schema step."""
    from pathlib import Path

    from alembic.script import ScriptDirectory
    from alembic.config import Config

    from eplanning_core import __version__
    from eplanning_core.app import MIGRATIONS_DIR

    changelog = (Path(__file__).resolve().parent.parent / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {__version__}" in changelog
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    revisions = [s.revision for s in ScriptDirectory.from_config(config).walk_revisions()]
    assert revisions and all(f"`{r}`" in changelog for r in revisions)
