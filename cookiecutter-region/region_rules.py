"""The rules of the region template: defaults derived from the answers, and their checks.

Used twice, so that both use the same rules:
- as a Jinja extension (``_extensions`` in cookiecutter.json): filters that derive the
  defaults while cookiecutter asks (the region's name, kind, province, time zone and usual
  levels from its code alone, through the core's national list of kabupaten/kota
  ``eplanning_core/data/kabkota.csv``, or from a given wilayah CSV; a slug ...);
- by hooks/pre_gen_project.py, which checks every answer with :func:`problems` and refuses
  to bake when one is wrong, saying how to give it. Free-text answers (``levels``,
  ``stage_preset``) are checked there rather than as cookiecutter choice lists, which fail
  with a traceback before any hook runs.

Standard library and Jinja only: the template must work with a bare ``cookiecutter``
(``pipx run cookiecutter cookiecutter-region``) where eplanning-core is not installed.
"""

from __future__ import annotations

import csv
import logging
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
CUSTOM = "lainnya"   # the old way of custom levels: levels=lainnya custom_levels=A/B/C (still read)
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


# ---- the national list of kabupaten/kota shipped with the core ---------------------------------

#: Where the core keeps it, seen from this folder: a clone (cookiecutter-region/ beside
#: eplanning_core/) or the installed package (eplanning_core/regiontemplate/template/).
_HERE = Path(__file__).resolve().parent
KABKOTA_PLACES = (_HERE.parent / "eplanning_core" / "data" / "kabkota.csv",
                  _HERE.parents[1] / "data" / "kabkota.csv")


@lru_cache(maxsize=1)
def national_list() -> dict[str, dict[str, str]]:
    """kode -> row (nama, jenis, kode_provinsi, provinsi, zona_waktu) of every kabupaten/kota;
    empty when the template is used without the core beside it (answers are then typed)."""
    for place in KABKOTA_PLACES:
        if place.is_file():
            with place.open(encoding="utf-8", newline="") as handle:
                return {row["kode"]: row for row in csv.DictReader(handle)}
    return {}


def _listed(code: str) -> dict[str, str]:
    return national_list().get((code or "").strip(), {})


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


def wilayah_name(code: str, path: str = "") -> str:
    """The name in the given CSV, else in the national list; empty for an unknown code."""
    if not REGION_CODE.match(code or ""):
        return ""
    return (_name_in(path, code) if path else "") or _listed(code).get("nama", "")


def province_name(code: str, path: str = "") -> str:
    prefix = (code or "")[:2]
    return ((_name_in(path, prefix) if re.match(r"^\d{2}$", prefix) else "")
            or _listed(code).get("provinsi", "") or PROVINCES.get(prefix, ""))


def region_kind(code: str, name: str = "") -> str:
    """From the name ("Kota ..."), else the national list, else the code (Kemendagri numbers
    cities from 71)."""
    words = (name or "").strip().lower().split()
    if words and words[0] in ("kota", "kabupaten", "kab.", "kab"):
        return "kota" if words[0] == "kota" else "kabupaten"
    if _listed(code).get("jenis") in KINDS:
        return _listed(code)["jenis"]
    return "kota" if REGION_CODE.match(code or "") and int(code[3:]) >= 71 else "kabupaten"


def default_levels(code: str, kind: str = "") -> str:
    """The usual three levels of a region: a kota's kelurahan, a kabupaten's desa, and the
    nagari of Sumatera Barat's kabupaten (korong in Padang Pariaman; Mentawai has desa)."""
    code = (code or "").strip()
    if kind == "kota":
        return "Kecamatan/Kelurahan/Lingkungan"
    if code == "13.05":
        return "Kecamatan/Nagari/Korong"
    if code.startswith("13.") and code != "13.09":
        return "Kecamatan/Nagari/Jorong"
    return "Kecamatan/Desa/Dusun"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()


def _bare_name(name: str) -> str:
    """"Kota Medan" -> "Medan", "Kabupaten Padang Pariaman" -> "Padang Pariaman",
    "Kota Administrasi Jakarta Pusat" -> "Jakarta Pusat"."""
    return re.sub(r"^(kota|kabupaten|kab\.?)\s+(administrasi\s+)?", "", (name or "").strip(), flags=re.I)


def bare_name(name: str) -> str:
    return _bare_name(name)


@lru_cache(maxsize=1)
def _shared_names() -> frozenset[str]:
    """Bare names that a kabupaten and a kota share (Kabupaten and Kota Bandung ...)."""
    seen: dict[str, int] = {}
    for row in national_list().values():
        key = _same(_bare_name(row["nama"]))
        seen[key] = seen.get(key, 0) + 1
    return frozenset(k for k, n in seen.items() if n > 1)


def tenant_slug(name: str) -> str:
    """"medan"; "kab-bandung" and "kota-bandung" where both exist, so that one deployment
    can serve both."""
    slug = re.sub(r"[^a-z0-9]+", "-", _ascii(_bare_name(name)).lower()).strip("-")[:36]
    if slug and _same(_bare_name(name)) in _shared_names():
        slug = ("kota-" if region_kind("", name) == "kota" else "kab-") + slug
    return slug


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
    return _listed(code).get("zona_waktu") or _ZONES.get((code or "")[:2], "Asia/Jakarta")


def level_names(levels: str, custom: str = "") -> str:
    """The three level names as "A/B/C": the answer itself, or custom_levels with 'lainnya'."""
    return (custom or "").strip() if (levels or "").strip() == CUSTOM else (levels or "").strip()


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


