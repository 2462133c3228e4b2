"""The documentation cannot silently fall behind the code it describes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from marshmallow import fields
from support.apps import make_app

from eplanning_core.config import SETTINGS
from eplanning_core.tenancy.loader import load_tenant
from eplanning_core.tenancy.schema import TenantSchema

ROOT = Path(__file__).resolve().parent.parent
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
INDEX = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _schema_keys(schema, prefix="") -> list[str]:
    """Every key tenant.toml accepts, dotted: 'levels', 'region.code', 'dapil.kecamatan'."""
    keys = []
    for name, field in schema.fields.items():
        key = prefix + (field.data_key or name)
        keys.append(key)
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            keys += _schema_keys(inner.schema, key + ".")
    return keys


def test_the_schema_walk_reaches_nested_keys():
    keys = _schema_keys(TenantSchema())
    assert {"levels", "region.code", "branding.logo", "dapil.kecamatan"} <= set(keys)


def test_configuration_doc_describes_every_tenant_key():
    forms = ("`{}`", "`[{}]`", "`[[{}]]`")  # a key, a table, an array of tables
    missing = [k for k in _schema_keys(TenantSchema())
               if not any(form.format(k) in CONFIGURATION for form in forms)]
    assert not missing, f"docs/configuration.md does not describe: {missing}"


def _examples():
    return [b for b in re.findall(r"```toml\n(.*?)```", CONFIGURATION, re.S) if "[region]" in b]


def test_configuration_examples_are_valid_region_files(tmp_path):
    examples = [b for b in _examples() if "with mistakes" not in b.splitlines()[0]]
    assert len(examples) >= 2, "a kota and a kabupaten example"
    kinds = set()
    for i, example in enumerate(examples):
        folder = tmp_path / f"example-{i}"
        folder.mkdir()
        (folder / "tenant.toml").write_text(example, encoding="utf-8")
        shutil.copy(ROOT / "tenants" / "medan" / "logo.svg", folder / "logo.svg")
        kinds.add(load_tenant(folder).kind)  # raises TenantConfigError with the reasons
    assert kinds == {"kota", "kabupaten"}


def test_documented_error_output_is_the_real_output(tmp_path):
    from eplanning_core.tenancy.loader import TenantConfigError

    broken = next(b for b in _examples() if "with mistakes" in b.splitlines()[0])
    documented = re.search(r"real output.*?```\n(Invalid region configuration\n.*?)```", CONFIGURATION, re.S)
    assert documented, "docs/configuration.md lost its error example"
    folder = tmp_path / "medan"
    folder.mkdir()
    (folder / "tenant.toml").write_text(broken, encoding="utf-8")
    shutil.copy(ROOT / "tenants" / "medan" / "logo.svg", folder / "logo.svg")
    try:
        load_tenant(folder)
    except TenantConfigError as exc:
        real = str(exc).replace(str(folder / "tenant.toml"), "/srv/tenants/medan/tenant.toml")
    else:
        raise AssertionError("the documented broken file loads")
    assert real.strip() == documented.group(1).strip()


def test_index_lists_every_setting_and_package():
    missing = [f"EPLANNING_{s.key}" for s in SETTINGS if f"`EPLANNING_{s.key}`" not in INDEX]
    assert not missing, f"docs/index.md settings table lacks {missing}"
    packages = sorted(p.name for p in (ROOT / "eplanning_core").iterdir()
                      if p.is_dir() and any(p.glob("*.py")))
    missing = [p for p in packages if f"`{p}/`" not in INDEX]
    assert not missing, f"docs/index.md architecture table lacks the packages {missing}"


def test_readme_lists_the_real_demo_accounts(tmp_path):
    from flask_migrate import upgrade

    from eplanning_core.demo.seed import DEMO_PASSWORD, demo_accounts, seed_demo
    from eplanning_core.extensions import db

    app = make_app("sqlite:///" + str(tmp_path / "demo.sqlite"))
    with app.app_context():
        try:
            upgrade()
            seed_demo()
            with app.test_request_context():
                accounts = demo_accounts()
        finally:
            db.session.remove()
            db.engine.dispose()
    rows = {m.group(1): m.group(2).strip() for m in re.finditer(
        r"^\| `([a-z0-9-]+)`\s*\| ([^|]+)\|", README, re.M)}
    real = {a["username"]: a["role"] for a in accounts}
    # Every README row is a real demo account with the role it really shows ...
    assert rows and all(real.get(name) == role for name, role in rows.items()), (rows, real)
    # ... and every kind of role the demo has is in the README.
    kinds = {r.split(" (")[0] for r in real.values()}
    assert kinds == {r.split(" (")[0] for r in rows.values()}
    assert f"`{DEMO_PASSWORD}`" in README
