"""The Permendagri 90/2019 code rules, used wherever a programme code is typed or read.

A code has one shape per level: urusan ``1``, bidang urusan ``1.03``, program ``1.03.10``,
kegiatan ``1.03.10.2.01``, sub kegiatan ``1.03.10.2.01.0005``. ``X`` stands for the
supporting programmes (penunjang). Sub kegiatan were first numbered with two digits
(``1.03.10.2.01.05``, the 2019 form); later Kepmendagri renumbered them with four. The 4-digit
form is the stored one and :func:`normalize_sub_kegiatan` the one place that decides it.
Plain Python: no Flask, no database.
"""

from __future__ import annotations

import re

from .models import NOMENKLATUR_LEVELS

_U = r"[0-9X]"          # urusan: 1..8, or X for the supporting programmes (penunjang)
_B = r"(?:\d{2}|XX)"    # bidang urusan
CODE_SHAPES = {
    "urusan": re.compile(rf"^{_U}$", re.ASCII),
    "bidang_urusan": re.compile(rf"^{_U}\.{_B}$", re.ASCII),
    "program": re.compile(rf"^{_U}\.{_B}\.\d{{2}}$", re.ASCII),
    "kegiatan": re.compile(rf"^{_U}\.{_B}\.\d{{2}}\.\d\.\d{{2}}$", re.ASCII),
    "sub_kegiatan": re.compile(rf"^{_U}\.{_B}\.\d{{2}}\.\d\.\d{{2}}\.\d{{4}}$", re.ASCII),
}
CODE_EXAMPLES = {"urusan": "1", "bidang_urusan": "1.03", "program": "1.03.10",
                 "kegiatan": "1.03.10.2.01", "sub_kegiatan": "1.03.10.2.01.0005"}
_SUB_KEGIATAN_2019 = re.compile(rf"^({_U}\.{_B}\.\d{{2}}\.\d\.\d{{2}})\.(\d{{2}})$", re.ASCII)
#: The level one up: a kegiatan belongs to a program.
PARENT_LEVEL = dict(zip(NOMENKLATUR_LEVELS[1:], NOMENKLATUR_LEVELS[:-1]))


def normalize_code(code) -> str:
    """A nomenclature code as typed, tidied: no spaces, an upper-case X."""
    return re.sub(r"\s+", "", str(code or "")).upper()


def normalize_sub_kegiatan(code) -> str:
    """The stored form of a sub kegiatan code: ``1.03.10.2.01.05`` -> ``1.03.10.2.01.0005``.

    The 4-digit form is kept as it is; any other text is returned tidied but unchanged, so
    callers can use it on everything a user types into a sub kegiatan field or search box.
    """
    code = normalize_code(code)
    match = _SUB_KEGIATAN_2019.match(code)
    return f"{match[1]}.{int(match[2]):04d}" if match else code


def is_sub_kegiatan(code: str) -> bool:
    """Whether an already normalised code has the shape of a sub kegiatan."""
    return bool(CODE_SHAPES["sub_kegiatan"].match(code))


def level_word(tingkat: str) -> str:
    """``bidang_urusan`` -> ``bidang urusan``: the domain's own words, the same in every language."""
    return tingkat.replace("_", " ")


def parent_code(kode: str, tingkat: str) -> str | None:
    """The code one level up: a kegiatan ``1.03.10.2.01`` belongs to program ``1.03.10``."""
    if tingkat == "urusan":
        return None
    if tingkat == "kegiatan":
        return ".".join(kode.split(".")[:3])
    return kode.rsplit(".", 1)[0]
