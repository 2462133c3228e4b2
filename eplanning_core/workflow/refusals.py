"""Refusals: why the engine says no, as data the UI can translate by rule code.

A :class:`Refusal` carries a stable ``rule`` code and plain ``params`` (strings, ints, lists)
so the interface can render its own translated text; ``message`` is the English default.
:class:`Refused` is the exception ``apply``/``send``/``create`` raise, carrying the refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping


def rupiah(amount: int) -> str:
    """'Rp 150.000.000': the way amounts are written in Indonesia."""
    return "Rp " + f"{amount:,}".replace(",", ".")


def _listing(values) -> str:
    return ", ".join(str(v) for v in values) if values else "nobody"


def _ids(p: Mapping[str, Any]) -> str:
    ids = p.get("ids") or []
    more = p.get("count", len(ids)) - len(ids)
    text = ", ".join(str(i) for i in ids)
    return f" (proposals {text}{f' and {more} more' if more > 0 else ''})" if ids else ""


#: English default message of every rule, built from its params.
MESSAGES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "unknown_stage": lambda p: f"Stage '{p['stage']}' is not part of this planning cycle.",
    "wrong_stage": lambda p: (
        f"This proposal is at stage '{p['actual']}', not '{p['expected']}'; "
        "reload the page to see where it is now."),
    "stage_skip": lambda p: (
        f"Proposals at '{p['from']}' go on to '{p['next']}', not to '{p['to']}'; "
        "no stage may be skipped."),
    "decision_not_allowed": lambda p: (
        f"'{p['action']}' is not possible at stage '{p['stage']}'. "
        f"Possible here: {_listing(p.get('allowed'))}."),
    "stage_closed": lambda p: (
        f"Stage '{p['stage']}' accepts no more changes: {p.get('why', 'it is closed')}."),
    "wrong_role": lambda p: (
        f"Your role ({p['role']}{_level(p.get('actor_level'))}) may not do '{p['action']}' here; "
        f"this is for: {_listing(p.get('allowed'))}{_level(p.get('level'), ' at level ')}."),
    "out_of_scope": lambda p: (
        f"This proposal is held by {p['holder']}, which is outside your scope ({p['scope']})."),
    "outside_window": lambda p: (
        f"Stage '{p['stage']}' is open from {p['opens']} until {p['closes']} ({p['timezone']}); "
        f"it is now {p['now']}."),
    "entry_closed": lambda p: (
        f"New proposals for stage '{p['stage']}' could be entered until {p['closes']} "
        f"({p['timezone']}); it is now {p['now']}."),
    "already_sent": lambda p: (
        f"{p['holder']} already sent its proposals from stage '{p['stage']}'; "
        "what stayed behind is final."),
    "sent_reopen": lambda p: (
        f"{p['holder']} already sent its proposals from stage '{p['stage']}'; from now on only "
        "Bappeda may reopen a decision there, while the stage is open."),
    "plan_set": lambda p: (
        f"The RKPD is set: the decisions of this cycle are locked, '{p['action']}' is not "
        "possible any more."),
    "already_done": lambda p: f"'{p['action']}' was already done for this proposal.",
    "wrong_status": lambda p: (
        f"'{p['action']}' needs the proposal to be {_listing(p.get('expected'))}; "
        f"it is {p['status']}."),
    "reason_required": lambda p: (
        f"'{p['action']}' needs a reason of at least {p['min_length']} characters."),
    "locked": lambda p: (
        f"This proposal is locked because it was {p['why']}; changing "
        f"{_listing(p.get('fields'))} needs a reason (for example the minutes of the change)."),
    "missing_field": lambda p: (
        f"'{p['action']}' needs {_listing(p.get('fields'))}{_ids(p)}."),
    "invalid_input": lambda p: f"{p['field']} must be {p['expected']} (got {p['value']!s:.60}).",
    "undecided": lambda p: (
        f"{p['count']} proposal(s) of {p['holder']} at stage '{p['stage']}' have no decision "
        f"yet{_ids(p)}; decide on every proposal before sending."),
    "not_surveyed": lambda p: (
        f"{p['count']} proposal(s) of {p['holder']} have no finished site survey{_ids(p)}; "
        "finish the survey before sending."),
    "quota_exceeded": lambda p: (
        f"{p['holder']} may send at most {p['quota']} proposal(s) from stage '{p['stage']}'; "
        f"this batch has {p['count']}."),
    "ceiling_exceeded": lambda p: (
        f"The ceiling (pagu) of {p['holder']} at stage '{p['stage']}' is {rupiah(p['ceiling'])}; "
        f"this batch totals {rupiah(p['total'])}, {rupiah(p['excess'])} over."),
    "meeting_incomplete": lambda p: (
        f"{p['holder']} sends from stage '{p['stage']}' only with its meeting on record; "
        f"still missing: {_listing(p.get('missing'))}."),
    "invalid_extension": lambda p: (
        f"The new closing time {p['closes']} must be later than the current one "
        f"({p['current']}) for stage '{p['stage']}'."),
}


def _level(level, prefix=" at level ") -> str:
    return f"{prefix}{level}" if level is not None else ""


@dataclass(frozen=True, eq=True)
class Refusal:
    """Why an action is not allowed: a stable ``rule`` code plus the numbers behind it."""

    rule: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.rule not in MESSAGES:
            raise ValueError(f"unknown refusal rule {self.rule!r}")

    __hash__ = None  # params is a dict: refusals are compared, never hashed

    @property
    def message(self) -> str:
        """English default text; the UI translates by ``rule`` and ``params`` instead."""
        return MESSAGES[self.rule](self.params)

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


class Refused(Exception):
    """Raised by the state-changing calls when a guard refuses; ``refusal`` says why."""

    def __init__(self, refusal: Refusal):
        self.refusal = refusal
        super().__init__(str(refusal))


RULES = tuple(MESSAGES)
