"""A region's tenant.toml: every kind of mistake an IT officer can make is reported with the
file, the key and the reason, before the application starts. No database needed here."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from eplanning_core import create_app
from eplanning_core.tenancy.loader import TenantConfigError, load_tenant

ROOT = Path(__file__).resolve().parent.parent
TENANTS = ROOT / "tenants"
MEDAN_TOML = (TENANTS / "medan" / "tenant.toml").read_text(encoding="utf-8")


# ---- helpers -----------------------------------------------------------------------------

def medan_copy(tmp_path: Path, slug: str = "medan") -> Path:
    """A private copy of tenants/medan (tenant.toml, logo, unit lists) to corrupt."""
    folder = tmp_path / slug
    shutil.copytree(TENANTS / "medan", folder)
    return folder


def corrupt(tmp_path: Path, *replacements: tuple[str, str], slug: str = "medan") -> Path:
    """A copy of Medan's folder with text replaced in tenant.toml; each replacement must hit."""
    folder = medan_copy(tmp_path, slug)
    text = MEDAN_TOML
    for old, new in replacements:
        assert old in text, f"test setup: {old!r} not in tenants/medan/tenant.toml"
        text = text.replace(old, new, 1)
    (folder / "tenant.toml").write_text(text, encoding="utf-8")
    return folder


def load_error(folder: Path) -> TenantConfigError:
    with pytest.raises(TenantConfigError) as info:
        load_tenant(folder)
    return info.value


def assert_reported(exc: TenantConfigError, folder: Path, key: str, *reason_parts: str) -> str:
    """The problem list holds `key` with a reason containing every part, and the message
    printed to the terminal names the file, the key and that reason on one line."""
    reasons = [reason for k, reason in exc.problems if k == key]
    assert reasons, f"no problem reported for key {key!r}; problems: {exc.problems}"
    matching = [r for r in reasons if all(part in r for part in reason_parts)]
    assert matching, f"{key!r}: expected a reason containing {reason_parts}, got {reasons}"
    reason = matching[0]
    path = str(folder / "tenant.toml")
    lines = str(exc).splitlines()
    expected = f"{path}: {key}: {reason}" if key else f"{path}: {reason}"
    assert any(line.strip() == expected for line in lines), (
        f"the message should have the line {expected!r}:\n{exc}")
    assert exc.path == folder / "tenant.toml"
    return reason


# ---- the shipped regions -----------------------------------------------------------------

def test_medan_loads_with_its_levels_dapil_and_logo():
    config = load_tenant(TENANTS / "medan")
    assert config.slug == "medan"
    assert (config.code, config.name, config.kind) == ("12.71", "Kota Medan", "kota")
    assert config.levels == ("Kecamatan", "Kelurahan", "Lingkungan")
    assert [config.level_name(i) for i in (1, 2, 3)] == ["Kecamatan", "Kelurahan", "Lingkungan"]
    assert config.default_language == "id" and config.timezone == "Asia/Jakarta"
    assert config.app_name == "e-Perencanaan Kota Medan"
    assert config.logo == (TENANTS / "medan" / "logo.svg").resolve()
    assert [d.code for d in config.dapil] == ["MDN-1", "MDN-2", "MDN-3", "MDN-4", "MDN-5"]
    assert config.dapil_by_code("MDN-1").kecamatan[0] == "12.71.01"
    assert config.dapil_by_code("MDN-9") is None
    # every kecamatan of Medan (21) is in exactly one dapil
    all_kecamatan = [k for d in config.dapil for k in d.kecamatan]
    assert sorted(all_kecamatan) == [f"12.71.{i:02d}" for i in range(1, 22)]


def test_agam_loads_with_nagari_and_jorong():
    config = load_tenant(TENANTS / "agam")
    assert (config.slug, config.code, config.kind) == ("agam", "13.06", "kabupaten")
    assert config.province == "Sumatera Barat"
    assert config.levels == ("Kecamatan", "Nagari", "Jorong")
    assert config.level_name(2) == "Nagari" and config.level_name(3) == "Jorong"
    assert config.primary_color == "#1e7b34"
    assert config.logo is not None and config.logo.is_file()


