"""ProposalState: what the engine needs to know about one usulan (proposal).

The database layer builds it from a row; the engine never sees the rest of the proposal
(problem, photos, proposer). ``status`` is the decision at the current stage:
``belum_dibahas`` (not yet discussed, the status on arrival), ``diterima`` (accepted),
``diterima_dengan_perubahan`` (accepted with changes), ``ditolak`` (rejected),
``dana_desa`` (kept at the village for its own funds: Dana Desa, ADD or swadaya),
``diperiksa`` (a Pokir checked by the council secretariat), ``didanai`` / ``tidak_didanai``
(funded / not funded in the budget, APBD). Money is int rupiah.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Hashable

BELUM_DIBAHAS = "belum_dibahas"
DITERIMA = "diterima"
DITERIMA_DENGAN_PERUBAHAN = "diterima_dengan_perubahan"
DITOLAK = "ditolak"
DANA_DESA = "dana_desa"
DIPERIKSA = "diperiksa"
DIDANAI = "didanai"
TIDAK_DIDANAI = "tidak_didanai"
STATUSES = (BELUM_DIBAHAS, DITERIMA, DITERIMA_DENGAN_PERUBAHAN, DITOLAK, DANA_DESA,
            DIPERIKSA, DIDANAI, TIDAK_DIDANAI)

#: Where a proposal came from, by the level of the stage it was entered at.
SOURCES = {3: "lingkungan", 2: "kelurahan", 1: "kecamatan", "pd": "pd", "dprd": "pokir",
           "bappeda": "bappeda"}

#: Fields a site survey settles; changing them after ``survei_selesai`` needs a reason.
SURVEY_FIELDS = frozenset({"volume", "satuan", "harga_satuan", "total", "lokasi", "koordinat",
                           "foto"})


def _money(name: str, value, *, optional: bool) -> None:
    if value is None and optional:
        return
    if type(value) is not int or value < 0:
        raise TypeError(f"{name} must be a whole, non-negative number of rupiah (int), "
                        f"got {value!r}")


@dataclass(frozen=True)
class ProposalState:
    """One proposal as the engine sees it; immutable, changed only through a Transition."""

    id: Hashable | None
    stage_key: str
    status: str = BELUM_DIBAHAS
    unit_code: str | None = None      # where it is: the lowest unit known (location)
    agency_id: Hashable | None = None  # responsible PD once routed
    owner_id: Hashable | None = None   # the DPRD member who entered a Pokir
    source: str = ""
    total: int = 0                     # volume x unit price, rupiah
    surveyed: bool = False             # site survey finished (survei selesai)
    locked: bool = False               # sent up at least once: changes need a reason
    closed: bool = False               # its holder sent the batch; it stayed behind, final
    priority: int | None = None        # order set by the kelurahan/kecamatan forum
    score: Decimal | None = None       # weighted score (musrenbang kecamatan, forum PD)
    sub_kegiatan: str | None = None    # Permendagri 90/2019 sub-activity code
    pagu: int | None = None            # amount the PD plans for it, rupiah
    target: str | None = None          # output target, e.g. "500 m"
    funded_amount: int | None = None   # what the APBD funds

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        _money("total", self.total, optional=False)
        _money("pagu", self.pagu, optional=True)
        _money("funded_amount", self.funded_amount, optional=True)
        if self.score is not None and not isinstance(self.score, Decimal):
            object.__setattr__(self, "score", Decimal(str(self.score)))

    @property
    def amount(self) -> int:
        """The rupiah it claims now: the PD's pagu once mapped, else its total."""
        return self.pagu if self.pagu is not None else self.total

    def with_changes(self, changes) -> "ProposalState":
        return replace(self, **changes)
