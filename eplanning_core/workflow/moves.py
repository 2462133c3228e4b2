"""The transition table: every per-proposal move, with who may make it and its guards.

One row per (action, kinds). ``who`` names actor classes: ``decider`` (whoever decides at the
stage's level: the unit operator, the agency operator, the DPRD member who owns the Pokir,
or Bappeda), ``setwan`` and ``bappeda``. Guards are named (see :mod:`.guards`); effects are
declared as inputs copied into fields (``sets`` holds constant field values).
Sending up ("kirim") is not here: a holder sends its whole batch (see :mod:`.batch`).

Once a holder has sent, what stayed behind is final (``already_sent``) except for the actor
classes a move names in ``after_send``: Bappeda may still reopen a decision then, while the
stage's window is open. Reopening ("buka_kembali") is the one way to correct a mistaken
decision: back to undecided at the same stage, with a mandatory reason, never once the RKPD
is set (guard ``plan_open``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from .kinds import DECISIONS, KINDS, REOPEN
from .state import (BELUM_DIBAHAS, DANA_DESA, DIDANAI, DIPERIKSA, DITERIMA,
                    DITERIMA_DENGAN_PERUBAHAN, DITOLAK, TIDAK_DIDANAI)

DECIDER, SETWAN, BAPPEDA = "decider", "setwan", "bappeda"
EDIT = "ubah"


@dataclass(frozen=True)
class Move:
    action: str
    kinds: frozenset[str]
    who: tuple[str, ...]
    to_status: str | None = None                # None: the status does not change
    from_status: frozenset[str] | None = None   # None: any status
    reason: bool = False                        # a reason is mandatory
    needs: tuple[str, ...] = ()                 # required inputs
    accepts: tuple[str, ...] = ()               # optional inputs
    guards: tuple[str, ...] = ()                # extra guards, by name
    sets: Mapping[str, Any] = field(default_factory=dict)
    clears: tuple[str, ...] = ()
    after_send: tuple[str, ...] = ()             # classes that may still act once it was sent

    def __post_init__(self):
        object.__setattr__(self, "sets", MappingProxyType(dict(self.sets)))

    __hash__ = None


def _k(*names: str) -> frozenset[str]:
    return frozenset(names)


_DELIBERATING = _k("musrenbang_desa", "musrenbang_kecamatan")
_MAPPING = _k("forum_pd", "musrenbang_rkpd")
_MAPPING_INPUTS = ("sub_kegiatan", "pagu", "target")
_EDITABLE = frozenset(k for k, spec in KINDS.items() if spec.editable) - {"pokir"}
#: Statuses a decision (or Setwan's check) set: what a reopen puts back to undecided.
_DECIDED = _k(DITERIMA, DITERIMA_DENGAN_PERUBAHAN, DITOLAK, DANA_DESA, DIPERIKSA)
_REOPENABLE = _k("rembuk_warga", "musrenbang_desa", "musrenbang_kecamatan", "forum_pd",
                 "musrenbang_rkpd")

MOVES: tuple[Move, ...] = (
    # decisions
    Move(DITERIMA, _DELIBERATING, (DECIDER, BAPPEDA), to_status=DITERIMA),
    Move(DITERIMA, _MAPPING, (DECIDER, BAPPEDA), to_status=DITERIMA,
         accepts=_MAPPING_INPUTS, guards=("mapped",)),
    Move(DITERIMA, _k("pokir"), (BAPPEDA,), to_status=DITERIMA, from_status=_k(DIPERIKSA)),
    Move(DITERIMA_DENGAN_PERUBAHAN, _DELIBERATING, (DECIDER, BAPPEDA),
         to_status=DITERIMA_DENGAN_PERUBAHAN, reason=True, accepts=("total",)),
    Move(DITERIMA_DENGAN_PERUBAHAN, _MAPPING, (DECIDER, BAPPEDA),
         to_status=DITERIMA_DENGAN_PERUBAHAN, reason=True,
         accepts=("total",) + _MAPPING_INPUTS, guards=("mapped",)),
    Move(DITOLAK, _k("rembuk_warga") | _DELIBERATING | _MAPPING, (DECIDER, BAPPEDA),
         to_status=DITOLAK, reason=True),
    Move(DITOLAK, _k("pokir"), (SETWAN, BAPPEDA), to_status=DITOLAK, reason=True),
    Move(DANA_DESA, _k("musrenbang_desa"), (DECIDER, BAPPEDA), to_status=DANA_DESA),
    Move(DIDANAI, _k("penganggaran"), (DECIDER,), to_status=DIDANAI, needs=("amount",)),
    Move(TIDAK_DIDANAI, _k("penganggaran"), (DECIDER,), to_status=TIDAK_DIDANAI,
         sets={"funded_amount": None}),
    # other actions
    Move(EDIT, _EDITABLE, (DECIDER, BAPPEDA), needs=("fields",), accepts=("total",),
         guards=("unlocked",)),
    Move(EDIT, _k("pokir"), (DECIDER, SETWAN, BAPPEDA), needs=("fields",), accepts=("total",),
         guards=("unlocked",)),
    Move("survei_selesai", _k("rembuk_warga"), (DECIDER, BAPPEDA),
         from_status=_k(BELUM_DIBAHAS), guards=("not_surveyed",), sets={"surveyed": True}),
    Move("prioritas", _DELIBERATING, (DECIDER, BAPPEDA), needs=("priority",)),
    Move("skor", _k("musrenbang_kecamatan"), (DECIDER, BAPPEDA), needs=("points",)),
    # an agency revising the kecamatan's score says why
    Move("skor", _k("forum_pd"), (DECIDER, BAPPEDA), needs=("points",), reason=True),
    Move("rute", _k("musrenbang_kecamatan"), (DECIDER, BAPPEDA), needs=("agency_id",)),
    Move("rute", _k("pokir"), (SETWAN, BAPPEDA), needs=("agency_id",)),
    Move("periksa", _k("pokir"), (SETWAN, BAPPEDA), to_status=DIPERIKSA,
         from_status=_k(BELUM_DIBAHAS)),
    Move("alihkan", _k("forum_pd"), (DECIDER, BAPPEDA), to_status=BELUM_DIBAHAS, reason=True,
         needs=("agency_id",), guards=("other_agency",),
         clears=("sub_kegiatan", "pagu", "target")),
    # correcting a mistake: the decider while its holder has not sent, Bappeda afterwards
    # (while the stage's window is open); never once the RKPD is set
    Move(REOPEN, _REOPENABLE, (DECIDER, BAPPEDA), to_status=BELUM_DIBAHAS, from_status=_DECIDED,
         reason=True, guards=("plan_open",), sets={"closed": False}, after_send=(BAPPEDA,)),
    # a Pokir is decided by Setwan (check, reject) and Bappeda (validate, reject), not its member
    Move(REOPEN, _k("pokir"), (SETWAN, BAPPEDA), to_status=BELUM_DIBAHAS, from_status=_DECIDED,
         reason=True, guards=("plan_open",), sets={"closed": False}, after_send=(BAPPEDA,)),
)

#: Input name -> the ProposalState field it sets ("points" becomes "score" via scoring).
INPUT_FIELDS = {"total": "total", "sub_kegiatan": "sub_kegiatan", "pagu": "pagu",
                "target": "target", "agency_id": "agency_id", "priority": "priority",
                "amount": "funded_amount", "points": "score"}


def _index(moves) -> dict[tuple[str, str], Move]:
    table: dict[tuple[str, str], Move] = {}
    for move in moves:
        for kind in move.kinds:
            if kind not in KINDS:
                raise ValueError(f"move {move.action!r} names unknown kind {kind!r}")
            if not KINDS[kind].offers(move.action):
                raise ValueError(f"kind {kind!r} does not offer {move.action!r}")
            if (kind, move.action) in table:
                raise ValueError(f"two moves for {move.action!r} at {kind!r}")
            table[(kind, move.action)] = move
    for kind, spec in KINDS.items():
        if not set(spec.decisions) <= set(DECISIONS):
            raise ValueError(f"kind {kind!r} offers a decision missing from DECISIONS")
        for action in spec.decisions + spec.actions:
            if (kind, action) not in table:
                raise ValueError(f"kind {kind!r} offers {action!r} but no move defines it")
    return table


TABLE = _index(MOVES)
ACTIONS = tuple(dict.fromkeys(m.action for m in MOVES))


def move_for(kind: str, action: str) -> Move | None:
    return TABLE.get((kind, action))