class _RefusalWithoutTraceback(logging.Filter):
    """The pre-generation hook has already said which answer is wrong and how to give it;
    cookiecutter's traceback of the hook's exit status would only bury that message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and "didn't exit successfully" in record.getMessage():
            record.exc_info = record.exc_text = None
        return True


def _quiet_refusals() -> None:
    hooks_log = logging.getLogger("cookiecutter.hooks")
    if not any(isinstance(f, _RefusalWithoutTraceback) for f in hooks_log.filters):
        hooks_log.addFilter(_RefusalWithoutTraceback())


class RegionExtension(Extension):
    """Registers the filters above for cookiecutter.json and the template's files."""

    FILTERS = (absolute_path, bare_name, wilayah_name, province_name, region_kind, default_levels,
               tenant_slug, tracking_prefix, region_timezone, level_names, split_levels, stage_word, next_major,
               logo_file, initials, kecamatan_codes, first_village, toml)

    def __init__(self, environment):
        super().__init__(environment)
        for function in self.FILTERS:
            environment.filters[function.__name__] = function
        environment.globals["eplanning_core_version"] = eplanning_core_version
        # The hooks run in the new project's folder: they import this module from here.
        environment.globals["rules_dir"] = str(Path(__file__).resolve().parent)
        _quiet_refusals()


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
    elif REGION_CODE.match(code) and _listed(code):
        listed = _listed(code)["nama"]
        if name and _same(name) != _same(listed):
            add("region_name", f"'{name}' berbeda dengan nama {code} di daftar kabupaten/kota Kemendagri: "
                f"'{listed}'. Periksa kodenya, atau kosongkan region_name agar diisi otomatis.",
                f"'{name}' differs from the name of {code} in the Kemendagri list of kabupaten/kota: "
                f"'{listed}'. Check the code, or leave region_name empty to have it filled in.")
    code_unknown = any(key == "region_code" for key, _, _ in out)
    if not name and not code_unknown and _listed(code):
        add("region_name", f"nama wilayah kosong: isi '{_listed(code)['nama']}', atau jangan jawab "
            "region_name agar diisi otomatis.",
            f"the region's name is empty: give '{_listed(code)['nama']}', or leave region_name out "
            "to have it filled in.")
    elif not name and not code_unknown:
        add("region_name", f"nama wilayah kosong: kode {code} tidak ada di daftar kabupaten/kota "
            "Kemendagri yang ikut inti. Periksa kodenya; untuk wilayah yang lebih baru dari daftar itu, "
            "isi region_name (mis. Kota Medan) atau berikan wilayah_csv.",
            f"the region's name is empty: code {code} is not in the Kemendagri list of kabupaten/kota "
            "shipped with the core. Check the code; for a region newer than that list, give "
            "region_name (e.g. Kota Medan) or a wilayah_csv.")
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

    out += _level_problems(text("levels"), text("custom_levels"))
    if text("stage_preset") not in PRESETS:
        add("stage_preset", f"'{text('stage_preset')}' bukan salah satu dari {', '.join(PRESETS)}; "
            "mis. stage_preset=tanpa-rembuk-warga.",
            f"'{text('stage_preset')}' is not one of {', '.join(PRESETS)}; "
            "e.g. stage_preset=tanpa-rembuk-warga.")

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


def _good_levels(names: list[str]) -> bool:
    return len(names) == 3 and all(2 <= len(n) <= 40 and not set(n) & set(',;"') for n in names)


def _level_problems(levels: str, custom: str) -> list[tuple[str, str, str]]:
    """Three names top to bottom in ``levels`` itself (any, e.g. Kecamatan/Kelurahan/RW); the
    old ``levels=lainnya custom_levels=A/B/C`` still works; anything else says the right way."""
    right_id = ("tulis tiga nama tingkatan (2-40 huruf, tanpa koma) dipisah '/', dari atas ke bawah, "
                "langsung di levels, mis. levels=Kecamatan/Kelurahan/RW")
    right_en = ("write three level names (2-40 characters, no commas) separated by '/', top to bottom, "
                "in levels itself, e.g. levels=Kecamatan/Kelurahan/RW")
    if levels == CUSTOM:
        if _good_levels(split_levels(custom)):
            return []
        return [("custom_levels", f"'{custom}' harus tiga nama tingkatan; {right_id} (tanpa 'lainnya').",
                 f"'{custom}' must be three level names; {right_en} (no 'lainnya' needed).")]
    found = []
    if not _good_levels(split_levels(levels)):
        found.append(("levels", f"'{levels}' bukan tiga nama tingkatan: {right_id}, atau salah satu dari "
                      f"{', '.join(LEVEL_SETS)}.",
                      f"'{levels}' is not three level names: {right_en}, or one of {', '.join(LEVEL_SETS)}."))
    if custom and split_levels(custom) != split_levels(levels):
        target = custom if _good_levels(split_levels(custom)) else "Kecamatan/Kelurahan/RW"
        found.append(("custom_levels", f"custom_levels hanya dibaca bersama levels=lainnya; "
                      f"tulis namanya langsung: levels={target} (tanpa custom_levels).",
                      f"custom_levels is only read with levels=lainnya; give the names "
                      f"directly: levels={target} (without custom_levels)."))
    return found


def _same(name: str) -> str:
    return " ".join(name.lower().split())


def report(found: list[tuple[str, str, str]]) -> str:
    """The refusal the hook prints: Indonesian first, English below, one block per answer."""
    lines = ["Jawaban tidak dapat dipakai; tidak ada yang dibuat.",
             "The answers cannot be used; nothing was baked."]
    for key, id_text, en_text in found:
        lines += [f"  - {key}: {id_text}", f"    {key}: {en_text}"]
    return "\n".join(lines)
