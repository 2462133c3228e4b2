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


def test_a_choice_outside_the_list_is_refused_by_cookiecutter(tmp_path):
    with pytest.raises(ValueError, match="stage_preset"):
        bake(tmp_path, **{**GOOD, "stage_preset": "semua"})
    assert list(tmp_path.iterdir()) == []


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
    from conftest import _empty_all_tables, make_app
    from eplanning_core.extensions import db
    from eplanning_core.testing import run_acceptance

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
            _empty_all_tables()
            db.engine.dispose()
    first, pokir = PRESETS[preset]
    assert report.final_status == "didanai"
    assert report.stages[0] == first.format(village=REGIONS[region][4][1].lower())
    assert report.stages[-1] == "penganggaran"
    assert bool(report.pokir_stages) is pokir


# ---- the wheel, in a fresh venv, bakes a project whose own tests pass --------------------------

@pytest.mark.slow
def test_installed_wheel_bakes_a_project_whose_make_test_passes(tmp_path, cookiecutter_home):
    from test_packaging import _run, _source_copy

    source = _source_copy(tmp_path / "src")
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", tmp_path / "dist", source],
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
    _run([*pip.split(), "install", "--quiet", wheel], cwd=tmp_path, env=os.environ.copy())

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("EPLANNING_", "FLASK_", "PYTHON", "PYTEST", "COOKIECUTTER"))
           and k != "VIRTUAL_ENV"}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv),
               COOKIECUTTER_CONFIG=str(cookiecutter_home))
    work = tmp_path / "work"
    work.mkdir()
    answers = ["--region-code", "13.05", "--levels", "Kecamatan/Nagari/Korong",
               "--stage-preset", "tanpa-rembuk-warga"]
    if WILAYAH.is_file():
        answers += ["--wilayah-csv", str(WILAYAH)]
    else:
        answers += ["--region-name", "Kabupaten Padang Pariaman"]
    baked = _run([venv / "bin" / "eplanning", "new-region", "--no-input", *answers], cwd=work, env=env)
    project = work / "eplanning-padang-pariaman"
    assert f"Baked {project}" in baked.stdout, baked.stdout + baked.stderr
    where = _run([python, "-c", "import eplanning_core.regiontemplate as t; print(t.template_dir())"],
                 cwd=work, env=env).stdout.strip()
    assert Path(where).is_relative_to(venv), f"baked from {where}, not from the installed wheel"

    result = _run(["make", "test", f"VENV={venv}", f"PIP={pip}", "PYTEST_ARGS=-p no:cacheprovider"],
                  cwd=project, env=env, timeout=600)
    assert re.search(r"\b4 passed\b", result.stdout), result.stdout
