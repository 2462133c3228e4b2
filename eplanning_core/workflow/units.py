"""The region hierarchy as the engine sees it: dotted Kemendagri unit codes.

Levels below the kabupaten/kota: 1 = kecamatan (sub-district, ``12.71.01``), 2 = kelurahan,
desa or nagari (village, ``12.71.01.1001``), 3 = lingkungan, dusun, jorong or korong
(neighbourhood, ``12.71.01.1001.01``). A unit's code starts with its parent's code (the
wilayah importer enforces this), so the engine derives levels and ancestors from codes
alone and needs no database.
"""

from __future__ import annotations

KECAMATAN, DESA, LINGKUNGAN = 1, 2, 3
UNIT_LEVELS = (KECAMATAN, DESA, LINGKUNGAN)

_REGION_PARTS = 2  # "12.71" is the kabupaten/kota itself


def unit_level(code: str) -> int:
    """1, 2 or 3 for a kecamatan, village or neighbourhood code; ValueError otherwise."""
    if not isinstance(code, str) or not code or any(not p for p in code.split(".")):
        raise ValueError(f"not a unit code: {code!r}")
    level = code.count(".") + 1 - _REGION_PARTS
    if level not in UNIT_LEVELS:
        raise ValueError(f"{code!r} is not a kecamatan, village or neighbourhood code")
    return level


def ancestor(code: str | None, level: int) -> str | None:
    """The unit at ``level`` that contains ``code`` (itself if at that level), else None."""
    if code is None:
        return None
    if unit_level(code) < level:
        return None
    return ".".join(code.split(".")[: level + _REGION_PARTS])


def contains(outer: str, inner: str | None) -> bool:
    """True when ``inner`` is ``outer`` or lies below it."""
    return inner is not None and (inner == outer or inner.startswith(outer + "."))


def same_holder(a, b) -> bool:
    """Holders compare as text: a unit code, or an agency/member id given as 5 or "5"."""
    return a is not None and b is not None and str(a) == str(b)
