"""cookiecutter-region: every supported answer bakes a project the core can run; wrong
answers are refused by the template's hook; ``eplanning new-region`` bakes the same; and the
core built as a wheel, installed in a fresh venv, bakes a project whose own tests pass."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

import eplanning_core
from eplanning_core.regiontemplate import template_dir
from eplanning_core.tenancy.loader import load_tenant

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "cookiecutter-region"
WILAYAH = ROOT.parent / "shared" / "data" / "wilayah.csv"
COPIED_VERBATIM = "templates"   # the overrides: Flask's Jinja, copied without rendering

#: (kind, code, name, levels answer, expected level names)
REGIONS = {
    "kota-kelurahan": ("kota", "12.71", "Kota Medan", "Kecamatan/Kelurahan/Lingkungan",
                       ("Kecamatan", "Kelurahan", "Lingkungan")),
    "kab-desa": ("kabupaten", "12.16", "Kabupaten Humbang Hasundutan", "Kecamatan/Desa/Dusun",
                 ("Kecamatan", "Desa", "Dusun")),
    "kab-nagari-jorong": ("kabupaten", "13.06", "Kabupaten Agam", "Kecamatan/Nagari/Jorong",
                          ("Kecamatan", "Nagari", "Jorong")),
    "kab-nagari-korong": ("kabupaten", "13.05", "Kabupaten Padang Pariaman", "Kecamatan/Nagari/Korong",
                          ("Kecamatan", "Nagari", "Korong")),
    "kab-custom": ("kabupaten", "51.03", "Kabupaten Badung", "lainnya", ("Kecamatan", "Desa", "Banjar")),
}
PRESETS = {  # preset -> (first stage, has Pokir)
    "lengkap": ("rembuk_warga", True),
    "tanpa-rembuk-warga": ("musrenbang_{village}", True),
    "ringkas": ("musrenbang_{village}", False),
}
LANGUAGES = ("id", "en")


@pytest.fixture(autouse=True)
def cookiecutter_home(tmp_path_factory, monkeypatch):
    """Cookiecutter's replay files and clones go to a temporary folder, not the home folder."""
    home = tmp_path_factory.getbasetemp() / "cookiecutter-home"
    home.mkdir(exist_ok=True)
    config = home / "config.yaml"
    config.write_text(f"replay_dir: {home / 'replay'}\ncookiecutters_dir: {home / 'clones'}\n")
    monkeypatch.setenv("COOKIECUTTER_CONFIG", str(config))
    return config


def bake(output: Path, template: Path = TEMPLATE, **answers) -> Path:
    return Path(cookiecutter(str(template), no_input=True, extra_context=answers,
                             output_dir=str(output)))


def region_answers(key: str, preset: str, language: str) -> dict:
    kind, code, name, levels, _ = REGIONS[key]
    answers = dict(region_code=code, region_name=name, region_kind=kind, levels=levels,
                   stage_preset=preset, default_language=language,
                   tenant_slug=f"{key}-{preset}-{language}")
    if levels == "lainnya":
        answers["custom_levels"] = "Kecamatan/Desa/Banjar"
    return answers