def test_an_unchanged_copy_loads(tmp_path):
    """Guards the helpers below: every failure there comes from the one corruption made."""
    config = load_tenant(medan_copy(tmp_path))
    assert config.code == "12.71" and config.logo.parent == (tmp_path / "medan").resolve()


def test_optional_keys_take_their_defaults(tmp_path):
    folder = corrupt(tmp_path, ('default_language = "id"\n', ""),
                     ('timezone = "Asia/Jakarta" # WIB\n', ""),
                     ('primary_color = "#0b5394"\n', ""), ('logo = "logo.svg"\n', ""))
    config = load_tenant(folder)
    assert config.default_language == "id"
    assert config.timezone == "Asia/Jakarta"
    assert config.primary_color == "#0b5394"
    assert config.logo is None


# ---- the file itself ---------------------------------------------------------------------

def test_toml_syntax_error_names_the_line(tmp_path):
    # line 10 of Medan's file is `name = "Kota Medan"`; the quotes are forgotten
    folder = corrupt(tmp_path, ('name = "Kota Medan"', "name = Kota Medan"))
    exc = load_error(folder)
    assert len(exc.problems) == 1
    reason = assert_reported(exc, folder, "", "TOML syntax error")
    assert "line 10" in reason


def test_file_that_is_not_utf8_is_reported(tmp_path):
    folder = medan_copy(tmp_path)
    text = MEDAN_TOML.replace('province = "Sumatera Utara"', 'province = "Sumatera Utara é"')
    (folder / "tenant.toml").write_bytes(text.encode("latin-1"))  # how an old editor saves it
    exc = load_error(folder)
    assert_reported(exc, folder, "", "not UTF-8")


def test_missing_tenant_toml_is_reported(tmp_path):
    folder = medan_copy(tmp_path)
    (folder / "tenant.toml").unlink()
    exc = load_error(folder)
    assert_reported(exc, folder, "", "file not found")


def test_missing_region_folder_is_reported(tmp_path):
    exc = load_error(tmp_path / "medna")
    assert_reported(exc, tmp_path / "medna", "", "file not found")


@pytest.mark.parametrize("name", ["Medan", "kota_medan", "medan kota", "-medan", "m"])
def test_folder_name_must_be_a_slug(tmp_path, name):
    folder = tmp_path / name
    shutil.copytree(TENANTS / "medan", folder)  # a complete, valid region otherwise
    exc = load_error(folder)
    assert_reported(exc, folder, "", f"folder name '{name}'", "must be a slug")


# ---- keys --------------------------------------------------------------------------------

def test_missing_region_code(tmp_path):
    folder = corrupt(tmp_path, ('code = "12.71"', ""))
    exc = load_error(folder)
    assert exc.problems == [("region.code", "is required but missing")]
    assert_reported(exc, folder, "region.code", "required")


def test_missing_branding_table(tmp_path):
    folder = corrupt(tmp_path, ("[branding]", "[extra]"))
    exc = load_error(folder)
    assert_reported(exc, folder, "branding", "required")


def test_typo_in_a_table_name_is_an_unknown_key(tmp_path):
    folder = corrupt(tmp_path, ("[branding]", "[brandng]"))
    exc = load_error(folder)
    assert_reported(exc, folder, "brandng", "unknown key")
    assert_reported(exc, folder, "branding", "required")  # and what is now missing


def test_typo_in_a_nested_key_is_named_with_its_table(tmp_path):
    folder = corrupt(tmp_path, ('primary_color = "#0b5394"', 'primary_colour = "#0b5394"'))
    exc = load_error(folder)
    assert exc.problems == [("branding.primary_colour",
                             "unknown key (a typo? see docs for the allowed keys)")]
    assert_reported(exc, folder, "branding.primary_colour", "unknown key")


