"""Reading and validating a region's tenant.toml into a :class:`TenantConfig`."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import ValidationError

from .schema import SLUG, TIMEZONES, TenantSchema, tile_origin
from .stages import check_stages

LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
              ".jpeg": "image/jpeg", ".webp": "image/webp"}


class TenantConfigError(Exception):
    """A tenant.toml that cannot be used; ``problems`` lists (key, reason) pairs."""

    def __init__(self, path: Path, problems: list[tuple[str, str]]):
        self.path = Path(path)
        self.problems = problems
        lines = [f"{self.path}: {key}: {reason}" if key else f"{self.path}: {reason}"
                 for key, reason in problems]
        super().__init__("Invalid region configuration\n  " + "\n  ".join(lines))


@dataclass(frozen=True)
class Dapil:
    code: str
    name: str
    kecamatan: tuple[str, ...]


@dataclass(frozen=True)
class TenantConfig:
    """A validated region configuration. Immutable: it is shared by every request."""

    slug: str
    folder: Path
    code: str
    name: str
    kind: str
    province: str
    timezone: str
    levels: tuple[str, str, str]
    default_language: str
    app_name: str
    primary_color: str
    secondary_color: str
    logo: Path | None
    dapil: tuple[Dapil, ...] = field(default_factory=tuple)
    tracking_prefix: str = ""
    #: Raw [[stages]] (month-day dates), or None for the engine's default set.
    stages: tuple[dict, ...] | None = None
    #: [audit] checkpoint_max_age_hours: verify warns past it (audit/checkpoints.py).
    checkpoint_max_age_hours: int = 2
    #: [aspirasi] e-Aspirasi: open at all, and its window (dates or None), aspirasi/operations.py.
    aspirasi_open: bool = True
    aspirasi_opens: object = None
    aspirasi_closes: object = None
    #: [realisasi] funding_sources (sumber dana) and record_deadline (month-day of the budget year).
    funding_sources: tuple[str, ...] = ("PAD", "DAU", "DAK", "DBH", "Dana Desa", "Lainnya")
    record_deadline: str = "03-31"
    #: [peta]: the basemap's tile URL ("" = none, the plain map), its attribution, and where a
    #: map without points opens (center None: all of Indonesia).
    map_tiles: str = ""
    map_attribution: str = ""
    map_center: tuple[float, float] | None = None
    map_zoom: int = 12

    @property
    def tile_origin(self) -> str | None:
        """The tile server's origin, the one image source the CSP adds (security.py)."""
        return tile_origin(self.map_tiles)

    def level_name(self, tingkat: int) -> str:
        """Name of hierarchy level 1..3 (e.g. 2 -> 'Kelurahan' or 'Nagari')."""
        return self.levels[tingkat - 1]

    def unit_label(self, tingkat: int, nama: str) -> str:
        """'Kelurahan Pasar Baru', but 'Lingkungan I' (not 'Lingkungan Lingkungan I')."""
        level = self.level_name(tingkat)
        return nama if nama.lower().startswith(level.lower() + " ") else f"{level} {nama}"

    def dapil_by_code(self, code: str) -> Dapil | None:
        return next((d for d in self.dapil if d.code == code), None)


