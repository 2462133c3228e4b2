"""Every kind of job: its label, how to describe one, and the code that runs it.

A kind's ``run(job)`` returns a :class:`.runner.Result` or raises :class:`.runner.JobFailed`;
it reads its parameters from ``job.params`` and reports progress through ``job``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask_babel import lazy_gettext as _l

from . import exports, imports


@dataclass(frozen=True)
class Kind:
    key: str
    label: object                 # lazy string
    run: Callable
    describe: Callable[[dict], str]


KINDS: dict[str, Kind] = {k.key: k for k in (
    Kind("rkpd_export", _l("RKPD export"), exports.rkpd_export, exports.describe_rkpd),
    Kind("rkpd_pdf", _l("RKPD PDF"), exports.rkpd_pdf, exports.describe_rkpd_pdf),
    Kind("anggaran_import", _l("APBD import"), imports.anggaran_import, imports.describe_anggaran),
    Kind("kamus_import", _l("Catalogue import"), imports.kamus_import, imports.describe_kamus),
    Kind("nomenklatur_import", _l("Nomenclature import"), imports.nomenklatur_import, imports.describe_kamus),
    Kind("realisasi_import", _l("Execution report import"), imports.realisasi_import, imports.describe_realisasi),
)}


def label(jenis: str) -> str:
    kind = KINDS.get(jenis)
    return str(kind.label) if kind else jenis


def describe(jenis: str, params: dict) -> str:
    kind = KINDS.get(jenis)
    try:
        return kind.describe(params) if kind else ""
    except (KeyError, TypeError, ValueError):
        return ""
