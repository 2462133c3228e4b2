"""The rules of the region template: defaults derived from the answers, and their checks.

Used twice, so that both use the same rules:
- as a Jinja extension (``_extensions`` in cookiecutter.json): filters that derive the
  defaults while cookiecutter asks (the region's name and province from a wilayah CSV, its
  kind from the code, a slug, a time zone ...);
- by hooks/pre_gen_project.py, which checks every answer with :func:`problems` and refuses
  to bake when one is wrong.

Standard library and Jinja only: the template must work with a bare ``cookiecutter``
(``pipx run cookiecutter cookiecutter-region``) where eplanning-core is not installed.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from jinja2.ext import Extension

REGION_CODE = re.compile(r"^\d{2}\.\d{2}$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
TENANT_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")          # as tenancy/schema.py SLUG
PROJECT_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{1,60}$")
TRACKING_PREFIX = re.compile(r"^[A-Z]{2,5}$")
VERSION = re.compile(r"^\d+\.\d+(\.\d+)?$")
LANGUAGES = ("id", "en")
KINDS = ("kabupaten", "kota")
TIMEZONES = ("Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura")
LEVEL_SETS = ("Kecamatan/Kelurahan/Lingkungan", "Kecamatan/Desa/Dusun", "Kecamatan/Nagari/Jorong",
              "Kecamatan/Nagari/Korong")
CUSTOM = "lainnya"
PRESETS = ("lengkap", "tanpa-rembuk-warga", "ringkas")
LOGO_TYPES = (".svg", ".png", ".jpg", ".jpeg", ".webp")

#: Provinces by Kemendagri code (Kepmendagri 300.2.2-2138/2025).
PROVINCES = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau", "15": "Jambi",
    "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung",
    "19": "Kepulauan Bangka Belitung", "21": "Kepulauan Riau",
    "31": "Daerah Khusus Ibukota Jakarta", "32": "Jawa Barat", "33": "Jawa Tengah",
    "34": "Daerah Istimewa Yogyakarta", "35": "Jawa Timur", "36": "Banten", "51": "Bali",
    "52": "Nusa Tenggara Barat", "53": "Nusa Tenggara Timur", "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah", "63": "Kalimantan Selatan", "64": "Kalimantan Timur",
    "65": "Kalimantan Utara", "71": "Sulawesi Utara", "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan", "74": "Sulawesi Tenggara", "75": "Gorontalo", "76": "Sulawesi Barat",
    "81": "Maluku", "82": "Maluku Utara", "91": "Papua", "92": "Papua Barat", "93": "Papua Selatan",
    "94": "Papua Tengah", "95": "Papua Pegunungan", "96": "Papua Barat Daya",
}
#: WITA and WIT provinces; every other one is WIB (Asia/Jakarta).
_ZONES = {**dict.fromkeys(("61", "62"), "Asia/Pontianak"),
          **dict.fromkeys(("51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"),
                          "Asia/Makassar"),
          **dict.fromkeys(("81", "82", "91", "92", "93", "94", "95", "96"), "Asia/Jayapura")}


# ---- the wilayah CSV --------------------------------------------------------------------------

class WilayahFileError(ValueError):
    pass


@lru_cache(maxsize=4)
def _read(path: str, _mtime: float) -> dict[str, tuple[str, str]]:
    """kode -> (nama, tingkat) of a Kemendagri-format CSV (BOM and ';' accepted, as the core)."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise WilayahFileError(exc.strerror or str(exc)) from None
    except UnicodeDecodeError:
        raise WilayahFileError("not UTF-8 text") from None
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(text.splitlines(), delimiter=";" if first.count(";") > first.count(",") else ",")
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "kode" not in header or "nama" not in header:
        raise WilayahFileError("the header must name the columns kode,nama[,tingkat]")
    reader.fieldnames = header
    return {(row.get("kode") or "").strip(): ((row.get("nama") or "").strip(),
                                               (row.get("tingkat") or "").strip())
            for row in reader}


def wilayah_rows(path: str) -> dict[str, tuple[str, str]]:
    """The file's rows, read once per version of the file (the national list is 91,000 rows)."""
    path = Path(path).expanduser().resolve()
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise WilayahFileError(exc.strerror or str(exc)) from None
    return _read(str(path), mtime)


def region_rows(path: str, code: str) -> list[tuple[str, str]]:
    """(kode, nama) of the kecamatan and villages under ``code``, sorted by code."""
    prefix = code + "."
    return sorted((k, v[0]) for k, v in wilayah_rows(path).items()
                  if k.startswith(prefix) and k.count(".") in (2, 3))


