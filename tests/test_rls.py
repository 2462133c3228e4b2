"""PostgreSQL keeps regions apart by itself: the application connects as a role that owns
nothing, and row level security hides and refuses another region's rows even when a query
forgets its tenant filter. PostgreSQL only: under CI=true a missing server fails them."""

from __future__ import annotations

import importlib.util
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from support.apps import Clock, empty_all_tables, make_app
from support.env import DATA, PASSWORD, ROOT, TENANTS_DIR
from support.web import csrf_token, HostClient

import eplanning_core.models  # noqa: F401  (every table on the metadata)
from eplanning_core.accounts.models import User
from eplanning_core.extensions import db
from eplanning_core.tenancy.context import current_tenant_id, use_tenant
from eplanning_core.usulan.models import Usulan
from eplanning_core.wilayah.importer import import_files
from eplanning_core.wilayah.models import Wilayah

#: On PostgreSQL directly, and through PgBouncer in transaction mode (support/engines.py): the
#: region is set per transaction, so a pooled server connection never carries it to another client.
ON_POSTGRES = pytest.mark.parametrize("database_url", ["postgresql", "pgbouncer"], indirect=True)
HOSTS = {"eplanning.medan.test": "medan", "eplanning.agam.test": "agam"}
MEDAN, AGAM = "eplanning.medan.test", "eplanning.agam.test"
ROLE_PASSWORD = "peran-aplikasi-uji-123"
ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang dan tergenang saat hujan",
        "usulan_kegiatan": "Pengaspalan Jalan Gang Damai", "volume": "150", "satuan": "m",
        "harga_satuan": "450.000", "jalan": "Gang Damai", "pengusul_nama": "Siti Aminah",
        "pengusul_telepon": "0812-6000-1234", "pengusul_nik": "1271010101010001"}