def test_levels_as_a_string_instead_of_a_list(tmp_path):
    folder = corrupt(tmp_path, ('levels = ["Kecamatan", "Kelurahan", "Lingkungan"]',
                                'levels = "Kecamatan, Kelurahan, Lingkungan"'))
    exc = load_error(folder)
    assert_reported(exc, folder, "levels", "must be a list")


def test_number_where_text_is_expected(tmp_path):
    folder = corrupt(tmp_path, ('kind = "kota"', "kind = 71"))
    exc = load_error(folder)
    assert_reported(exc, folder, "region.kind", "must be text")


@pytest.mark.parametrize("code", ["1271", "12.7", "12.71.01", "ab.cd", ""])
def test_region_code_must_be_a_kabupaten_kota_code(tmp_path, code):
    folder = corrupt(tmp_path, ('code = "12.71"', f'code = "{code}"'))
    exc = load_error(folder)
    assert_reported(exc, folder, "region.code", "Kemendagri kabupaten/kota code", "12.71")


@pytest.mark.parametrize("kind", ["kotamadya", "Kota", "provinsi"])
def test_kind_must_be_kabupaten_or_kota(tmp_path, kind):
    folder = corrupt(tmp_path, ('kind = "kota"', f'kind = "{kind}"'))
    exc = load_error(folder)
    assert_reported(exc, folder, "region.kind", "'kabupaten' or 'kota'")


@pytest.mark.parametrize("levels", ['["Kecamatan", "Kelurahan"]',
                                    '["Kecamatan", "Kelurahan", "RW", "RT"]', "[]"])
def test_exactly_three_levels(tmp_path, levels):
    folder = corrupt(tmp_path, ('levels = ["Kecamatan", "Kelurahan", "Lingkungan"]',
                                f"levels = {levels}"))
    exc = load_error(folder)
    assert_reported(exc, folder, "levels", "exactly three levels")


@pytest.mark.parametrize("colour", ["blue", "#0b539", "#0b53944", "0b5394", "#gggggg"])
def test_bad_colour(tmp_path, colour):
    folder = corrupt(tmp_path, ('secondary_color = "#f1c232"', f'secondary_color = "{colour}"'))
    exc = load_error(folder)
    assert_reported(exc, folder, "branding.secondary_color", "must be a colour like #")


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "WIB", "Asia/Jakarta ", "Mars/Olympus"])
def test_unknown_or_non_indonesian_timezone(tmp_path, zone):
    folder = corrupt(tmp_path, ('timezone = "Asia/Jakarta"', f'timezone = "{zone}"'))
    exc = load_error(folder)
    assert_reported(exc, folder, "region.timezone", "must be one of", "Asia/Jakarta (WIB)",
                    "Asia/Makassar (WITA)", "Asia/Jayapura (WIT)")


def test_eastern_indonesian_timezone_is_accepted(tmp_path):
    folder = corrupt(tmp_path, ('timezone = "Asia/Jakarta"', 'timezone = "Asia/Jayapura"'))
    assert load_tenant(folder).timezone == "Asia/Jayapura"


@pytest.mark.parametrize("language", ["fr", "ID", "indonesia", ""])
def test_default_language_must_be_id_or_en(tmp_path, language):
    folder = corrupt(tmp_path, ('default_language = "id"', f'default_language = "{language}"'))
    exc = load_error(folder)
    assert_reported(exc, folder, "default_language", "'id'", "'en'")


# ---- the logo ----------------------------------------------------------------------------

def test_logo_file_missing(tmp_path):
    folder = corrupt(tmp_path, ('logo = "logo.svg"', 'logo = "lambang.svg"'))
    exc = load_error(folder)
    assert_reported(exc, folder, "branding.logo", "'lambang.svg' not found")


@pytest.mark.parametrize("logo", ["../outside.svg", "/etc/hostname", "../agam/logo.svg"])
def test_logo_outside_the_region_folder(tmp_path, logo):
    (tmp_path / "outside.svg").write_text("<svg/>")
    shutil.copytree(TENANTS / "agam", tmp_path / "agam")
    folder = corrupt(tmp_path, ('logo = "logo.svg"', f'logo = "{logo}"'))
    exc = load_error(folder)
    assert_reported(exc, folder, "branding.logo", "inside the region's folder")


