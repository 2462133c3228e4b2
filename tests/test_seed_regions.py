"""The seed regions ship as tenants, and the acceptance scenario the core ships carries a
proposal (and a Pokir) through each region's own stage set to the budget, on SQLite and
PostgreSQL, with the region's kecamatan and villages from the Kemendagri list."""

from __future__ import annotations

import csv
import importlib.metadata
import os
import shutil
import subprocess
import sys
import xml.dom.minidom
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support.apps import empty_all_tables, make_app
from support.env import IN_CI, PG_SERVER, ROOT, TENANTS_DIR, probe_postgres, require_reference

from eplanning_core.extensions import db
from eplanning_core.tenancy.context import current_tenant_id, use_tenant
from eplanning_core.tenancy.loader import load_tenant
from eplanning_core.tenancy.stages import stage_config_for_year
from eplanning_core.testing import run_acceptance
from eplanning_core.wilayah.models import Wilayah
from eplanning_core.workflow import cycle_from_config

#: The Kemendagri list (Kepmendagri 300.2.2-2138/2025), beside the repository.
WILAYAH = ROOT.parent / "shared" / "data" / "wilayah.csv"
#: The regions named in the project's origin: slug -> (code, name, kind, levels).
SEEDS = {
    "medan": ("12.71", "Kota Medan", "kota", ("Kecamatan", "Kelurahan", "Lingkungan")),
    "langkat": ("12.05", "Kabupaten Langkat", "kabupaten", ("Kecamatan", "Desa/Kelurahan", "Dusun/Lingkungan")),
    "serdang-bedagai": ("12.18", "Kabupaten Serdang Bedagai", "kabupaten",
                        ("Kecamatan", "Desa/Kelurahan", "Dusun/Lingkungan")),
    "gunungsitoli": ("12.78", "Kota Gunungsitoli", "kota", ("Kecamatan", "Desa/Kelurahan", "Dusun/Lingkungan")),
    "humbang-hasundutan": ("12.16", "Kabupaten Humbang Hasundutan", "kabupaten", ("Kecamatan", "Desa", "Dusun")),
    "padang-pariaman": ("13.05", "Kabupaten Padang Pariaman", "kabupaten", ("Kecamatan", "Nagari", "Korong")),
    "payakumbuh": ("13.76", "Kota Payakumbuh", "kota", ("Kecamatan", "Kelurahan", "RW")),
}
#: Added with this test: every kecamatan lies in exactly one dapil, and no unit list is shipped.
NEW_SEEDS = ("langkat", "serdang-bedagai", "gunungsitoli", "humbang-hasundutan", "padang-pariaman", "payakumbuh")
REGIONS = sorted(p.name for p in TENANTS_DIR.iterdir() if (p / "tenant.toml").is_file())


def _cycle(config):
    raw = list(config.stages) if config.stages is not None else None
    return cycle_from_config(2027, stage_config_for_year(raw, 2027), config.timezone)


def _path(cycle, start):
    """Stage keys from ``start`` along ``next`` to the end: where the stage set sends a proposal."""
    keys, stage = [], cycle.stage(start)
    while stage is not None:
        keys.append(stage.key)
        stage = cycle.next_stage(stage.key)
    return keys


# ---- the configurations ---------------------------------------------------------------------

@pytest.mark.parametrize("slug", REGIONS)
def test_every_tenant_folder_loads(slug):
    config = load_tenant(TENANTS_DIR / slug)
    assert config.slug == slug and config.stages, f"{slug} runs no stage set of its own"
    assert config.logo is not None and config.logo.suffix == ".svg"
    xml.dom.minidom.parse(str(config.logo))  # a well-formed SVG
    cycle = _cycle(config)
    assert cycle.stages[-1].kind == "penganggaran"
    assert _path(cycle, cycle.stages[0].key)[-1] == cycle.stages[-1].key
    if slug in NEW_SEEDS:  # their units come from the Kemendagri file or the region's own
        assert not (TENANTS_DIR / slug / "wilayah.csv").exists()