def _name_in(path: str, code: str) -> str:
    """The name of ``code`` in the CSV; empty without a CSV, or when it cannot be read (the
    hook then says why)."""
    if not path:
        return ""
    try:
        return wilayah_rows(path).get(code, ("", ""))[0]
    except WilayahFileError:
        return ""


# ---- filters: defaults derived from earlier answers -------------------------------------------

def absolute_path(value: str) -> str:
    """Paths are read from the folder cookiecutter runs in; hooks run elsewhere."""
    value = (value or "").strip()
    return str(Path(value).expanduser().resolve()) if value else ""


def wilayah_name(code: str, path: str) -> str:
    return _name_in(path, code) if REGION_CODE.match(code or "") else ""


def province_name(code: str, path: str = "") -> str:
    prefix = (code or "")[:2]
    return (_name_in(path, prefix) if re.match(r"^\d{2}$", prefix) else "") or PROVINCES.get(prefix, "")


def region_kind(code: str, name: str = "") -> str:
    """'kota' for "Kota ..." names and codes 71 and up (Kemendagri numbers cities from 71)."""
    words = (name or "").strip().lower().split()
    if words and words[0] in ("kota", "kabupaten", "kab.", "kab"):
        return "kota" if words[0] == "kota" else "kabupaten"
    return "kota" if REGION_CODE.match(code or "") and int(code[3:]) >= 71 else "kabupaten"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()


def _bare_name(name: str) -> str:
    """"Kota Medan" -> "Medan", "Kabupaten Padang Pariaman" -> "Padang Pariaman"."""
    return re.sub(r"^(kota|kabupaten|kab\.?)\s+", "", (name or "").strip(), flags=re.I)


def bare_name(name: str) -> str:
    return _bare_name(name)


def tenant_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _ascii(_bare_name(name)).lower()).strip("-")[:40]


def tracking_prefix(name: str) -> str:
    """MDN for Medan, PP for Padang Pariaman: initials, or the first letter and consonants."""
    words = re.findall(r"[A-Za-z]+", _ascii(_bare_name(name)))
    if not words:
        return ""
    if len(words) > 1:
        return "".join(w[0] for w in words[:3]).upper()
    word = words[0].upper()
    letters = word[0] + "".join(c for c in word[1:] if c not in "AEIOU")
    return (letters if len(letters) >= 3 else word)[:3]


def region_timezone(code: str) -> str:
    return _ZONES.get((code or "")[:2], "Asia/Jakarta")


def level_names(choice: str, custom: str = "") -> str:
    """The three level names as "A/B/C": the chosen set, or the custom text when 'lainnya'."""
    return (custom or "").strip() if choice == CUSTOM else (choice or "")


def split_levels(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split("/")]


def stage_word(level_name: str) -> str:
    """A stage key word from a level name: "Kelurahan" -> "kelurahan" (musrenbang_kelurahan)."""
    word = re.sub(r"[^a-z0-9]+", "_", _ascii(level_name).lower()).strip("_")[:28]
    return word if re.match(r"^[a-z][a-z0-9_]*$", word) else "desa"


def next_major(version: str) -> str:
    """The first version a region's pin excludes: semantic versioning, 0.x -> 1, 1.4 -> 2."""
    match = re.match(r"^(\d+)", version or "")
    return str(int(match.group(1)) + 1) if match else "1"


def logo_file(path: str) -> str:
    """The logo's name in the region folder: the generated logo.svg, or logo.<its type>."""
    suffix = Path(path).suffix.lower() if path else ".svg"
    return "logo" + (suffix if suffix in LOGO_TYPES else ".svg")


def initials(name: str) -> str:
    words = re.findall(r"[A-Za-z]+", _ascii(_bare_name(name)))
    return "".join(w[0] for w in words[:2]).upper() or "E"


def kecamatan_codes(code: str, path: str) -> list[str]:
    """The region's kecamatan in the CSV; without a CSV, a placeholder <code>.01."""
    try:
        found = [k for k, _ in region_rows(path, code) if k.count(".") == 2] if path else []
    except WilayahFileError:
        found = []
    return found or [f"{code}.01"]


def first_village(code: str, path: str, kind: str) -> str:
    """The village the example units hang under: the CSV's first, else the one the core's
    acceptance scenario makes up when a region has no wilayah.csv yet (<code>.01.1001/2001)."""
    try:
        found = [k for k, _ in region_rows(path, code) if k.count(".") == 3] if path else []
    except WilayahFileError:
        found = []
    return found[0] if found else f"{code}.01.{'1001' if kind == 'kota' else '2001'}"