def test_logo_symlink_leading_out_of_the_folder(tmp_path):
    (tmp_path / "secret.svg").write_text("<svg/>")
    folder = corrupt(tmp_path, ('logo = "logo.svg"', 'logo = "link.svg"'))
    (folder / "link.svg").symlink_to(tmp_path / "secret.svg")
    exc = load_error(folder)
    assert_reported(exc, folder, "branding.logo", "inside the region's folder")


@pytest.mark.parametrize("name", ["logo.gif", "logo.pdf", "logo"])
def test_logo_of_a_type_browsers_cannot_show_as_a_logo(tmp_path, name):
    folder = corrupt(tmp_path, ('logo = "logo.svg"', f'logo = "{name}"'))
    (folder / name).write_bytes(b"GIF89a")
    exc = load_error(folder)
    assert_reported(exc, folder, "branding.logo", ".svg, .png, .jpg or .webp")


def test_logo_that_is_a_folder(tmp_path):
    folder = corrupt(tmp_path, ('logo = "logo.svg"', 'logo = "gambar.svg"'))
    (folder / "gambar.svg").mkdir()
    exc = load_error(folder)
    assert_reported(exc, folder, "branding.logo", "not found")


# ---- dapil -------------------------------------------------------------------------------

def test_dapil_with_a_kecamatan_of_another_region(tmp_path):
    folder = corrupt(tmp_path, ('kecamatan = ["12.71.07", "12.71.21"]',
                                'kecamatan = ["12.71.07", "12.72.01"]'))
    exc = load_error(folder)
    assert_reported(exc, folder, "dapil[4].kecamatan", "12.72.01", "outside region 12.71")


def test_dapil_with_a_malformed_kecamatan_code(tmp_path):
    folder = corrupt(tmp_path, ('"12.71.10"', '"12.71.1"'))
    exc = load_error(folder)
    assert_reported(exc, folder, "dapil[0].kecamatan[1]", "kecamatan code such as 12.71.01")


def test_duplicate_dapil_code(tmp_path):
    folder = corrupt(tmp_path, ('code = "MDN-3"', 'code = "MDN-1"'))
    exc = load_error(folder)
    assert_reported(exc, folder, "dapil[2].code", "'MDN-1' is used twice")


def test_dapil_without_kecamatan(tmp_path):
    folder = corrupt(tmp_path, ('kecamatan = ["12.71.07", "12.71.21"]', "kecamatan = []"))
    exc = load_error(folder)
    assert_reported(exc, folder, "dapil[4].kecamatan", "lists no kecamatan")


# ---- several mistakes at once ------------------------------------------------------------

def test_several_field_mistakes_are_all_reported_at_once(tmp_path):
    folder = corrupt(tmp_path,
                     ('code = "12.71"', 'code = "1271"'),
                     ('kind = "kota"', 'kind = "kotamadya"'),
                     ('levels = ["Kecamatan", "Kelurahan", "Lingkungan"]', 'levels = ["Kecamatan"]'),
                     ('default_language = "id"', 'default_language = "fr"'),
                     ('primary_color = "#0b5394"', 'primary_color = "blue"'),
                     ('app_name = "e-Perencanaan Kota Medan"', 'app_nama = "e-Perencanaan"'),
                     ('timezone = "Asia/Jakarta"', 'timezone = "Europe/Amsterdam"'))
    exc = load_error(folder)
    keys = {key for key, _ in exc.problems}
    assert {"region.code", "region.kind", "levels", "default_language", "branding.primary_color",
            "branding.app_nama", "branding.app_name", "region.timezone"} <= keys
    assert_reported(exc, folder, "region.code", "12.71")
    assert_reported(exc, folder, "branding.app_nama", "unknown key")
    assert_reported(exc, folder, "branding.app_name", "required")
    assert len(str(exc).splitlines()) == 1 + len(exc.problems)  # one line per problem


