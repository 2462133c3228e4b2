"""The region's files fit the installed core: tenant.toml loads, the overrides still fit."""

from pathlib import Path

from eplanning_core.overrides import check_overrides
from eplanning_core.tenancy.loader import load_tenant

ROOT = Path(__file__).resolve().parent.parent
SLUG = "{{ cookiecutter.tenant_slug }}"


def test_tenant_toml_loads():
    config = load_tenant(ROOT / "tenants" / SLUG)
    assert (config.code, config.kind) == ("{{ cookiecutter.region_code }}", "{{ cookiecutter.region_kind }}")
    assert config.levels == tuple({{ cookiecutter.__levels | split_levels | toml }})
    assert config.default_language == "{{ cookiecutter.default_language }}"
    assert config.logo is not None and config.logo.is_file()


def test_units_csv_has_the_header_the_importer_reads():
    header = (ROOT / "tenants" / SLUG / "units.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.split(",")[:2] == ["kode", "nama"]


def test_template_overrides_fit_the_core_and_show(eplanning_app):
    app = eplanning_app(SLUG, TEMPLATE_OVERRIDES=str(ROOT / "templates"))
    assert [str(p) for p in check_overrides(app)] == []
    page = app.test_client().get("/masuk")
    assert page.status_code == 200
    assert 'id="bantuan-wilayah"' in page.get_data(as_text=True)
