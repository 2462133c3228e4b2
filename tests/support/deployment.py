"""Two regions (Medan, Agam) in one deployment, each on its own host name: the
``deployment`` fixture (an admin and a village operator in each region)."""

from __future__ import annotations

import pytest

from eplanning_core.accounts.models import User
from eplanning_core.extensions import db
from eplanning_core.tenancy.context import current_tenant_id, use_tenant
from eplanning_core.wilayah.importer import import_files
from eplanning_core.wilayah.models import Wilayah

from .apps import empty_all_tables, make_app
from .env import DATA, TENANTS_DIR


HOSTS = {"eplanning.medan.test": "medan", "eplanning.agam.test": "agam"}


@pytest.fixture
def deployment(database_url, tmp_path, password_hash):
    app = make_app(database_url, TENANT_HOSTS=HOSTS)
    app.instance_path = str(tmp_path)
    with app.app_context():
        ids = {}
        for slug, wilayah, units, unit_code in (
                ("medan", DATA / "wilayah-mini.csv", DATA / "units-mini.csv", "12.71.01.1001"),
                ("agam", TENANTS_DIR / "agam" / "wilayah.csv", None, "13.06.01.2001")):
            with use_tenant(slug):
                tid = current_tenant_id()
                import_files(tid, "12.71" if slug == "medan" else "13.06", wilayah, units)
                unit = db.session.scalar(db.select(Wilayah).where(Wilayah.tenant_id == tid, Wilayah.kode == unit_code))
                admin = User(tenant_id=tid, username="admin", nama=f"Admin {slug}", role="bappeda",
                             password_hash=password_hash, aktif=True)
                operator = User(tenant_id=tid, username="desa", nama=f"Operator {slug}", role="operator",
                                wilayah_id=unit.id, password_hash=password_hash, aktif=True)
                db.session.add_all([admin, operator])
                db.session.commit()
                ids[slug] = {"unit": unit.id, "admin": admin.id, "operator": operator.id}
        db.session.remove()
    # Requests run without an outer app context, as on a server: nothing shared between them.
    yield app, ids
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()
