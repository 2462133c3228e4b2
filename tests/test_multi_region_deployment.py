"""Several baked regions, one deployment: each baked project's tenants folder is listed in
EPLANNING_TENANTS_DIR as it is, each host gets its own region, and each region its own
template overrides (tenants/<slug>/templates/), never the other region's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter
from sqlalchemy import text

from eplanning_core import create_app
from eplanning_core.extensions import db
from eplanning_core.overrides import check_overrides
from eplanning_core.tenancy.loader import TenantConfigError

TEMPLATE = Path(__file__).resolve().parent.parent / "cookiecutter-region"
#: host -> (slug, region answers, the words only this region's login page shows)
REGIONS = {
    "eplanning.kotasatu.test": ("kota-satu", dict(region_code="12.71", region_name="Kota Medan",
                                                  region_kind="kota", levels="Kecamatan/Kelurahan/Lingkungan"),
                                "Layanan pengaduan Kota Satu"),
    "eplanning.kabdua.test": ("kab-dua", dict(region_code="13.06", region_name="Kabupaten Agam",
                                              region_kind="kabupaten", levels="Kecamatan/Nagari/Jorong"),
                              "Posko bantuan Kabupaten Dua"),
}


@pytest.fixture
def baked(tmp_path, monkeypatch):
    """Two baked projects, each with its login override moved into its region's folder."""
    home = tmp_path / "cookiecutter-home"
    home.mkdir()
    (home / "config.yaml").write_text(f"replay_dir: {home / 'replay'}\ncookiecutters_dir: {home / 'clones'}\n")
    monkeypatch.setenv("COOKIECUTTER_CONFIG", str(home / "config.yaml"))
    projects = {}
    for host, (slug, answers, words) in REGIONS.items():
        project = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path / "srv"),
                                    extra_context=dict(answers, tenant_slug=slug, stage_preset="lengkap",
                                                       project_slug=f"eplanning-{slug}")))
        own = project / "tenants" / slug / "templates"
        shutil.move(str(project / "templates"), own)  # the guide's one step per baked project
        login = own / "auth" / "login.html"
        login.write_text(login.read_text(encoding="utf-8").replace(
            "{% endblock %}", f'<p class="pengumuman-wilayah">{words}</p>\n{{% endblock %}}'), encoding="utf-8")
        projects[host] = project
    return projects


def _app(database_url, tmp_path, tenants_dir, **extra):
    hosts = {host: slug for host, (slug, _, _) in REGIONS.items()}
    config = {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t", "TENANTS_DIR": tenants_dir,
              "TENANT": "kota-satu", "TENANT_HOSTS": hosts}
    config.update(extra)
    app = create_app(config)
    app.instance_path = str(tmp_path)
    return app


@pytest.fixture
def forget_regions(database_url):
    """The regions this test registers leave the shared test database afterwards."""
    yield
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t",
                      "TENANTS_DIR": str(Path(__file__).resolve().parent.parent / "tenants")})
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM tenant WHERE slug IN ('kota-satu', 'kab-dua')"))
        db.engine.dispose()


def test_each_host_gets_its_region_and_its_own_login_page(baked, database_url, tmp_path, forget_regions):
    shared = tmp_path / "deployment-templates"
    (shared / "auth").mkdir(parents=True)
    (shared / "auth" / "login.html").write_text(
        '{% extends "core/auth/login.html" %}{% block content %}{{ super() }}'
        '<p>Halaman bersama provinsi</p>{% endblock %}', encoding="utf-8")
    (shared / "error.html").write_text(
        '{% extends "core/error.html" %}{% block content %}<p id="provinsi">Diskominfo Provinsi</p>'
        '{{ super() }}{% endblock %}', encoding="utf-8")
    folders = ":".join(str(p / "tenants") for p in baked.values())
    app = _app(database_url, tmp_path, folders, TEMPLATE_OVERRIDES=str(shared))
    client = app.test_client()
    pages = {}
    for _ in range(2):  # twice, alternating: the template cache keeps the regions apart
        for host in REGIONS:
            response = client.get("/masuk", base_url=f"http://{host}")
            assert response.status_code == 200
            pages[host] = response.get_data(as_text=True)
            words = [w for h, (_, _, w) in REGIONS.items()]
            own = REGIONS[host][2]
            assert own in pages[host], f"{host} lacks its own login text"
            assert [w for w in words if w != own and w in pages[host]] == [], f"{host} shows another region's text"
            assert 'name="username"' in pages[host]  # the core's form still there (super())
            assert "Halaman bersama provinsi" not in pages[host]  # the region's own page comes first
    assert "e-Perencanaan Kota Medan" in pages["eplanning.kotasatu.test"]
    assert "e-Perencanaan Kabupaten Agam" in pages["eplanning.kabdua.test"]
    # A page no region overrides: the deployment's override, for every region.
    for host in REGIONS:
        missing = client.get("/tidak-ada", base_url=f"http://{host}")
        assert missing.status_code == 404 and "Diskominfo Provinsi" in missing.get_data(as_text=True)
    assert client.get("/masuk", base_url="http://lain.test").status_code == 404
    with app.app_context():
        assert check_overrides(app) == []
        db.session.remove()
        db.engine.dispose()


def test_an_override_out_of_date_is_reported_with_its_region(baked, database_url, tmp_path):
    host = "eplanning.kabdua.test"
    slug = REGIONS[host][0]
    (baked[host] / "tenants" / slug / "templates" / "home.html").write_text(
        '{% extends "core/home.html" %}{% block ringkasan_lama %}x{% endblock %}', encoding="utf-8")
    app = _app(database_url, tmp_path, ":".join(str(p / "tenants") for p in baked.values()))
    with app.app_context():
        problems = [str(p) for p in check_overrides(app)]
        db.engine.dispose()
    assert problems == [f"{slug}: home.html: block 'ringkasan_lama' is not in core/home.html any more: "
                        "its content is not shown"]


def test_one_slug_in_two_folders_is_refused_with_both_paths(baked, database_url, tmp_path):
    first, second = baked.values()
    shutil.copytree(first / "tenants" / "kota-satu", second / "tenants" / "kota-satu")
    with pytest.raises(TenantConfigError) as refused:
        _app(database_url, tmp_path, f"{first / 'tenants'}:{second / 'tenants'}")
    message = str(refused.value)
    assert "region 'kota-satu' is in both" in message
    assert str(first / "tenants" / "kota-satu") in message and str(second / "tenants" / "kota-satu") in message


def test_a_region_in_none_of_the_folders_names_where_it_was_looked_for(baked, database_url, tmp_path):
    only_first = str(next(iter(baked.values())) / "tenants")
    with pytest.raises(TenantConfigError) as refused:
        _app(database_url, tmp_path, only_first)
    assert "kab-dua/tenant.toml: file not found" in str(refused.value)