def test_the_seed_regions_are_all_there_each_with_its_own_face_and_cycle():
    assert set(SEEDS) <= set(REGIONS)
    configs = {slug: load_tenant(TENANTS_DIR / slug) for slug in SEEDS}
    for slug, (code, name, kind, levels) in SEEDS.items():
        config = configs[slug]
        assert (config.code, config.name, config.kind, config.levels) == (code, name, kind, levels)
        assert config.app_name.endswith(name) and config.timezone == "Asia/Jakarta"
    assert len({c.tracking_prefix for c in configs.values()}) == len(configs)
    assert len({(c.primary_color, c.secondary_color) for c in configs.values()}) == len(configs)
    assert len({c.logo.read_bytes() for c in configs.values()}) == len(configs)
    assert [configs[s].tracking_prefix for s in NEW_SEEDS] == ["LKT", "SRG", "GST", "HBH", "PPR", "PYK"]
    shapes = {}
    for slug, config in configs.items():
        cycle = _cycle(config)
        pokir = next(s for s in cycle.stages if s.kind == "pokir")
        shapes[slug] = (tuple(cycle.stage(k).kind for k in _path(cycle, cycle.stages[0].key)),
                        cycle.next_stage(pokir.key).kind)
    assert len(set(shapes.values())) >= 3, shapes
    # Humbang Hasundutan's villages hold a Musyawarah Dusun before the Musrenbang Desa;
    # Padang Pariaman starts at the Musrenbang Nagari; Payakumbuh's Pokir go to the Musrenbang RKPD.
    assert shapes["humbang-hasundutan"][0][:2] == ("rembuk_warga", "musrenbang_desa")
    assert _cycle(configs["humbang-hasundutan"]).stages[0].name == "Musyawarah Dusun"
    assert shapes["padang-pariaman"][0][0] == "musrenbang_desa"
    assert shapes["payakumbuh"][1] == "musrenbang_rkpd"


# ---- the Kemendagri list, read once ------------------------------------------------------------

@pytest.fixture(scope="session")
def kemendagri() -> dict[str, list[tuple[str, str, str]]]:
    """wilayah.csv by kabupaten/kota code: (kode, nama, tingkat) of its kecamatan and villages."""
    require_reference(WILAYAH)  # the seed regions' kecamatan and villages come from it
    by_region: dict[str, list] = {}
    with WILAYAH.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["kode"].count(".") >= 2:
                by_region.setdefault(row["kode"][:5], []).append((row["kode"], row["nama"], row["tingkat"]))
    return by_region


@pytest.fixture(scope="session")
def extracts(kemendagri, tmp_path_factory) -> dict[str, Path]:
    """Each region's rows as a small Kemendagri-format file, as a region would supply it."""
    folder = tmp_path_factory.mktemp("wilayah")
    paths = {}
    for slug in REGIONS:
        code = load_tenant(TENANTS_DIR / slug).code
        paths[slug] = folder / f"{slug}.csv"
        with paths[slug].open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["kode", "nama", "tingkat"])
            writer.writerows(kemendagri.get(code, []))
    return paths


def _expected(rows) -> dict[str, int]:
    counts = Counter("kecamatan" if t == "kecamatan" else
                     "kelurahan" if k.rsplit(".", 1)[1].startswith("1") else "desa" for k, _, t in rows)
    return {"kecamatan": counts["kecamatan"], "desa": counts["desa"], "kelurahan": counts["kelurahan"]}


def test_every_dapil_groups_real_kecamatan_of_its_region(kemendagri):
    for slug in REGIONS:
        config = load_tenant(TENANTS_DIR / slug)
        kecamatan = {k for k, _, t in kemendagri[config.code] if t == "kecamatan"}
        listed = [k for d in config.dapil for k in d.kecamatan]
        assert set(listed) <= kecamatan, f"{slug}: not kecamatan of {config.code}: {set(listed) - kecamatan}"
        assert len(listed) == len(set(listed)), f"{slug}: a kecamatan in two dapil"
        if slug in NEW_SEEDS:
            assert set(listed) == kecamatan, f"{slug}: kecamatan in no dapil: {kecamatan - set(listed)}"
            assert 3 <= len(config.dapil) <= 6


def test_the_seed_regions_villages_are_what_their_levels_say(kemendagri):
    counts = {slug: _expected(kemendagri[SEEDS[slug][0]]) for slug in SEEDS}
    assert counts["humbang-hasundutan"]["kelurahan"] == 1 and counts["humbang-hasundutan"]["desa"] > 100
    assert counts["padang-pariaman"]["kelurahan"] == 0   # nagari only
    assert counts["payakumbuh"]["desa"] == 0 and counts["medan"]["desa"] == 0   # kelurahan only
    for slug in ("langkat", "serdang-bedagai", "gunungsitoli"):   # desa and kelurahan: both level names
        assert counts[slug]["desa"] and counts[slug]["kelurahan"], slug


# ---- the acceptance scenario against every region ---------------------------------------------