def _migration():
    path = ROOT / "migrations" / "versions" / "0006_row_level_security.py"
    spec = importlib.util.spec_from_file_location("rls_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_covers_every_table_that_holds_a_regions_rows():
    """Migrations cannot import the models: their list must match the models' tables."""
    tenant_tables = {t.name for t in db.metadata.tables.values() if "tenant_id" in t.c}
    later = set()  # tables added after 0006 set the same policy in their own migration
    for path in sorted((ROOT / "migrations" / "versions").glob("00*.py")):
        if path.name > "0006":
            spec = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            later |= set(getattr(module, "TENANT_TABLES", ()))
    assert set(_migration().TENANT_TABLES) | later == tenant_tables
    assert "tenant" not in tenant_tables  # public names of the regions: readable by all


# ---- the application role, created per run (roles are cluster-wide) -------------------------

@pytest.fixture(scope="module")
def app_role(database_url):
    role = f"eplanning_app_{uuid.uuid4().hex[:10]}"
    owner = make_app(database_url)
    result = owner.test_cli_runner().invoke(args=["security", "app-role", role, "--password", ROLE_PASSWORD])
    assert result.exit_code == 0, result.output
    assert "audit_entry: SELECT, INSERT" in result.output
    url = make_url(database_url).set(username=role, password=ROLE_PASSWORD)
    yield role, url.render_as_string(hide_password=False)
    with owner.app_context():
        db.engine.dispose()
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
        conn.exec_driver_sql(f'DROP ROLE "{role}"')
    admin.dispose()


@pytest.fixture
def regions(database_url, app_role, password_hash):
    """Kota Medan and Kabupaten Agam, each with a Bappeda admin, an operator and a cycle,
    set up by the owner; then the application as the application role."""
    from eplanning_core.siklus.operations import open_cycle

    owner = make_app(database_url, TENANT_HOSTS=HOSTS)
    ids, app = {}, None
    try:
        with owner.app_context():
            for slug, code, wilayah, units, unit_code in (
                    ("medan", "12.71", DATA / "wilayah-mini.csv", DATA / "units-mini.csv", "12.71.01.1001.01"),
                    ("agam", "13.06", TENANTS_DIR / "agam" / "wilayah.csv", None, "13.06.01.2001")):
                with use_tenant(slug):
                    tid = current_tenant_id()
                    import_files(tid, code, wilayah, units)
                    unit = db.session.scalar(db.select(Wilayah).where(Wilayah.tenant_id == tid,
                                                                      Wilayah.kode == unit_code))
                    admin = User(tenant_id=tid, username="admin", nama=f"Admin {slug}", role="bappeda",
                                 password_hash=password_hash, aktif=True)
                    operator = User(tenant_id=tid, username="operator", nama=f"Operator {slug}",
                                    role="operator", wilayah_id=unit.id, password_hash=password_hash, aktif=True)
                    db.session.add_all([admin, operator])
                    db.session.commit()
                    assert open_cycle(tid, admin, 2027).ok
                    ids[slug] = {"tenant": tid, "unit": unit.id, "admin": admin.id, "operator": operator.id}
            db.session.remove()
        app = make_app(app_role[1], TENANT_HOSTS=HOSTS)
        Clock(app)  # 20 January 2026: Rembuk Warga in Medan, Musrenbang Nagari in Agam
        yield app, ids
    finally:  # also when the setup failed half-way
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        with owner.app_context():
            db.session.remove()
            empty_all_tables()
            db.engine.dispose()


def _logged_in(app, host, username):
    client = HostClient(app, host)
    response = client.post("/masuk", data={"username": username, "password": PASSWORD,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    return client


def _propose(client, stage, unit_id):
    data = dict(ROAD, tahapan=stage, lokasi_wilayah_id=str(unit_id))
    data["csrf_token"] = csrf_token(client, "/usulan/baru")
    response = client.post("/usulan/baru", data=data)
    assert response.status_code == 302, re.findall(r'invalid-feedback[^>]*>([^<]+)', response.get_data(as_text=True))
    page = client.get("/usulan/").get_data(as_text=True)
    return page


def _proposals(regions):
    """One proposal per region, entered through the application by its operator."""
    app, ids = regions
    medan = _logged_in(app, MEDAN, "operator")
    agam = _logged_in(app, AGAM, "operator")
    medan_page = _propose(medan, "rembuk_warga", ids["medan"]["unit"])
    agam_page = _propose(agam, "musrenbang_nagari", ids["agam"]["unit"])
    return medan, agam, medan_page, agam_page


def _app_connection(app_role):
    return create_engine(app_role[1])


def _set_tenant(conn, tenant_id):
    conn.execute(text("select set_config('eplanning.tenant_id', :t, true)"), {"t": str(tenant_id)})


@ON_POSTGRES
def test_two_regions_work_through_the_application_role(regions):
    _, _, medan_page, agam_page = _proposals(regions)
    medan_codes = set(re.findall(r"MDN-2027-\w+", medan_page))
    agam_codes = set(re.findall(r"AGM-2027-\w+", agam_page))
    assert medan_codes and agam_codes
    assert not re.search(r"AGM-2027-", medan_page) and not re.search(r"MDN-2027-", agam_page)
    # the other region's admin lists only their own region's proposals
    agam_admin = _logged_in(regions[0], AGAM, "admin")
    page = agam_admin.get("/usulan/").get_data(as_text=True)
    assert agam_codes <= set(re.findall(r"AGM-2027-\w+", page)) and "MDN-2027-" not in page


@ON_POSTGRES
def test_raw_sql_of_one_region_cannot_read_change_or_add_anothers_rows(regions, app_role, database_url):
    _proposals(regions)
    ids = regions[1]
    medan, agam = ids["medan"]["tenant"], ids["agam"]["tenant"]
    engine = _app_connection(app_role)
    try:
        with engine.begin() as conn:
            _set_tenant(conn, medan)
            # its own rows are there: the policy lets the right region through
            assert conn.scalar(text("select count(*) from usulan")) == 1
            assert conn.scalar(text("select count(*) from user_account")) == 2
            for table in ("usulan", "user_account", "wilayah", "siklus", "audit_entry"):
                assert conn.scalar(text(f"select count(*) from {table} where tenant_id = :t"), {"t": agam}) == 0
            assert conn.execute(text("update user_account set nama = 'Diambil alih' where tenant_id = :t"),
                                {"t": agam}).rowcount == 0
            assert conn.execute(text("delete from keputusan where tenant_id = :t"), {"t": agam}).rowcount == 0
            assert conn.execute(text("update usulan set pengusul_nama = 'x' where tenant_id = :t"),
                                {"t": agam}).rowcount == 0
        for statement in (("insert into perangkat_daerah (tenant_id, kode, nama, singkatan) "
                           "values (:t, '9.99.99', 'Dinas Palsu', 'DP')"),
                          "update wilayah set tenant_id = :t where id = (select min(id) from wilayah)"):
            with engine.begin() as conn:
                _set_tenant(conn, medan)
                with pytest.raises(DBAPIError, match="row-level security"):
                    conn.execute(text(statement), {"t": agam})
    finally:
        engine.dispose()
    owner = create_engine(database_url)
    with owner.connect() as conn:
        assert conn.scalar(text("select nama from user_account where tenant_id = :t and username = 'admin'"),
                           {"t": agam}) == "Admin agam"
        assert conn.scalar(text("select count(*) from usulan where tenant_id = :t"), {"t": agam}) == 1
    owner.dispose()


@ON_POSTGRES
def test_without_a_region_the_application_role_sees_nothing(regions, app_role, database_url):
    tables = [t.name for t in db.metadata.tables.values() if "tenant_id" in t.c]
    engine, owner = _app_connection(app_role), create_engine(database_url)
    try:
        with owner.connect() as conn:  # the test's superuser passes row level security
            assert conn.scalar(text("select count(*) from wilayah")) > 0
        with engine.connect() as conn:
            for table in tables:
                assert conn.scalar(text(f'select count(*) from "{table}"')) == 0, table
            _set_tenant(conn, "")  # set, then emptied: still nothing
            assert conn.scalar(text("select count(*) from user_account")) == 0
            assert conn.scalar(text("select count(*) from tenant")) == 2  # public names only
    finally:
        engine.dispose()
        owner.dispose()


@ON_POSTGRES
@pytest.mark.parametrize("statement", [
    "update audit_entry set reason = 'rewritten'",
    "delete from audit_entry",
    "truncate usulan",
    "alter table usulan disable row level security",
    "alter table usulan no force row level security",
    "drop policy tenant_isolation on usulan",
    "set session_replication_role = replica",
    "set row_security = off; select count(*) from usulan",
    "update alembic_version set version_num = 'x'",
])
def test_the_application_role_cannot_rewrite_history_or_switch_the_policy_off(regions, app_role, statement):
    engine = _app_connection(app_role)
    try:
        with engine.begin() as conn:
            _set_tenant(conn, regions[1]["medan"]["tenant"])
            with pytest.raises(DBAPIError, match="permission denied|must be owner|row-level security"):
                for part in statement.split(";"):
                    conn.execute(text(part))
        with engine.connect() as conn:
            flags = conn.execute(text("select rolsuper, rolbypassrls from pg_roles where rolname = current_user")).one()
            assert tuple(flags) == (False, False)
    finally:
        engine.dispose()


@ON_POSTGRES
def test_a_guessed_id_of_another_region_is_not_found_even_if_a_query_forgets_the_tenant(
        regions, app_role, database_url, monkeypatch):
    _proposals(regions)
    app = regions[0]
    with app.app_context(), use_tenant("medan"):
        medan_id = db.session.scalar(db.select(Usulan.id))
        db.session.remove()
    raw = text("select * from usulan where id = :id")
    with app.app_context(), use_tenant("agam"):
        assert db.session.execute(raw, {"id": medan_id}).first() is None
        db.session.remove()
    owner = make_app(database_url, TENANT_HOSTS=HOSTS)
    with owner.app_context(), use_tenant("agam"):  # control: without row level security it leaks
        assert db.session.execute(raw, {"id": medan_id}).first() is not None
        db.session.remove()
        db.engine.dispose()

    from eplanning_core.usulan import views

    monkeypatch.setattr(views, "get_usulan", lambda user, ident: db.session.get(Usulan, int(ident)))
    agam = _logged_in(app, AGAM, "admin")
    assert agam.get(f"/usulan/{medan_id}").status_code == 404
    medan = _logged_in(app, MEDAN, "admin")
    assert medan.get(f"/usulan/{medan_id}").status_code == 200


@ON_POSTGRES
def test_app_role_refuses_a_superuser_or_the_owner(database_url):
    owner = make_app(database_url)
    runner = owner.test_cli_runner()
    for role, reason in (("postgres", "the owner"), ("bad-name!", "plain role name")):
        result = runner.invoke(args=["security", "app-role", role])
        assert result.exit_code != 0 and reason in result.output, result.output
    with owner.app_context():
        db.engine.dispose()


@ON_POSTGRES
def test_every_region_table_has_its_policy_forced(database_url):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "select c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "exists(select 1 from pg_policies p where p.tablename = c.relname and p.policyname = 'tenant_isolation' "
            "and p.qual like '%eplanning.tenant_id%' and p.with_check like '%eplanning.tenant_id%') "
            "from pg_class c join information_schema.columns col on col.table_name = c.relname "
            "and col.column_name = 'tenant_id' and col.table_schema = current_schema() "
            "where c.relkind = 'r'")).all()
        tenant = conn.execute(text("select relrowsecurity from pg_class where relname = 'tenant'")).scalar()
    engine.dispose()
    assert len(rows) >= 18
    assert [r[0] for r in rows if not (r[1] and r[2] and r[3])] == []
    assert tenant is False


def test_the_deployment_guide_names_both_roles():
    guide = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert "EPLANNING_MIGRATE_DATABASE_URL" in guide and "eplanning security app-role" in guide
    assert Path(ROOT / "migrations" / "versions" / "0006_row_level_security.py").is_file()