def test_dapil_mistakes_are_reported_together_with_field_mistakes(tmp_path):
    """An IT officer fixing a colour must not discover the dapil mistake only on the next run."""
    folder = corrupt(tmp_path,
                     ('primary_color = "#0b5394"', 'primary_color = "blue"'),
                     ('kecamatan = ["12.71.07", "12.71.21"]', 'kecamatan = ["12.71.07", "12.72.01"]'),
                     ('code = "MDN-3"', 'code = "MDN-1"'))
    exc = load_error(folder)
    assert_reported(exc, folder, "branding.primary_color", "colour")
    assert_reported(exc, folder, "dapil[4].kecamatan", "outside region 12.71")
    assert_reported(exc, folder, "dapil[2].code", "used twice")


def test_logo_mistake_is_reported_together_with_field_mistakes(tmp_path):
    folder = corrupt(tmp_path,
                     ('default_language = "id"', 'default_language = "fr"'),
                     ('logo = "logo.svg"', 'logo = "lambang.svg"'))
    exc = load_error(folder)
    assert_reported(exc, folder, "default_language", "'id'")
    assert_reported(exc, folder, "branding.logo", "not found")


def test_stage_mistakes_are_reported_together_with_field_mistakes(tmp_path):
    folder = medan_copy(tmp_path)
    toml = folder / "tenant.toml"
    with_bad_stage = MEDAN_TOML + '\n[[stages]]\nkode = "tahap-baru"\n'  # a typo for `key`
    toml.write_text(with_bad_stage, encoding="utf-8")
    alone = load_error(folder)
    assert any(key.startswith("stages[") for key, _ in alone.problems), alone.problems
    toml.write_text(with_bad_stage.replace('primary_color = "#0b5394"', 'primary_color = "biru"'),
                    encoding="utf-8")
    exc = load_error(folder)
    assert_reported(exc, folder, "branding.primary_color", "colour")
    assert any(key.startswith("stages[") for key, _ in exc.problems), exc.problems


# ---- the application refuses to start ----------------------------------------------------

@pytest.fixture
def start(tmp_path, monkeypatch):
    """create_app for a region folder under tmp_path (no database is touched at start)."""
    monkeypatch.setenv("EPLANNING_INSTANCE_PATH", str(tmp_path / "instance"))
    for name in [n for n in os.environ if n.startswith("EPLANNING_") and n != "EPLANNING_INSTANCE_PATH"]:
        monkeypatch.delenv(name)

    def _start(tenants_dir: Path, slug: str = "medan"):
        return create_app({"TESTING": True, "TENANTS_DIR": str(tenants_dir), "TENANT": slug,
                           "SECRET_KEY": "test", "DATABASE_URL": "sqlite:///" + str(tmp_path / "x.db")})
    return _start


def test_app_starts_with_a_good_copy(tmp_path, start):
    medan_copy(tmp_path)
    app = start(tmp_path)
    assert app.extensions["eplanning.tenant"].name == "Kota Medan"


def test_app_refuses_to_start_with_a_broken_tenant(tmp_path, start):
    folder = corrupt(tmp_path, ('primary_color = "#0b5394"', 'primary_color = "biru"'),
                     ('code = "12.71"', 'code = "1271"'))
    with pytest.raises(TenantConfigError) as info:
        start(tmp_path)
    assert_reported(info.value, folder, "branding.primary_color", "colour")
    assert_reported(info.value, folder, "region.code", "12.71")
    assert str(info.value).startswith("Invalid region configuration")


def test_app_refuses_to_start_with_an_unknown_region(tmp_path, start):
    medan_copy(tmp_path)
    with pytest.raises(TenantConfigError) as info:
        start(tmp_path, slug="medna")
    assert_reported(info.value, tmp_path / "medna", "", "file not found")


def test_app_refuses_to_start_with_a_toml_syntax_error(tmp_path, start):
    folder = corrupt(tmp_path, ("[region]", "[region"))
    with pytest.raises(TenantConfigError) as info:
        start(tmp_path)
    assert_reported(info.value, folder, "", "TOML syntax error", "line 8")