@pytest.mark.parametrize("slug", REGIONS)
def test_the_acceptance_scenario_runs_through_the_regions_own_cycle(database_url, slug, extracts, kemendagri,
                                                                    tmp_path):
    config = load_tenant(TENANTS_DIR / slug)
    app = make_app(database_url, TENANT=slug)
    app.instance_path = str(tmp_path)
    try:
        report = run_acceptance(app, slug, wilayah_csv=extracts[slug])
        with app.app_context(), use_tenant(slug):
            imported = dict(db.session.execute(
                select(func.coalesce(Wilayah.jenis, "kecamatan"), func.count())
                .where(Wilayah.tenant_id == current_tenant_id(), Wilayah.tingkat < 3)
                .group_by(Wilayah.jenis)).all())
    finally:
        with app.app_context():
            db.session.remove()
            empty_all_tables()
            db.engine.dispose()

    expected = _expected(kemendagri[config.code])
    assert {k: imported.get(k, 0) for k in expected} == expected
    if slug == "humbang-hasundutan":
        assert imported.get("kelurahan") == 1
    cycle = _cycle(config)
    assert report.stages == _path(cycle, cycle.stages[0].key)
    assert cycle.stage(report.stages[-1]).kind == "penganggaran"
    assert (report.final_status, report.funded_amount) == ("didanai", 35_000_000)
    assert report.tracking_code.startswith(f"{config.tracking_prefix}-2027-")
    pokir = next(s for s in cycle.stages if s.kind == "pokir")
    assert report.pokir_stages == _path(cycle, pokir.key) and report.pokir_status == "didanai"
    assert report.units[3] >= 1 and report.generated_units == (0 if (TENANTS_DIR / slug / "units.csv").exists() else 3)
    # Every stage left its decisions on the public timeline: one or more per stage visited.
    assert report.decisions >= len(report.stages) + 1 and report.history >= report.decisions


# ---- the plugin, as a region's own project uses it -------------------------------------------------

def test_the_pytest_plugin_is_registered():
    plugins = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="pytest11")}
    assert plugins.get("eplanning") == "eplanning_core.testing.plugin"


THROWAWAY_TEST = '''
from pathlib import Path

import pytest

from eplanning_core.testing import run_acceptance


def test_the_fixtures(eplanning_tenants_dir, eplanning_regions, eplanning_database_url):
    assert eplanning_tenants_dir == (Path.cwd() / "tenants").resolve()
    assert eplanning_regions == ["agam", "payakumbuh"]
    assert eplanning_database_url.startswith("{scheme}")
    Path("database-name.txt").write_text(eplanning_database_url.rsplit("/", 1)[1])


@pytest.mark.parametrize("slug", ["agam", "payakumbuh"])
def test_our_cycle_reaches_the_budget(eplanning_app, slug):
    report = run_acceptance(eplanning_app(slug), slug)
    assert report.final_status == "didanai"
    assert report.stages[-1] == "penganggaran"
'''


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_project_with_only_the_plugin_runs_the_scenario(tmp_path, backend):
    """What a baked region does: its own tests, the core's fixtures, nothing from this repository.

    Agam ships its unit lists; Payakumbuh ships none, so the scenario makes up its villages
    from the dapil and a few RW itself.
    """
    options = []
    if backend == "postgresql":
        problem = probe_postgres()
        if problem:
            if IN_CI:
                pytest.fail(f"PostgreSQL not reachable at {PG_SERVER}: {problem}")
            pytest.skip(f"PostgreSQL not reachable at {PG_SERVER}: {problem}")
        options.append("--eplanning-db=" + PG_SERVER.replace("postgresql+psycopg://", "postgresql://", 1))
    for slug in ("agam", "payakumbuh"):
        shutil.copytree(TENANTS_DIR / slug, tmp_path / "tenants" / slug)
    (tmp_path / "test_region.py").write_text(
        THROWAWAY_TEST.replace("{scheme}", "sqlite:///" if backend == "sqlite" else "postgresql+psycopg://"),
        encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EPLANNING_", "PYTEST_", "PYTHONPATH"))}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--basetemp={tmp_path / 'tmp'}",
         *options, "test_region.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "3 passed" in result.stdout, result.stdout[-2000:]
    if backend == "postgresql":  # the plugin dropped the database it made
        from sqlalchemy import create_engine, text

        name = (tmp_path / "database-name.txt").read_text()
        engine = create_engine(PG_SERVER)
        with engine.connect() as conn:
            assert conn.execute(text("select count(*) from pg_database where datname = :n"), {"n": name}).scalar() == 0
        engine.dispose()