def toml(value) -> str:
    """A TOML value: JSON strings and arrays of strings are valid TOML."""
    import json

    return json.dumps(value, ensure_ascii=False)


def eplanning_core_version() -> str:
    """The core's version where it is importable, else the one of the repository (or the
    installed package) this template sits in."""
    try:
        import eplanning_core

        return eplanning_core.__version__
    except ImportError:
        pass
    here = Path(__file__).resolve().parent
    for init in (here.parent / "eplanning_core" / "__init__.py", here.parents[1] / "__init__.py"):
        match = init.is_file() and re.search(r'__version__\s*=\s*"([^"]+)"', init.read_text("utf-8"))
        if match:
            return match.group(1)
    return "0.2.0"


class RegionExtension(Extension):
    """Registers the filters above for cookiecutter.json and the template's files."""

    FILTERS = (absolute_path, bare_name, wilayah_name, province_name, region_kind, tenant_slug,
               tracking_prefix, region_timezone, level_names, split_levels, stage_word, next_major,
               logo_file, initials, kecamatan_codes, first_village, toml)

    def __init__(self, environment):
        super().__init__(environment)
        for function in self.FILTERS:
            environment.filters[function.__name__] = function
        environment.globals["eplanning_core_version"] = eplanning_core_version
        # The hooks run in the new project's folder: they import this module from here.
        environment.globals["rules_dir"] = str(Path(__file__).resolve().parent)


# ---- the checks -------------------------------------------------------------------------------