def leftovers(project: Path) -> list[str]:
    """Files still holding template syntax: cookiecutter's anywhere, Jinja's outside the
    overrides folder and the README's ```jinja examples (both meant to keep theirs)."""
    found = []
    for path in sorted(p for p in project.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(project)
        if "cookiecutter." in text or "cookiecutter" in str(relative):
            found.append(f"{relative}: cookiecutter variable")
        text = re.sub(r"^```jinja\n.*?^```$", "", text, flags=re.M | re.S)
        if relative.parts[0] != COPIED_VERBATIM and re.search(r"\{\{|\{%|\{#|%\}|\}\}", text):
            found.append(f"{relative}: Jinja syntax")
    return found


# ---- every supported combination -------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("preset", list(PRESETS))
@pytest.mark.parametrize("region", list(REGIONS))
def test_every_supported_combination_bakes_a_project_the_core_loads(tmp_path, region, preset, language):
    kind, code, name, _, levels = REGIONS[region]
    answers = region_answers(region, preset, language)
    project = bake(tmp_path, **answers)

    assert project.name == f"eplanning-{answers['tenant_slug']}"
    assert leftovers(project) == []
    folder = project / "tenants" / answers["tenant_slug"]
    assert sorted(p.name for p in folder.iterdir()) == ["logo.svg", "tenant.toml", "units.csv"]
    config = load_tenant(folder)
    assert (config.code, config.name, config.kind, config.levels) == (code, name, kind, levels)
    assert config.default_language == language
    assert config.logo == (folder / "logo.svg").resolve()
    first, pokir = PRESETS[preset]
    stages = [s["key"] for s in config.stages]
    assert stages[0] == first.format(village=levels[1].lower())
    assert stages[-1] == "penganggaran" and ("pokir" in stages) is pokir
    assert config.dapil and all(k.startswith(code + ".") for k in config.dapil[0].kecamatan)
    assert config.timezone == ("Asia/Makassar" if code.startswith("51.") else "Asia/Jakarta")

    units = (folder / "units.csv").read_text(encoding="utf-8").splitlines()
    village = f"{code}.01.{'1001' if kind == 'kota' else '2001'}"
    assert units == ["kode,nama,kode_induk", f"{village}.01,{levels[2]} 1 (contoh),{village}",
                     f"{village}.02,{levels[2]} 2 (contoh),{village}"]
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    major = int(eplanning_core.__version__.split(".")[0])
    assert pyproject["project"]["dependencies"] == [
        f"eplanning-core>={eplanning_core.__version__},<{major + 1}"]
    assert (project / "templates" / "auth" / "login.html").read_text().count(
        '{% extends "core/auth/login.html" %}') == 1
    assert "make demo" in (project / "README.md").read_text() and (project / ".ci" / "run").is_file()
    makefile = (project / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_the_baked_make_demo_takes_the_port(tmp_path):
    """`make demo PORT=8123` in a baked project (dry run: the commands make would run)."""
    project = bake(tmp_path, region_code="13.03")
    (project / "tenants" / "sijunjung" / "wilayah.csv").write_text("kode,nama,tingkat\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "HOST")}
    for args, expected in ((["PORT=8123"], "--host 127.0.0.1 --port 8123"), ([], "--host 127.0.0.1 --port 5000"),
                           (["PORT=8123", "HOST=0.0.0.0"], "--host 0.0.0.0 --port 8123")):
        result = subprocess.run(["make", "-n", "demo", *args, f"STAMP={tmp_path / 'stamp'}"], cwd=project,
                                env=env, capture_output=True, text=True, timeout=60)
        assert f"eplanning demo {expected}" in result.stdout, result.stdout + result.stderr
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "`make demo PORT=8080`" in readme


@pytest.fixture
def wilayah_csv():
    if not WILAYAH.is_file():
        pytest.skip(f"{WILAYAH} not present")
    return WILAYAH


def test_the_name_province_and_units_come_from_the_wilayah_csv(tmp_path, wilayah_csv):
    project = bake(tmp_path, region_code="13.05", wilayah_csv=os.path.relpath(wilayah_csv),
                   levels="Kecamatan/Nagari/Korong", stage_preset="tanpa-rembuk-warga")

    assert project.name == "eplanning-padang-pariaman"
    folder = project / "tenants" / "padang-pariaman"
    config = load_tenant(folder)
    assert (config.name, config.kind, config.province, config.tracking_prefix) == (
        "Kabupaten Padang Pariaman", "kabupaten", "Sumatera Barat", "PP")
    rows = (folder / "wilayah.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "kode,nama,tingkat"
    assert rows[1:] and all(r.startswith("13.05.") for r in rows[1:])
    kecamatan = [r.split(",")[0] for r in rows[1:] if r.endswith(",kecamatan")]
    assert list(config.dapil[0].kecamatan) == kecamatan
    first_village = next(r.split(",")[0] for r in rows[1:] if r.endswith(",desa_kelurahan"))
    assert (folder / "units.csv").read_text().splitlines()[1].startswith(first_village + ".01,")
    assert leftovers(project) == []


def test_a_given_logo_replaces_the_generated_one(tmp_path):
    logo = tmp_path / "lambang.PNG"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    project = bake(tmp_path / "out", **region_answers("kota-kelurahan", "ringkas", "id"),
                   logo=str(logo), primary_color="#123abc")
    folder = next((project / "tenants").iterdir())
    assert sorted(p.name for p in folder.iterdir()) == ["logo.png", "tenant.toml", "units.csv"]
    config = load_tenant(folder)
    assert config.logo.name == "logo.png" and config.primary_color == "#123abc"


# ---- refusals --------------------------------------------------------------------------------

def refused(capfd, tmp_path, **answers) -> str:
    """Bake, expect the pre-generation hook to refuse, return what it said; nothing is left."""
    capfd.readouterr()
    with pytest.raises(FailedHookException):
        bake(tmp_path, **answers)
    assert list(tmp_path.iterdir()) == [], "a refused bake left files behind"
    return capfd.readouterr().err


GOOD = dict(region_code="12.71", region_name="Kota Medan", levels="Kecamatan/Kelurahan/Lingkungan",
            stage_preset="lengkap")


@pytest.mark.parametrize("answers, question, said", [
    ({"region_code": "1271"}, "region_code", "'1271' bukan kode kabupaten/kota Kemendagri"),
    ({"region_code": "99.01"}, "region_code", "kode provinsi '99' tidak dikenal"),
    ({"primary_color": "biru"}, "primary_color", "'biru' bukan warna #rrggbb"),
    ({"secondary_color": "#12345"}, "secondary_color", "is not a #rrggbb colour"),
    ({"default_language": "fr"}, "default_language", "bahasa 'fr' tidak dikenal"),
    ({"levels": "lainnya", "custom_levels": "Kecamatan/Desa"}, "custom_levels",
     "harus tiga nama tingkatan"),
    ({"levels": "lainnya", "custom_levels": "Kecamatan/Desa/Dusun/Banjar"}, "custom_levels",
     "must be three level names"),
    ({"region_kind": "kabupaten"}, "region_kind", "'Kota Medan' adalah kota, bukan kabupaten"),
    ({"region_name": ""}, "region_name", "nama wilayah kosong"),
    ({"timezone": "Asia/Singapore"}, "timezone", "zona waktu 'Asia/Singapore'"),
    ({"core_version": "terbaru"}, "core_version", "'terbaru' bukan nomor versi"),
    ({"tracking_prefix": "medan"}, "tracking_prefix", "2 sampai 5 huruf kapital"),
    ({"logo": "/tidak/ada.svg"}, "logo", "berkas logo '/tidak/ada.svg' tidak ada"),
])
def test_the_hook_refuses_a_wrong_answer_with_its_message(capfd, tmp_path, answers, question, said):
    message = refused(capfd, tmp_path, **{**GOOD, **answers})
    assert "Jawaban tidak dapat dipakai; tidak ada yang dibuat." in message
    assert "The answers cannot be used; nothing was baked." in message
    assert f"  - {question}: " in message and f"    {question}: " in message, message
    assert said in message, message


def test_a_code_absent_from_the_wilayah_csv_is_refused(capfd, tmp_path, wilayah_csv):
    message = refused(capfd, tmp_path, **{**GOOD, "region_code": "12.99", "region_name": "Kota Khayalan",
                                          "wilayah_csv": str(wilayah_csv)})
    assert "region_code: kode 12.99 tidak ada di wilayah.csv" in message, message
    assert "code 12.99 is not in wilayah.csv" in message


def test_a_name_other_than_the_wilayah_csv_is_refused(capfd, tmp_path, wilayah_csv):
    message = refused(capfd, tmp_path, **{**GOOD, "region_name": "Kota Medan Baru",
                                          "wilayah_csv": str(wilayah_csv)})
    assert "'Kota Medan Baru' berbeda dengan nama di wilayah.csv: 'Kota Medan'" in message, message


def test_a_stage_preset_outside_the_list_is_refused_by_the_hook_not_by_a_traceback(capfd, tmp_path):
    message = refused(capfd, tmp_path, **{**GOOD, "stage_preset": "semua"})
    assert "  - stage_preset: 'semua' bukan salah satu dari lengkap, tanpa-rembuk-warga, ringkas" in message
    assert "e.g. stage_preset=tanpa-rembuk-warga" in message, message


# ---- baking from the region code alone (the core's national list) ----------------------------

def test_the_defaults_bake_kota_medan(tmp_path):
    project = bake(tmp_path)
    assert project.name == "eplanning-medan" and leftovers(project) == []
    config = load_tenant(project / "tenants" / "medan")
    assert (config.code, config.name, config.kind, config.province, config.timezone, config.levels) == (
        "12.71", "Kota Medan", "kota", "Sumatera Utara", "Asia/Jakarta", ("Kecamatan", "Kelurahan", "Lingkungan"))
    assert config.tracking_prefix == "MDN"


#: regions not in tenants/: code (and levels chosen by the region) -> what the bake must hold
FROM_CODE = {
    "desa-dusun": ({"region_code": "12.06"}, "karo",
                   ("Kabupaten Karo", "kabupaten", "Sumatera Utara", "Asia/Jakarta"),
                   ("Kecamatan", "Desa", "Dusun")),
    "nagari-jorong": ({"region_code": "13.03"}, "sijunjung",
                      ("Kabupaten Sijunjung", "kabupaten", "Sumatera Barat", "Asia/Jakarta"),
                      ("Kecamatan", "Nagari", "Jorong")),
    "kota-own-levels": ({"region_code": "32.73", "levels": "Kecamatan/Kelurahan/RW"}, "kota-bandung",
                        ("Kota Bandung", "kota", "Jawa Barat", "Asia/Jakarta"),
                        ("Kecamatan", "Kelurahan", "RW")),
    "wit": ({"region_code": "94.04"}, "mimika",
            ("Kabupaten Mimika", "kabupaten", "Papua Tengah", "Asia/Jayapura"), ("Kecamatan", "Desa", "Dusun")),
}


@pytest.mark.parametrize("case", list(FROM_CODE))
def test_a_region_code_alone_bakes_the_region_with_its_name_kind_province_and_time_zone(tmp_path, case):
    answers, slug, (name, kind, province, zone), levels = FROM_CODE[case]
    shipped = {load_tenant(folder).code for folder in (ROOT / "tenants").iterdir()
               if (folder / "tenant.toml").is_file()}
    assert answers["region_code"] not in shipped, "pick a region that tenants/ does not ship"
    project = bake(tmp_path, **answers)

    assert project.name == f"eplanning-{slug}" and leftovers(project) == []
    config = load_tenant(project / "tenants" / slug)
    assert (config.code, config.name, config.kind, config.province, config.timezone) == (
        answers["region_code"], name, kind, province, zone)
    assert config.levels == levels
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert f"**{name}** ({province}, kode\nKemendagri {answers['region_code']})" in readme
    assert " > ".join(levels) in readme


@pytest.mark.parametrize("answers, question, said, right_way", [
    ({"custom_levels": "Kecamatan/Kelurahan/RW"}, "custom_levels",
     "custom_levels is only read with levels=lainnya", "levels=Kecamatan/Kelurahan/RW (without custom_levels)"),
    ({"levels": "Kecamatan, Kelurahan, RW"}, "levels", "'Kecamatan, Kelurahan, RW' is not three level names",
     "in levels itself, e.g. levels=Kecamatan/Kelurahan/RW"),
    ({"levels": "Kelurahan/RW"}, "levels", "'Kelurahan/RW' is not three level names",
     "in levels itself, e.g. levels=Kecamatan/Kelurahan/RW"),
    ({"levels": "lainnya"}, "custom_levels", "'' must be three level names", "(no 'lainnya' needed)"),
])
def test_custom_levels_given_the_wrong_way_are_refused_with_the_right_way(capfd, tmp_path, answers,
                                                                          question, said, right_way):
    message = refused(capfd, tmp_path, region_code="32.73", **answers)
    assert f"    {question}: {said}" in message, message
    assert right_way in message, message
    assert "Traceback" not in message


def test_a_code_outside_the_national_list_needs_a_name(capfd, tmp_path):
    message = refused(capfd, tmp_path, region_code="12.99")
    assert "code 12.99 is not in the Kemendagri list of kabupaten/kota shipped with the core" in message
    project = bake(tmp_path, region_code="12.99", region_name="Kabupaten Pemekaran Baru")
    assert load_tenant(project / "tenants" / "pemekaran-baru").province == "Sumatera Utara"


def test_a_name_other_than_the_national_list_is_refused(capfd, tmp_path):
    message = refused(capfd, tmp_path, region_code="12.16", region_name="Kabupaten Toba")
    assert "'Kabupaten Toba' differs from the name of 12.16 in the Kemendagri list" in message, message
    assert "'Kabupaten Humbang Hasundutan'" in message


def test_plain_cookiecutter_refuses_without_a_traceback(tmp_path):
    """What an IT officer sees from the cookiecutter command itself: the reason, no traceback."""
    cookiecutter_bin = Path(sys.executable).parent / "cookiecutter"
    result = subprocess.run([str(cookiecutter_bin), "--no-input", str(TEMPLATE), "-o", str(tmp_path),
                             "region_code=32.73", "custom_levels=Kecamatan/Kelurahan/RW"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    said = result.stdout + result.stderr
    assert "levels=Kecamatan/Kelurahan/RW (without custom_levels)" in said, said
    assert "Traceback" not in said and list(tmp_path.iterdir()) == []


# ---- the national list of kabupaten/kota -----------------------------------------------------

def national_rows() -> list[dict]:
    import csv

    with (ROOT / "eplanning_core" / "data" / "kabkota.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_core_ships_every_kabupaten_and_kota_and_no_lower_level():
    rows = national_rows()
    assert len(rows) == 514 and len({r["kode_provinsi"] for r in rows}) == 38
    assert all(re.fullmatch(r"\d{2}\.\d{2}", r["kode"]) for r in rows)
    assert {r["jenis"] for r in rows} == {"kabupaten", "kota"}
    assert all(r["nama"].split()[0].lower() == r["jenis"] for r in rows)
    by_code = {r["kode"]: r for r in rows}
    assert by_code["13.06"]["nama"] == "Kabupaten Agam" and by_code["13.06"]["provinsi"] == "Sumatera Barat"
    zones = {code: by_code[code]["zona_waktu"] for code in ("12.71", "13.05", "61.71", "73.71", "94.04")}
    assert zones == {"12.71": "Asia/Jakarta", "13.05": "Asia/Jakarta", "61.71": "Asia/Pontianak",
                     "73.71": "Asia/Makassar", "94.04": "Asia/Jayapura"}


def test_the_national_list_is_the_one_made_from_the_kemendagri_list(tmp_path, wilayah_csv):
    made = tmp_path / "kabkota.csv"
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_kabkota.py"), str(wilayah_csv), str(made)],
                   check=True, capture_output=True)
    assert made.read_text(encoding="utf-8") == (ROOT / "eplanning_core" / "data" / "kabkota.csv").read_text(
        encoding="utf-8"), "run tools/make_kabkota.py again"


def test_the_wheel_lists_the_national_list_as_package_data():
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert "data/*.csv" in config["options.package_data"]["eplanning_core"].split()


def test_kabupaten_and_kota_of_the_same_name_get_different_folders(tmp_path):
    kab = bake(tmp_path, region_code="32.04")   # Kabupaten Bandung
    kota = bake(tmp_path, region_code="32.73")  # Kota Bandung
    assert (kab.name, kota.name) == ("eplanning-kab-bandung", "eplanning-kota-bandung")


# ---- eplanning new-region --------------------------------------------------------------------

def run_cli(args, **kwargs):
    from eplanning_core.cli import cli

    return CliRunner().invoke(cli(), ["new-region", *args], catch_exceptions=False, **kwargs)


def test_new_region_bakes_the_same_project_as_cookiecutter(tmp_path):
    args = ["--no-input", "--region-code", "13.06", "--region-name", "Kabupaten Agam",
            "--levels", "Kecamatan/Nagari/Jorong", "--stage-preset", "tanpa-rembuk-warga",
            "--language", "en", "--primary-color", "#1e7b34", "-o", str(tmp_path / "cli")]
    result = run_cli(args)
    assert result.exit_code == 0, result.output
    by_cli = tmp_path / "cli" / "eplanning-agam"
    assert f"Baked {by_cli}" in result.output
    by_api = bake(tmp_path / "api", region_code="13.06", region_name="Kabupaten Agam",
                  levels="Kecamatan/Nagari/Jorong", stage_preset="tanpa-rembuk-warga",
                  default_language="en", primary_color="#1e7b34")

    def files(root):
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    assert files(by_cli) == files(by_api)
    config = load_tenant(by_cli / "tenants" / "agam")
    assert (config.levels, config.default_language, config.primary_color) == (
        ("Kecamatan", "Nagari", "Jorong"), "en", "#1e7b34")


def test_new_region_takes_any_three_level_names_and_defaults_to_this_core(tmp_path):
    result = run_cli(["--no-input", "--region-code", "51.03", "--region-name", "Kabupaten Badung",
                      "--levels", "Kecamatan/Desa/Banjar", "--stage-preset", "ringkas",
                      "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    project = tmp_path / "eplanning-badung"
    assert load_tenant(project / "tenants" / "badung").levels == ("Kecamatan", "Desa", "Banjar")
    assert f'"eplanning-core>={eplanning_core.__version__},' in (project / "pyproject.toml").read_text()


def test_new_region_refuses_wrong_answers_and_bakes_nothing(capfd, tmp_path):
    result = run_cli(["--no-input", "--region-code", "12.71", "--region-name", "Kota Medan",
                      "--primary-color", "merah", "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "the answers were refused" in result.output and "nothing was baked" in result.output
    assert "'merah' bukan warna #rrggbb" in capfd.readouterr().err
    assert list(tmp_path.iterdir()) == []

    again = run_cli(["--no-input", "--stage-preset", "semua", "-o", str(tmp_path)])
    assert again.exit_code == 2 and "'semua' is not one of" in again.output


def test_new_region_refuses_to_overwrite_a_project(tmp_path):
    args = ["--no-input", "--region-code", "12.71", "--region-name", "Kota Medan", "-o", str(tmp_path)]
    assert run_cli(args).exit_code == 0
    again = run_cli(args)
    assert again.exit_code == 1 and "already exists" in again.output


def test_new_region_finds_the_template_in_a_clone_or_in_the_installed_package():
    assert template_dir() in (TEMPLATE, Path(eplanning_core.__file__).parent / "regiontemplate" / "template")
    assert (template_dir() / "cookiecutter.json").is_file()


# ---- the acceptance scenario on each preset (in this process, SQLite and PostgreSQL) ----------

@pytest.mark.parametrize("region, preset", [("kota-kelurahan", "lengkap"),
                                            ("kab-nagari-jorong", "tanpa-rembuk-warga"),
                                            ("kab-desa", "ringkas")])
def test_each_preset_carries_a_proposal_to_the_budget(tmp_path, database_url, region, preset):
    from eplanning_core.extensions import db
    from eplanning_core.testing import run_acceptance
    from support.apps import empty_all_tables, make_app

    answers = region_answers(region, preset, "id")
    project = bake(tmp_path / "baked", **answers)
    slug = answers["tenant_slug"]
    app = make_app(database_url, TENANTS_DIR=str(project / "tenants"), TENANT=slug)
    app.instance_path = str(tmp_path / "instance")
    try:
        report = run_acceptance(app, slug)
    finally:
        with app.app_context():
            db.session.remove()
            empty_all_tables()
            db.engine.dispose()
    first, pokir = PRESETS[preset]
    assert report.final_status == "didanai"
    assert report.stages[0] == first.format(village=REGIONS[region][4][1].lower())
    assert report.stages[-1] == "penganggaran"
    assert bool(report.pokir_stages) is pokir


# ---- the wheel, in a fresh venv, bakes a project whose own tests pass --------------------------

@pytest.mark.slow
def test_installed_wheel_bakes_a_project_whose_make_test_passes(tmp_path, cookiecutter_home):
    from support.packaging import run_ok, source_copy

    source = source_copy(tmp_path / "src")
    run_ok([sys.executable, "-m", "build", "--wheel", "--outdir", tmp_path / "dist", source],
           cwd=tmp_path, env=os.environ.copy())
    (wheel,) = (tmp_path / "dist").glob("eplanning_core-*.whl")
    shipped = {n for n in zipfile.ZipFile(wheel).namelist()
               if n.startswith("eplanning_core/regiontemplate/template/")}
    wanted = {"eplanning_core/regiontemplate/template/" + p.relative_to(TEMPLATE).as_posix()
              for p in TEMPLATE.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert wanted - shipped == set(), "the wheel lacks template files (setup.cfg package_data)"

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    pip = f"{sys.executable} -m pip --python {python} --disable-pip-version-check"
    run_ok([*pip.split(), "install", "--quiet", wheel], cwd=tmp_path, env=os.environ.copy())

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("EPLANNING_", "FLASK_", "PYTHON", "PYTEST", "COOKIECUTTER"))
           and k != "VIRTUAL_ENV"}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv),
               COOKIECUTTER_CONFIG=str(cookiecutter_home))
    work = tmp_path / "work"
    work.mkdir()
    # The code alone: name, kind, province, time zone and levels from the wheel's national list.
    answers = ["--region-code", "13.05", "--stage-preset", "tanpa-rembuk-warga"]
    baked = run_ok([venv / "bin" / "eplanning", "new-region", "--no-input", *answers], cwd=work, env=env)
    project = work / "eplanning-padang-pariaman"
    assert f"Baked {project}" in baked.stdout, baked.stdout + baked.stderr
    where = run_ok([python, "-c", "import eplanning_core.regiontemplate as t; print(t.template_dir())"],
                   cwd=work, env=env).stdout.strip()
    assert Path(where).is_relative_to(venv), f"baked from {where}, not from the installed wheel"
    config = (project / "tenants" / "padang-pariaman" / "tenant.toml").read_text(encoding="utf-8")
    assert 'name = "Kabupaten Padang Pariaman"' in config and 'province = "Sumatera Barat"' in config
    assert 'levels = ["Kecamatan", "Nagari", "Korong"]' in config

    result = run_ok(["make", "test", f"VENV={venv}", f"PIP={pip}", "PYTEST_ARGS=-p no:cacheprovider"],
                    cwd=project, env=env, timeout=600)
    assert re.search(r"\b4 passed\b", result.stdout), result.stdout


def test_the_template_without_the_list_falls_back_to_the_same_time_zones_and_levels(monkeypatch):
    """Used without the core beside it, the template's own province table gives what the list says."""
    monkeypatch.syspath_prepend(str(TEMPLATE))
    import region_rules

    for row in national_rows():
        assert region_rules._ZONES.get(row["kode_provinsi"], "Asia/Jakarta") == row["zona_waktu"], row
        assert region_rules.PROVINCES[row["kode_provinsi"]] == row["provinsi"], row
    levels = {code: region_rules.default_levels(code, region_rules.region_kind(code))
              for code in ("13.05", "13.06", "13.09", "13.71", "12.06", "94.04")}
    assert levels == {"13.05": "Kecamatan/Nagari/Korong", "13.06": "Kecamatan/Nagari/Jorong",
                      "13.09": "Kecamatan/Desa/Dusun", "13.71": "Kecamatan/Kelurahan/Lingkungan",
                      "12.06": "Kecamatan/Desa/Dusun", "94.04": "Kecamatan/Desa/Dusun"}
