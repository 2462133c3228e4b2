"""Several regions in one deployment: each request's region comes from its host name, and no
user of one region can read or change another's data, whatever id they send."""

import re

from support.env import PASSWORD
from support.web import csrf_token, HostClient

from eplanning_core.accounts.models import User
from eplanning_core.extensions import db
from eplanning_core.tenancy.context import current_tenant_id, use_tenant


def _client(app, host):
    return HostClient(app, host)


def _login(client, username="admin", password=PASSWORD):
    token = csrf_token(client)
    response = client.post("/masuk", data={"username": username, "password": password, "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 302, re.findall(r"(?:alert|invalid-feedback)[^>]*>([^<]+)", page) or page[-2000:]
    return client


def test_each_host_shows_its_own_region(deployment):
    app, _ = deployment
    assert "Kota Medan" in _client(app, "eplanning.medan.test").get("/masuk").get_data(as_text=True)
    assert "Kabupaten Agam" in _client(app, "eplanning.agam.test").get("/masuk").get_data(as_text=True)


def test_an_unknown_host_is_refused(deployment):
    app, _ = deployment
    assert _client(app, "evil.example").get("/masuk").status_code == 404


def test_ids_guessed_from_the_other_region_are_not_found(deployment):
    app, ids = deployment
    agam = _login(_client(app, "eplanning.agam.test"))
    medan = ids["medan"]
    assert agam.get(f"/wilayah/{medan['unit']}").status_code == 404
    assert agam.get(f"/admin/pengguna/{medan['operator']}").status_code == 404
    token = csrf_token(agam, "/admin/pengguna")
    response = agam.post(f"/admin/pengguna/{medan['operator']}", data={
        "csrf_token": token, "username": "dirampas", "nama": "Diambil alih", "role": "bappeda", "aktif": "y",
        "version": "1"})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(User, medan["operator"]).username == "desa"
    # the unit list of Agam holds no Medan unit
    page = agam.get("/wilayah/?q=Medan").get_data(as_text=True)
    assert "Pasar Baru" not in page and "12.71" not in page


def test_a_session_of_one_region_is_nobody_in_the_other(deployment):
    app, _ = deployment
    medan = _login(_client(app, "eplanning.medan.test"))
    cookie = medan.get_cookie("session", domain="eplanning.medan.test")
    agam = _client(app, "eplanning.agam.test")
    agam.set_cookie("session", cookie.value, domain="eplanning.agam.test")
    response = agam.get("/admin/pengguna")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_the_same_username_logs_in_only_to_its_own_region(deployment, password_hash):
    app, _ = deployment
    with app.app_context():
        with use_tenant("agam"):
            db.session.scalar(db.select(User).where(User.tenant_id == current_tenant_id(),
                                                    User.username == "desa")).aktif = False
            db.session.commit()
    agam = _client(app, "eplanning.agam.test")
    response = agam.post("/masuk", data={"username": "desa", "password": PASSWORD, "csrf_token": csrf_token(agam)})
    assert response.status_code == 200  # Agam's "desa" is disabled; Medan's "desa" does not count here
    _login(_client(app, "eplanning.medan.test"), "desa")


def test_system_administrator_lists_regions_and_creates_a_first_admin(deployment):
    app, _ = deployment
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["tenants", "list"])
    assert listing.exit_code == 0
    assert "eplanning.agam.test" in listing.output and "Kabupaten Agam" in listing.output
    # No 'agam' in the password: the password policy refuses the region's name.
    created = runner.invoke(args=["tenants", "create-admin", "agam", "--username", "bappeda.agam",
                                  "--nama", "Kepala Bidang Perencanaan", "--password", "rahasia-lembah-2027"])
    assert created.exit_code == 0 and "Kabupaten Agam" in created.output, created.output
    _login(_client(app, "eplanning.agam.test"), "bappeda.agam", "rahasia-lembah-2027")
    medan = _client(app, "eplanning.medan.test")
    response = medan.post("/masuk", data={"username": "bappeda.agam", "password": "rahasia-lembah-2027",
                                          "csrf_token": csrf_token(medan)})
    assert response.status_code == 200  # unknown in Medan
    unknown = runner.invoke(args=["tenants", "create-admin", "bandung", "--username", "x.y",
                                  "--nama", "Siapa", "--password", "rahasia-bandung-1"])
    assert unknown.exit_code != 0 and "no region 'bandung'" in unknown.output