def problems(answers: dict) -> list[tuple[str, str, str]]:
    """Every wrong answer as (question, Indonesian message, English message)."""
    out: list[tuple[str, str, str]] = []

    def add(key, id_text, en_text):
        out.append((key, id_text, en_text))

    def text(key):
        return str(answers.get(key) or "").strip()

    code = text("region_code")
    if not REGION_CODE.match(code):
        add("region_code", f"'{code}' bukan kode kabupaten/kota Kemendagri seperti 12.71.",
            f"'{code}' is not a Kemendagri regency/city code such as 12.71.")
    elif code[:2] not in PROVINCES:
        add("region_code", f"kode provinsi '{code[:2]}' tidak dikenal (mis. 12 Sumatera Utara).",
            f"province code '{code[:2]}' is unknown (e.g. 12 Sumatera Utara).")

    name, csv_path = text("region_name"), text("__wilayah_path") or absolute_path(text("wilayah_csv"))
    if csv_path:
        try:
            rows = wilayah_rows(csv_path)
        except WilayahFileError as exc:
            add("wilayah_csv", f"berkas '{csv_path}' tidak dapat dibaca: {exc}.",
                f"file '{csv_path}' cannot be read: {exc}.")
        else:
            if REGION_CODE.match(code) and code not in rows:
                add("region_code", f"kode {code} tidak ada di {Path(csv_path).name}; periksa kodenya "
                    "(Kepmendagri tentang kode wilayah).",
                    f"code {code} is not in {Path(csv_path).name}; check the code "
                    "(the Kemendagri decree on region codes).")
            elif REGION_CODE.match(code) and name and _same(name) != _same(rows[code][0]):
                add("region_name", f"'{name}' berbeda dengan nama di {Path(csv_path).name}: "
                    f"'{rows[code][0]}'. Kosongkan agar diisi otomatis.",
                    f"'{name}' differs from the name in {Path(csv_path).name}: "
                    f"'{rows[code][0]}'. Leave it empty to have it filled in.")
    code_unknown = any(key == "region_code" for key, _, _ in out)
    if not name and not code_unknown:
        add("region_name", "nama wilayah kosong: isi (mis. Kota Medan) atau berikan wilayah_csv.",
            "the region's name is empty: give it (e.g. Kota Medan) or a wilayah_csv.")
    elif not 3 <= len(name) <= 120:
        add("region_name", "nama wilayah harus 3 sampai 120 huruf.",
            "the region's name must be 3 to 120 characters.")

    kind = text("region_kind")
    if kind not in KINDS:
        add("region_kind", f"'{kind}' bukan 'kabupaten' atau 'kota'.",
            f"'{kind}' is not 'kabupaten' or 'kota'.")
    elif name and name.split()[0].lower() in ("kota", "kabupaten") and name.split()[0].lower() != kind:
        add("region_kind", f"'{name}' adalah {name.split()[0].lower()}, bukan {kind}.",
            f"'{name}' is a {name.split()[0].lower()}, not a {kind}.")
    if len(text("province")) < 3:
        add("province", "nama provinsi kosong.", "the province's name is empty.")

    derived_from_name = name or (text("tenant_slug"), text("tracking_prefix")) != ("", "")
    if derived_from_name and not TENANT_SLUG.match(text("tenant_slug")):
        add("tenant_slug", f"'{text('tenant_slug')}' harus huruf kecil, angka dan '-' (mis. medan).",
            f"'{text('tenant_slug')}' must be lower-case letters, digits and '-' (e.g. medan).")
    if not PROJECT_SLUG.match(text("project_slug")):
        add("project_slug", f"'{text('project_slug')}' harus huruf kecil, angka, '-' dan '_' "
            "(mis. eplanning-medan).",
            f"'{text('project_slug')}' must be lower-case letters, digits, '-' and '_' "
            "(e.g. eplanning-medan).")
    if derived_from_name and not TRACKING_PREFIX.match(text("tracking_prefix")):
        add("tracking_prefix", f"'{text('tracking_prefix')}' harus 2 sampai 5 huruf kapital (mis. MDN).",
            f"'{text('tracking_prefix')}' must be 2 to 5 capital letters (e.g. MDN).")

    choice = text("levels")
    if choice not in LEVEL_SETS + (CUSTOM,):
        add("levels", f"'{choice}' bukan salah satu pilihan ({', '.join(LEVEL_SETS)}, {CUSTOM}).",
            f"'{choice}' is not one of the choices ({', '.join(LEVEL_SETS)}, {CUSTOM}).")
    else:
        names = split_levels(level_names(choice, text("custom_levels")))
        if len(names) != 3 or not all(2 <= len(n) <= 40 and not set(n) & set(',;"') for n in names):
            add("custom_levels", f"'{text('custom_levels')}' harus tiga nama tingkatan (2-40 huruf, tanpa koma) "
                "dipisah '/', dari atas ke bawah, mis. Kecamatan/Desa/Banjar.",
                f"'{text('custom_levels')}' must be three level names (2-40 characters, no commas) "
                "separated by '/', top to bottom, e.g. Kecamatan/Desa/Banjar.")
    if text("stage_preset") not in PRESETS:
        add("stage_preset", f"'{text('stage_preset')}' bukan salah satu dari {', '.join(PRESETS)}.",
            f"'{text('stage_preset')}' is not one of {', '.join(PRESETS)}.")

    for key in ("primary_color", "secondary_color"):
        if not COLOUR.match(text(key)):
            add(key, f"'{text(key)}' bukan warna #rrggbb (mis. #0b5394).",
                f"'{text(key)}' is not a #rrggbb colour (e.g. #0b5394).")
    logo = text("__logo_path") or absolute_path(text("logo"))
    if logo:
        if not Path(logo).is_file():
            add("logo", f"berkas logo '{logo}' tidak ada.", f"logo file '{logo}' does not exist.")
        elif Path(logo).suffix.lower() not in LOGO_TYPES:
            add("logo", "logo harus .svg, .png, .jpg atau .webp.", "the logo must be .svg, .png, .jpg or .webp.")
    if text("default_language") not in LANGUAGES:
        add("default_language", f"bahasa '{text('default_language')}' tidak dikenal: 'id' atau 'en'.",
            f"language '{text('default_language')}' is unknown: 'id' or 'en'.")
    if not VERSION.match(text("core_version")):
        add("core_version", f"'{text('core_version')}' bukan nomor versi seperti 0.2.0.",
            f"'{text('core_version')}' is not a version number such as 0.2.0.")
    if text("timezone") not in TIMEZONES:
        add("timezone", f"zona waktu '{text('timezone')}' harus salah satu dari {', '.join(TIMEZONES)}.",
            f"time zone '{text('timezone')}' must be one of {', '.join(TIMEZONES)}.")
    return out


def _same(name: str) -> str:
    return " ".join(name.lower().split())


def report(found: list[tuple[str, str, str]]) -> str:
    """The refusal the hook prints: Indonesian first, English below, one block per answer."""
    lines = ["Jawaban tidak dapat dipakai; tidak ada yang dibuat.",
             "The answers cannot be used; nothing was baked."]
    for key, id_text, en_text in found:
        lines += [f"  - {key}: {id_text}", f"    {key}: {en_text}"]
    return "\n".join(lines)