def _flatten(messages, prefix="") -> list[tuple[str, str]]:
    """Turn marshmallow's nested error dict into ('branding.primary_color', reason) pairs."""
    out: list[tuple[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                out += _flatten(value, prefix)
                continue
            sub = f"{prefix}[{key}]" if isinstance(key, int) else (f"{prefix}.{key}" if prefix else str(key))
            out += _flatten(value, sub)
    elif isinstance(messages, list):
        for item in messages:
            out += _flatten(item, prefix) if isinstance(item, (dict, list)) else [(prefix, _plain(item))]
    else:
        out.append((prefix, _plain(messages)))
    return out


def _plain(message) -> str:
    text = str(message)
    return {"Unknown field.": "unknown key (a typo? see docs for the allowed keys)",
            "Missing data for required field.": "is required but missing",
            "Not a valid string.": "must be text in quotes",
            "Not a valid list.": "must be a list [ ... ]"}.get(text, text)


def load_tenant(folder: Path | str) -> TenantConfig:
    """Load tenants/<slug>/tenant.toml, raising TenantConfigError with every problem found."""
    folder = Path(folder)
    path = folder / "tenant.toml"
    if not SLUG.match(folder.name):
        raise TenantConfigError(path, [("", f"folder name '{folder.name}' must be a slug: "
                                            "lower-case letters, digits and '-'")])
    if not path.is_file():
        raise TenantConfigError(path, [("", "file not found")])
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # Notepad's BOM is fine
    except UnicodeDecodeError:
        raise TenantConfigError(path, [("", "is not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise TenantConfigError(path, [("", f"TOML syntax error: {exc}")]) from None
    problems: list[tuple[str, str]] = []
    data = None
    try:
        data = TenantSchema().load(raw)
    except ValidationError as exc:
        problems += _flatten(exc.messages)
    logo_name = (raw.get("branding") or {}).get("logo") if isinstance(raw.get("branding"), dict) else None
    logo = None
    if isinstance(logo_name, str) and logo_name:
        logo = (folder / logo_name).resolve()
        if folder.resolve() not in logo.parents:
            problems.append(("branding.logo", "must be a file inside the region's folder"))
        elif not logo.is_file():
            problems.append(("branding.logo", f"file '{logo_name}' not found beside tenant.toml"))
        elif logo.suffix.lower() not in LOGO_TYPES:
            problems.append(("branding.logo", "must be .svg, .png, .jpg or .webp"))
    raw_stages = raw.get("stages")
    if isinstance(raw_stages, list) and all(isinstance(stage, dict) for stage in raw_stages):
        # Checked even when other keys are wrong: every mistake is reported in one go.
        region = raw.get("region") if isinstance(raw.get("region"), dict) else {}
        zone = region.get("timezone", "Asia/Jakarta")
        problems += check_stages(raw_stages, zone if zone in TIMEZONES else "Asia/Jakarta")
    if problems:
        raise TenantConfigError(path, sorted(problems))

    region, branding = data["region"], data["branding"]
    return TenantConfig(
        slug=folder.name, folder=folder.resolve(), code=region["code"], name=region["name"],
        kind=region["kind"], province=region["province"], timezone=region["timezone"],
        levels=tuple(data["levels"]), default_language=data["default_language"],
        app_name=branding["app_name"], primary_color=branding["primary_color"],
        secondary_color=branding["secondary_color"], logo=logo,
        dapil=tuple(Dapil(d["code"], d["name"], tuple(d["kecamatan"])) for d in data["dapil"]),
        tracking_prefix=region["tracking_prefix"] or folder.name[:3].upper(),
        stages=None if data["stages"] is None else tuple(data["stages"]),
        checkpoint_max_age_hours=data["audit"]["checkpoint_max_age_hours"],
        aspirasi_open=data["aspirasi"]["open"], aspirasi_opens=data["aspirasi"]["opens"],
        aspirasi_closes=data["aspirasi"]["closes"],
        funding_sources=tuple(dict.fromkeys(data["realisasi"]["funding_sources"])),
        record_deadline=data["realisasi"]["record_deadline"],
        map_tiles=data["peta"]["tiles"], map_attribution=data["peta"]["attribution"].strip(),
        map_center=tuple(data["peta"]["center"]) if data["peta"]["center"] else None,
        map_zoom=data["peta"]["zoom"],
    )


def tenants_dirs(setting) -> list[Path]:
    """TENANTS_DIR: one folder, or several separated by ':' (os.pathsep) or given as a list.

    Several folders let one deployment host several baked projects' regions as they are:
    ``EPLANNING_TENANTS_DIR=/srv/eplanning-medan/tenants:/srv/eplanning-langkat/tenants``.
    """
    if isinstance(setting, (list, tuple)):
        parts = [str(p) for p in setting]
    else:
        parts = str(setting).split(os.pathsep)
    return [Path(p).expanduser() for p in parts if p.strip()]


def region_folders(dirs: list[Path]) -> dict[str, Path]:
    """Every region folder (one holding tenant.toml) of the TENANTS_DIR folders, by slug.

    A slug found in two folders is refused: the slug is the region's identity in the
    database, so two regions with one slug would share their rows.
    """
    found: dict[str, Path] = {}
    clashes: list[tuple[str, str]] = []
    for base in dirs:
        if not base.is_dir():
            continue
        for toml in sorted(base.glob("*/tenant.toml")):
            slug = toml.parent.name
            if slug in found:
                clashes.append(("", f"region '{slug}' is in both {found[slug]} and {toml.parent}: a slug "
                                    "names one region in the database; rename one of the folders "
                                    "(and its EPLANNING_TENANT / EPLANNING_TENANT_HOSTS entries)"))
                continue
            found[slug] = toml.parent
    if clashes:
        raise TenantConfigError(Path(os.pathsep.join(map(str, dirs))), clashes)
    return found


def find_region(dirs: list[Path], slug: str, folders: dict[str, Path] | None = None) -> Path:
    """The folder of region ``slug``; when it is in none, the first TENANTS_DIR folder (whose
    load then says "file not found" with the path an IT officer expects)."""
    folders = region_folders(dirs) if folders is None else folders
    if slug in folders:
        return folders[slug]
    return (dirs[0] if dirs else Path("tenants")) / slug
