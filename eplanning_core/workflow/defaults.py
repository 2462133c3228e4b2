"""The default stage set of Permendagri 86/2017, with typical dates.

Planning happens in year N for the budget year N+1: ``default_stage_config(2027)`` is the
cycle "RKPD 2027", run from January to December 2026. A region copies this into the
``[[stages]]`` of its tenant.toml and drops, renames or re-times what it does differently.
The kecamatan criteria follow the scoring table of the Asahan Musrenbang guideline (2018).
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from .config import stages_from_config
from .cycle import Cycle
from .stages import StageDef

KECAMATAN_CRITERIA = (
    {"key": "keterdesakan", "name": "Urgency (keterdesakan)", "weight": 25, "max": 5},
    {"key": "pertumbuhan_ekonomi", "name": "Effect on the local economy", "weight": 15, "max": 5},
    {"key": "potensi_lokasi", "name": "Develops the kecamatan's potential", "weight": 15, "max": 5},
    {"key": "kemiskinan", "name": "Reduces poverty", "weight": 20, "max": 5},
    {"key": "manfaat", "name": "Benefit and reach", "weight": 15, "max": 5},
    {"key": "partisipasi", "name": "Community participation", "weight": 10, "max": 5},
)


def default_stage_config(plan_year: int) -> list[dict]:
    """Plain dicts, exactly as ``[[stages]]`` in tenant.toml would give them."""
    n = plan_year - 1
    return [
        {"key": "rembuk_warga", "name": "Rembuk Warga", "kind": "rembuk_warga", "level": 3,
         "opens": date(n, 1, 15), "closes": date(n, 1, 31), "creators": ["operator"],
         "decisions": ["ditolak"], "survey": True, "next": "musrenbang_desa"},
        {"key": "musrenbang_desa", "name": "Musrenbang Kelurahan/Desa", "kind": "musrenbang_desa",
         "level": 2, "opens": date(n, 2, 1), "closes": date(n, 2, 14), "creators": ["operator"],
         "decisions": ["diterima", "diterima_dengan_perubahan", "ditolak", "dana_desa"],
         "next": "musrenbang_kecamatan"},
        {"key": "musrenbang_kecamatan", "name": "Musrenbang Kecamatan",
         "kind": "musrenbang_kecamatan", "level": 1, "opens": date(n, 2, 15),
         "closes": date(n, 2, 28), "creators": ["operator"],
         "decisions": ["diterima", "diterima_dengan_perubahan", "ditolak"],
         "criteria": [dict(c) for c in KECAMATAN_CRITERIA], "next": "forum_pd"},
        {"key": "pokir", "name": "Pokok-pokok Pikiran DPRD", "kind": "pokir", "level": "dprd",
         "opens": date(n, 2, 16), "entry_closes": date(n, 2, 22), "closes": date(n, 3, 7),
         "creators": ["dprd"], "decisions": ["diterima", "ditolak"], "next": "forum_pd"},
        {"key": "forum_pd", "name": "Forum Perangkat Daerah", "kind": "forum_pd", "level": "pd",
         "opens": date(n, 3, 1), "closes": date(n, 3, 31), "creators": [],
         "decisions": ["diterima", "diterima_dengan_perubahan", "ditolak"],
         "next": "musrenbang_rkpd"},
        {"key": "musrenbang_rkpd", "name": "Musrenbang RKPD", "kind": "musrenbang_rkpd",
         "level": "bappeda", "opens": date(n, 4, 1), "closes": date(n, 4, 30),
         "decisions": ["diterima", "diterima_dengan_perubahan", "ditolak"],
         "next": "penetapan_rkpd"},
        {"key": "penetapan_rkpd", "name": "Penetapan RKPD", "kind": "penetapan_rkpd",
         "level": "bappeda", "opens": date(n, 5, 1), "closes": date(n, 6, 30),
         "next": "penganggaran"},
        {"key": "penganggaran", "name": "Penganggaran (KUA-PPAS dan APBD)",
         "kind": "penganggaran", "level": "bappeda", "opens": date(n, 7, 1),
         "closes": date(n, 12, 31), "decisions": ["didanai", "tidak_didanai"]},
    ]


def default_stages(plan_year: int, timezone: str = "Asia/Jakarta") -> tuple[StageDef, ...]:
    return stages_from_config(default_stage_config(plan_year), timezone)


def default_cycle(plan_year: int, timezone: str = "Asia/Jakarta") -> Cycle:
    return Cycle(plan_year, default_stages(plan_year, timezone), ZoneInfo(timezone))
