"""The stage workflow engine: plain Python, no Flask, no database.

A region's yearly planning cycle moves each usulan (a proposal from citizens, a village, an
agency or a council member) through ordered stages: Rembuk Warga (neighbourhood meeting at
the lingkungan/dusun/jorong), Musrenbang (development-planning meeting) of the kelurahan or
desa, then of the kecamatan (sub-district), Pokir (proposals of DPRD council members), the
Forum Perangkat Daerah (each PD, a regional agency, drafts its work plan, the Renja),
Musrenbang RKPD (Bappeda, the planning agency, consolidates the regional work plan, RKPD),
Penetapan RKPD (the plan is set) and Penganggaran (the budget says funded or not). Pagu is a
ceiling in rupiah (int, never float).

The engine decides and describes; the operations layer persists. Typical use::

    refusal = check(cycle, state, actor, "ditolak", now, reason="Bukan kewenangan kota")
    transition = apply(cycle, state, actor, "ditolak", now, reason="...")  # or Refused
    batch = send(cycle, "musrenbang_desa", "12.71.01.1001", items, actor, now)
"""

from .actors import ROLES, Actor
from .batch import Usage, check_send, send, usage
from .config import StageConfigError, StageProblem, cycle_from_config, stages_from_config
from .cycle import Cycle
from .defaults import default_cycle, default_stage_config, default_stages
from .engine import ActionSpec, allowed, apply, check, check_create, create
from .events import Creation, HistoryEvent, SendBatch, Transition
from .kinds import KINDS, MeetingRule, StageKind
from .levels import Level
from .moves import MOVES, Move
from .refusals import RULES, Refusal, Refused
from .schedule import check_extend, extend
from .scoring import fit_within, rank, score
from .stages import Criterion, Limit, StageDef
from .state import STATUSES, ProposalState
from .windows import Extension

__all__ = [
    "ActionSpec", "Actor", "Creation", "Criterion", "Cycle", "Extension", "HistoryEvent",
    "KINDS", "Level", "Limit", "MOVES", "MeetingRule", "Move", "ProposalState", "ROLES", "RULES",
    "Refusal", "Refused",
    "STATUSES", "SendBatch", "StageConfigError", "StageDef", "StageKind", "StageProblem",
    "Transition", "Usage", "allowed", "apply", "check", "check_create", "check_extend",
    "check_send", "create", "cycle_from_config", "default_cycle", "default_stage_config",
    "default_stages", "extend", "fit_within", "rank", "score", "send", "stages_from_config",
    "usage",
]
