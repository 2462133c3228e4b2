"""The per-proposal engine: what an actor may do now, whether an action passes, its result.

``check`` runs the guards in a fixed order and returns the first Refusal (or None);
``apply`` returns the Transition (changes plus one history event) or raises Refused;
``allowed`` lists the actions whose guards pass before any input is given.
``check_create``/``create`` do the same for entering a new usulan (proposal) at a stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Hashable

from .actors import DPRD, OPERATOR, OPERATOR_PD, Actor
from .cycle import Cycle
from .events import Creation, HistoryEvent, Transition
from .guards import (GUARDS, STATIC_GUARDS, Context, check_inputs, has_reason,
                     may_act_after_send, needs_reason, reason_refusal, who_refusal)
from .moves import ACTIONS, EDIT, INPUT_FIELDS, Move, move_for
from .refusals import Refusal, Refused
from .scoring import score
from .stages import StageDef
from .state import BELUM_DIBAHAS, SOURCES, ProposalState
from .units import ancestor, contains, unit_level
from .windows import require_aware, window_refusal


@dataclass(frozen=True)
class ActionSpec:
    """An action the actor may take now, and what its form must ask for."""

    name: str
    needs_reason: bool
    inputs: tuple[str, ...]      # required
    optional: tuple[str, ...] = ()


def _enabled(cycle: Cycle, stage: StageDef, action: str) -> bool:
    if action == "skor":
        return bool(cycle.criteria_for(stage.key))
    return stage.enables(action)


def _allowed_names(cycle: Cycle, stage: StageDef) -> list[str]:
    return [a for a in ACTIONS
            if move_for(stage.kind, a) is not None and _enabled(cycle, stage, a)]


def _locate(cycle: Cycle, state: ProposalState, action: str, at_stage: str | None
            ) -> tuple[StageDef | None, Move | None, Refusal | None]:
    stage = cycle.stage(state.stage_key)
    if stage is None:
        return None, None, Refusal("unknown_stage", {"stage": state.stage_key})
    if at_stage is not None and at_stage != state.stage_key:
        return stage, None, Refusal("wrong_stage", {"expected": at_stage,
                                                    "actual": state.stage_key})
    move = move_for(stage.kind, action)
    if move is None and action == EDIT and not stage.spec.editable:
        return stage, None, Refusal("stage_closed", {
            "stage": stage.key, "why": "the plan is set; changes go through a revision"})
    if move is None or not _enabled(cycle, stage, action):
        return stage, None, Refusal("decision_not_allowed", {
            "action": action, "stage": stage.key, "allowed": _allowed_names(cycle, stage)})
    return stage, move, None


def _static_refusal(cycle: Cycle, stage: StageDef, move: Move, state: ProposalState,
                    actor: Actor, now: datetime) -> Refusal | None:
    """The guards that do not depend on inputs: role, scope, window, closed, status."""
    holder = cycle.holder_of(state, stage)
    refusal = who_refusal(move.who, stage, holder, actor, move.action)
    if refusal:
        return refusal
    refusal = window_refusal(stage, cycle.extensions, cycle.timezone, holder, now)
    if refusal:
        return refusal
    if state.closed and not may_act_after_send(move, stage, actor):
        if move.after_send:  # e.g. a reopen by the decider once its holder sent
            return Refusal("sent_reopen", {"action": move.action, "stage": stage.key,
                                           "holder": str(holder)})
        return Refusal("already_sent", {"stage": stage.key, "holder": str(holder)})
    if move.from_status is not None and state.status not in move.from_status:
        return Refusal("wrong_status", {"action": move.action, "status": state.status,
                                        "expected": sorted(move.from_status)})
    ctx = Context(cycle, stage, state, actor, move.action, now, None, {})
    for name in move.guards:
        if name in STATIC_GUARDS:
            refusal = GUARDS[name](ctx)
            if refusal:
                return refusal
    return None


def check(cycle: Cycle, state: ProposalState, actor: Actor, action: str, now: datetime, *,
          reason: str | None = None, stage: str | None = None, **inputs: Any) -> Refusal | None:
    """None when ``actor`` may do ``action`` on ``state`` now with these inputs.

    ``stage``: the stage the user acted at (the page they saw); a proposal that moved on
    since is refused rather than decided at the wrong stage.
    """
    require_aware(now)
    stage_def, move, refusal = _locate(cycle, state, action, stage)
    if refusal:
        return refusal
    refusal = _static_refusal(cycle, stage_def, move, state, actor, now)
    if refusal:
        return refusal
    ctx = Context(cycle, stage_def, state, actor, action, now, reason, inputs)
    refusal = check_inputs(move, ctx)
    if refusal:
        return refusal
    if move.reason and not has_reason(reason):
        return reason_refusal(action)
    for name in move.guards:
        refusal = None if name in STATIC_GUARDS else GUARDS[name](ctx)
        if refusal:
            return refusal
    return None


def allowed(cycle: Cycle, state: ProposalState, actor: Actor, now: datetime
            ) -> list[ActionSpec]:
    """Actions the actor could take on ``state`` now, given suitable inputs."""
    require_aware(now)
    stage = cycle.stage(state.stage_key)
    if stage is None:
        return []
    specs = []
    for name in _allowed_names(cycle, stage):
        move = move_for(stage.kind, name)
        if _static_refusal(cycle, stage, move, state, actor, now) is None:
            specs.append(ActionSpec(name, needs_reason(move, state), move.needs, move.accepts))
    return specs


def _json(value):
    return str(value) if isinstance(value, Decimal) else value


def apply(cycle: Cycle, state: ProposalState, actor: Actor, action: str, now: datetime, *,
          reason: str | None = None, stage: str | None = None, **inputs: Any) -> Transition:
    """The Transition for ``action``; raises Refused (with the Refusal) when not allowed."""
    refusal = check(cycle, state, actor, action, now, reason=reason, stage=stage, **inputs)
    if refusal:
        raise Refused(refusal)
    stage_def = cycle.stage(state.stage_key)
    move = move_for(stage_def.kind, action)
    changes: dict[str, Any] = dict(move.sets)
    changes.update({name: None for name in move.clears})
    for name, value in inputs.items():
        if value is None or name not in INPUT_FIELDS:
            continue
        if name == "points":
            value = score(cycle.criteria_for(stage_def.key), value)
        changes[INPUT_FIELDS[name]] = value
    if move.to_status is not None:
        changes["status"] = move.to_status
    data = {k: _json(v) for k, v in changes.items() if k != "status"}
    if "fields" in inputs:
        data["fields"] = sorted(inputs["fields"])
    if "points" in inputs:
        data["points"] = dict(inputs["points"])
    event = HistoryEvent(
        type=action, proposal_id=state.id, actor_id=actor.user_id, actor_role=actor.role,
        at=now, stage_key=state.stage_key, from_stage=state.stage_key, to_stage=state.stage_key,
        from_status=state.status, to_status=changes.get("status", state.status),
        reason=reason.strip() if has_reason(reason) else None, data=data)
    return Transition(state.id, changes, event)


# ---- entering a new proposal -------------------------------------------------------------

def _creation_refusal(cycle: Cycle, stage: StageDef, actor: Actor, unit_code: str | None,
                      total: int, already_sent: bool, now: datetime
                      ) -> tuple[Refusal | None, Hashable | None]:
    if not stage.creators:
        return Refusal("decision_not_allowed", {
            "action": "buat", "stage": stage.key,
            "allowed": _allowed_names(cycle, stage)}), None
    level = stage.level
    if actor.role not in stage.creators or (
            actor.role == OPERATOR and actor.unit_level != level.depth):
        return Refusal("wrong_role", {
            "action": "buat", "role": actor.role, "allowed": list(stage.creators),
            "level": level.depth,
            "actor_level": actor.unit_level}), None
    if unit_code is not None:
        try:
            unit_level(unit_code)
        except ValueError:
            return Refusal("invalid_input", {"field": "unit_code", "value": repr(unit_code),
                                             "expected": "a unit code such as 12.71.01.1001"}), None
    if unit_code is None and (level.is_unit or actor.role == DPRD):
        return Refusal("missing_field", {"action": "buat", "fields": ["unit_code"]}), None
    if level.is_unit and ancestor(unit_code, level.depth) is None:
        return Refusal("invalid_input", {"field": "unit_code", "value": repr(unit_code),
                                         "expected": f"a unit at level {level} or below"}), None
    holder = _creation_holder(stage, actor, unit_code)
    if actor.role == OPERATOR and not contains(actor.unit_code, unit_code):
        return Refusal("out_of_scope", {"action": "buat", "holder": str(unit_code),
                                        "scope": actor.describe()}), holder
    if actor.role == DPRD:
        kecamatan = ancestor(unit_code, 1) if unit_code else None
        if kecamatan is None or kecamatan not in actor.dapil:
            return Refusal("out_of_scope", {"action": "buat", "holder": str(unit_code),
                                            "scope": f"dapil of DPRD member {actor.user_id}"}
                           ), holder
    if type(total) is not int or total < 0:
        return Refusal("invalid_input", {"field": "total", "value": repr(total),
                                         "expected": "a whole number of at least 0"}), holder
    refusal = window_refusal(stage, cycle.extensions, cycle.timezone, holder, now, entry=True)
    if refusal:
        return refusal, holder
    if already_sent:
        return Refusal("already_sent", {"stage": stage.key, "holder": str(holder)}), holder
    return None, holder


def _creation_holder(stage: StageDef, actor: Actor, unit_code: str | None):
    if stage.level.is_unit:
        return ancestor(unit_code, stage.level.depth)
    if actor.role == OPERATOR_PD:
        return actor.agency_id
    if actor.role == DPRD:
        return actor.user_id
    return None


def check_create(cycle: Cycle, stage_key: str, actor: Actor, now: datetime, *,
                 unit_code: str | None, total: int = 0, already_sent: bool = False
                 ) -> Refusal | None:
    """None when ``actor`` may enter a new proposal located at ``unit_code`` now.

    ``already_sent``: the holder (unit, agency, DPRD member) already sent from this stage.
    """
    require_aware(now)
    stage = cycle.stage(stage_key)
    if stage is None:
        return Refusal("unknown_stage", {"stage": stage_key})
    return _creation_refusal(cycle, stage, actor, unit_code, total, already_sent, now)[0]


def create(cycle: Cycle, stage_key: str, actor: Actor, now: datetime, *,
           unit_code: str | None, total: int = 0, already_sent: bool = False) -> Creation:
    """The new ProposalState (id None) and its first history event; raises Refused."""
    refusal = check_create(cycle, stage_key, actor, now, unit_code=unit_code, total=total,
                           already_sent=already_sent)
    if refusal:
        raise Refused(refusal)
    stage = cycle.stage(stage_key)
    state = ProposalState(
        id=None, stage_key=stage_key, status=BELUM_DIBAHAS, unit_code=unit_code,
        agency_id=actor.agency_id if actor.role == OPERATOR_PD else None,
        owner_id=actor.user_id if actor.role == DPRD else None,
        source=SOURCES[stage.level.key], total=total)
    event = HistoryEvent(
        type="buat", proposal_id=None, actor_id=actor.user_id, actor_role=actor.role, at=now,
        stage_key=stage_key, from_stage=None, to_stage=stage_key, from_status=None,
        to_status=BELUM_DIBAHAS, data={"unit_code": unit_code, "total": total,
                                       "source": state.source})
    return Creation(state, event)


__all__ = ["ActionSpec", "allowed", "check", "apply", "check_create", "create"]
