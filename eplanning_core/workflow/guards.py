"""Guards: small checks that each return a Refusal or None, used by the move table.

Scope rules: an operator acts on proposals held by its own unit at the stage's level (a
kelurahan operator on its kelurahan's items, a kecamatan operator on its kecamatan's), an
agency (PD) operator on proposals routed to its agency, a DPRD member on its own Pokir,
the council secretariat (Setwan) on every Pokir, Bappeda on everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Hashable, Mapping

from .actors import BAPPEDA, DPRD, OPERATOR, OPERATOR_PD, Actor
from .cycle import Cycle
from .levels import Level
from .moves import DECIDER, Move
from .refusals import Refusal
from .scoring import ScoreError, score
from .stages import StageDef
from .state import SURVEY_FIELDS, ProposalState
from .units import same_holder

MIN_REASON = 3
#: Permendagri 90/2019 sub kegiatan code: 1.03.10.2.01.05, or the four-digit 1.03.10.2.01.0005.
SUB_KEGIATAN = re.compile(r"^(\d|X)\.(\d{2}|XX)\.\d{2}\.\d\.\d{2}\.(\d{2}|\d{4})$")

_LEVEL_ROLE = {"pd": OPERATOR_PD, "dprd": DPRD, "bappeda": BAPPEDA}


@dataclass(frozen=True)
class Context:
    cycle: Cycle
    stage: StageDef
    state: ProposalState
    actor: Actor
    action: str
    now: datetime
    reason: str | None
    inputs: Mapping[str, Any]


# ---- who ---------------------------------------------------------------------------------

def decider_role(level: Level) -> str:
    return OPERATOR if level.is_unit else _LEVEL_ROLE[level.key]


def _class_role(who: str, level) -> str:
    return decider_role(level) if who == DECIDER else who


def in_scope(who: str, stage: StageDef, holder: Hashable | None, actor: Actor) -> bool:
    """Whether ``actor`` (whose role fits ``who``) may act on what ``holder`` holds."""
    if who == DECIDER:
        level = stage.level
        if level.is_unit:
            return actor.unit_level == level.depth and same_holder(holder, actor.unit_code)
        if level.is_pd:
            return same_holder(holder, actor.agency_id)
        if level.is_member:
            return same_holder(holder, actor.user_id)
    return True  # setwan and bappeda see the whole region


def who_refusal(who: tuple[str, ...], stage: StageDef, holder: Hashable | None, actor: Actor,
                action: str) -> Refusal | None:
    """wrong_role when no actor class fits the role; out_of_scope when the role fits but
    the proposal is held elsewhere."""
    roles = {}
    for w in who:
        roles.setdefault(_class_role(w, stage.level), []).append(w)
    classes = roles.get(actor.role)
    level = stage.level.depth
    if not classes or (actor.role == OPERATOR and DECIDER in classes
                       and actor.unit_level != level):
        return Refusal("wrong_role", {"action": action, "role": actor.role,
                                      "allowed": sorted(roles),
                                      "level": level if OPERATOR in roles else None,
                                      "actor_level": actor.unit_level})
    if any(in_scope(w, stage, holder, actor) for w in classes):
        return None
    return Refusal("out_of_scope", {"action": action, "holder": str(holder),
                                    "scope": actor.describe()})


# ---- inputs ------------------------------------------------------------------------------

def _invalid(name: str, value, expected: str) -> Refusal:
    return Refusal("invalid_input", {"field": name, "value": repr(value), "expected": expected})


def _whole(name, value, minimum):
    if type(value) is not int or value < minimum:
        return _invalid(name, value, f"a whole number of at least {minimum}")
    return None


def _text(name, value):
    if not isinstance(value, str) or not value.strip():
        return _invalid(name, value, "a non-empty text")
    return None


def _agency(name, value):
    if value is None or isinstance(value, bool) or value == "":
        return _invalid(name, value, "an agency (Perangkat Daerah) id")
    return None


def _sub_kegiatan(name, value):
    if not isinstance(value, str) or not SUB_KEGIATAN.match(value):
        return _invalid(name, value, "a sub kegiatan code such as 1.03.10.2.01.05")
    return None


def _fields(name, value):
    if isinstance(value, str) or not value or not all(isinstance(f, str) and f for f in value):
        return _invalid(name, value, "a non-empty list of field names")
    return None


def _points(name, value):
    return None if isinstance(value, Mapping) else _invalid(name, value, "points per criterion")


INPUT_CHECKS = {
    "total": lambda n, v: _whole(n, v, 0),
    "pagu": lambda n, v: _whole(n, v, 1),
    "amount": lambda n, v: _whole(n, v, 1),
    "priority": lambda n, v: _whole(n, v, 1),
    "sub_kegiatan": _sub_kegiatan,
    "target": _text,
    "agency_id": _agency,
    "fields": _fields,
    "points": _points,
}


def check_inputs(move: Move, ctx: Context) -> Refusal | None:
    unknown = set(ctx.inputs) - set(move.needs) - set(move.accepts)
    if unknown:
        raise TypeError(f"{move.action!r} takes no input {', '.join(sorted(unknown))}")
    missing = [n for n in move.needs if ctx.inputs.get(n) is None]
    if missing:
        return Refusal("missing_field", {"action": move.action, "fields": missing})
    for name, value in ctx.inputs.items():
        if value is None:
            continue
        refusal = INPUT_CHECKS[name](name, value)
        if refusal:
            return refusal
    if "points" in ctx.inputs:
        try:
            score(ctx.cycle.criteria_for(ctx.stage.key), ctx.inputs["points"])
        except ScoreError as exc:
            return _invalid(exc.field, exc.value, exc.expected)
    return None


def has_reason(reason: str | None) -> bool:
    return isinstance(reason, str) and len(reason.strip()) >= MIN_REASON


def reason_refusal(action: str) -> Refusal:
    return Refusal("reason_required", {"action": action, "min_length": MIN_REASON})


# ---- named guards of the move table ------------------------------------------------------

def _mapped(ctx: Context) -> Refusal | None:
    """Accepting into a work plan needs a sub kegiatan code and a pagu."""
    missing = [name for name in ("sub_kegiatan", "pagu")
               if ctx.inputs.get(name) is None and getattr(ctx.state, name) is None]
    return Refusal("missing_field", {"action": ctx.action, "fields": missing}) if missing else None


def _not_surveyed(ctx: Context) -> Refusal | None:
    return Refusal("already_done", {"action": ctx.action}) if ctx.state.surveyed else None


def _other_agency(ctx: Context) -> Refusal | None:
    if ctx.inputs.get("agency_id") == ctx.state.agency_id:
        return _invalid("agency_id", ctx.inputs.get("agency_id"),
                        "another agency than the one holding the proposal")
    return None


def _unlocked(ctx: Context) -> Refusal | None:
    """After sending (or a finished survey, for survey fields) a change needs a reason."""
    if has_reason(ctx.reason):
        return None
    fields = sorted(ctx.inputs.get("fields") or ())
    if ctx.inputs.get("total") is not None and "total" not in fields:
        fields.append("total")
    if ctx.state.locked:
        return Refusal("locked", {"why": "sent up", "fields": fields})
    touched = sorted(SURVEY_FIELDS.intersection(fields))
    if ctx.state.surveyed and touched:
        return Refusal("locked", {"why": "surveyed", "fields": touched})
    return None


def _plan_open(ctx: Context) -> Refusal | None:
    """Once the RKPD is set (penetapan) the cycle's decisions are locked."""
    return Refusal("plan_set", {"action": ctx.action}) if ctx.cycle.fixed else None


def may_act_after_send(move: Move, stage: StageDef, actor: Actor) -> bool:
    """Whether ``actor`` is of a class the move lets act once the holder sent its batch."""
    return any(_class_role(w, stage.level) == actor.role for w in move.after_send)


GUARDS = {"mapped": _mapped, "not_surveyed": _not_surveyed, "other_agency": _other_agency,
          "unlocked": _unlocked, "plan_open": _plan_open}
#: Guards that look at the proposal only, not at inputs: ``allowed`` runs them too.
STATIC_GUARDS = frozenset({"not_surveyed", "plan_open"})


def needs_reason(move: Move, state: ProposalState) -> bool:
    """Whether a reason is mandatory for ``move`` on ``state`` whatever the inputs."""
    return move.reason or (move.action == "ubah" and state.locked)


