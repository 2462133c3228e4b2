"""Deciding many proposals at once from the work list (issue 14, point 2).

A selection is either ids (ticked rows, each with the version the user saw) or the list's
filter itself ("all N matching this filter"): the server runs the filter again when the
user confirms and refuses when the proposals it matches changed since the preview. Every
action goes through :func:`.transitions.decide`, the one writer, in one transaction; items
the engine refuses are reported with the rule's message and change nothing, the others are
written. :func:`plan` is the dry run the confirmation page shows (the same engine checks,
nothing written); :func:`apply` does it.

The list's filter and sort live here too (:func:`filtered`, :func:`ordered`), so that the
list, the bulk actions and the detail page's "save and next" (:func:`next_in_filter`) read
the same proposals in the same order.

(``bulk.py`` is something else: the kecamatan ranking's all-or-nothing cut.)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from .. import workflow
from ..accounts.models import User
from ..extensions import db
from ..ids import parse_id
from ..siklus.models import Siklus
from ..tenancy.context import current_tenant_id
from ..workflow.moves import ACTIONS, move_for
from . import transitions
from .engine_adapter import STATE_COLUMNS, actor_for, cycle_for, now_utc, state_of
from .explain import SUMBER_NAMES, explain, stage_names
from .messages import STATUS_NAMES, action_name
from .models import Usulan
from .scope import scoped_usulan

#: Inputs one value of which may be applied to every selected proposal. Actions that need
#: any other input (scores, priority, a funded amount, edited fields) are decided one by one.
SHARED_INPUTS = ("agency_id", "sub_kegiatan", "target")
#: The one per-proposal input a bulk mapping may fill: the pagu, from each proposal's own
#: total where it has none yet (the form's "pagu_dari_total" box).
PAGU_FROM_TOTAL = "pagu_dari_total"
#: Actions shown as destructive (red button, confirmation naming counts and amounts).
DESTRUCTIVE = frozenset({"ditolak", "tidak_didanai"})
#: The list's sortable columns: ``?urut=<key>&arah=naik|turun``.
SORTS = {"kode": Usulan.kode_lacak, "kegiatan": Usulan.usulan_kegiatan,
         "lokasi": func.coalesce(Usulan.lokasi_kode, ""), "total": Usulan.total, "status": Usulan.status}
SORT_NAMES = {"kode": _l("Code"), "kegiatan": _l("Proposed activity"), "lokasi": _l("Location"),
              "total": _l("Total"), "status": _l("Status")}
BIDANG_NAMES = {"ekonomi": _l("Ekonomi"), "sosial_budaya": _l("Sosial budaya"),
                "fisik_prasarana": _l("Fisik prasarana")}
#: The list's filter parameters (kept in the query string, carried by every bulk form).
FILTER_ARGS = ("siklus", "tahapan", "tugas", "status", "sumber", "bidang", "pd", "kec", "kel", "ling",
               "wilayah", "q", "urut", "arah")
#: Most ticked rows one request takes (a page shows 25; "all matching" has no limit).
MAX_IDS = 5000
#: Refused and done items a result keeps for the result page (the counts are always whole).
SHOWN = 50


# ---- the list's filter and order ------------------------------------------------------------

def unit_code(args: Mapping) -> str:
    """The most precise unit the filter names: lingkungan, else kelurahan, else kecamatan (a
    kelurahan left over from another kecamatan, picked before, does not count)."""
    code = ""
    for name in ("kec", "kel", "ling"):
        value = (args.get(name) or "").strip()[:40]
        if value and (not code or value.startswith(code + ".")):
            code = value
    return code or (args.get("wilayah") or "").strip()[:40]


def filtered(siklus: Siklus, user: User, args: Mapping):
    """``select(Usulan)`` of what ``user`` may read in ``siklus``, narrowed by the list's filter."""
    query = scoped_usulan(user, siklus.id)
    if args.get("tahapan"):
        query = query.where(Usulan.tahapan == args["tahapan"])
    if args.get("status") in STATUS_NAMES:
        query = query.where(Usulan.status == args["status"])
    if args.get("sumber") in SUMBER_NAMES:
        query = query.where(Usulan.sumber == args["sumber"])
    if args.get("bidang") in BIDANG_NAMES:
        query = query.where(Usulan.bidang == args["bidang"])
    from .desk import task_filter  # the desk's links: ?tahapan=..&tugas=.. (issue 14)
    query = task_filter(query, siklus, args)
    agency = parse_id(args.get("pd"))
    if agency:
        query = query.where(Usulan.perangkat_daerah_id == agency)
    code = unit_code(args)
    if code:
        query = query.where(or_(Usulan.lokasi_kode == code,
                                Usulan.lokasi_kode.startswith(code + ".", autoescape=True)))
    text = (args.get("q") or "").strip()[:100]
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        query = query.where(or_(Usulan.usulan_kegiatan.ilike(like), Usulan.permasalahan.ilike(like),
                                Usulan.kode_lacak.ilike(like), Usulan.jalan.ilike(like)))
    return query


def sort_of(args: Mapping) -> tuple[str | None, bool]:
    """(column key or None for newest first, descending?)."""
    key = args.get("urut")
    if key not in SORTS:
        return None, True
    return key, args.get("arah") == "turun"


def ordered(query, args: Mapping):
    """The list's order: the chosen column, then the id (stable across pages)."""
    key, descending = sort_of(args)
    if key is None:
        return query.order_by(Usulan.id.desc())
    column = SORTS[key]
    if descending:
        return query.order_by(column.desc(), Usulan.id.desc())
    return query.order_by(column.asc(), Usulan.id.asc())


def next_in_filter(siklus: Siklus, args: Mapping, after_id: int, user: User | None = None) -> int | None:
    """The id of the proposal after ``after_id`` in the work list ``args`` describes (filter
    and sort of the query string), or None at its end. For the detail page's "save and next":
    ``after_id`` need not match the filter any more (a decided proposal leaves an "undecided"
    list); its place in the order is taken from its own values. ``user``: the current user."""
    if user is None:
        from flask_login import current_user
        user = current_user
    key, descending = sort_of(args)
    column = SORTS[key] if key else None
    columns = [Usulan.id] + ([column.label("k")] if column is not None else [])
    here = db.session.execute(select(*columns).where(
        Usulan.tenant_id == current_tenant_id(), Usulan.id == after_id)).first()
    if here is None:
        return None
    query = filtered(siklus, user, args)
    if column is None:
        query = query.where(Usulan.id < after_id)
    elif descending:
        query = query.where(or_(column < here.k, and_(column == here.k, Usulan.id < after_id)))
    else:
        query = query.where(or_(column > here.k, and_(column == here.k, Usulan.id > after_id)))
    query = ordered(query, args).with_only_columns(Usulan.id).limit(1)
    return db.session.scalar(query)


def filter_args(args: Mapping) -> dict[str, str]:
    """The list's filter as plain pairs (for hidden fields and links back)."""
    return {name: str(args.get(name)).strip()[:100] for name in FILTER_ARGS if args.get(name)}


# ---- what may be done to a selection ---------------------------------------------------------

@dataclass(frozen=True)
class BulkAction:
    """An action a selection may take: the engine's action and what its form asks for once."""

    name: str
    label: str
    needs_reason: bool
    inputs: tuple[str, ...]         # shared inputs it needs
    optional: tuple[str, ...]       # shared inputs it accepts
    destructive: bool


def _bulkable(spec: workflow.ActionSpec) -> bool:
    return spec.name != "ubah" and set(spec.inputs) <= set(SHARED_INPUTS)


def offered(cycle: workflow.Cycle, stage_key: str | None, states, actor: workflow.Actor, now) -> list[BulkAction]:
    """The actions the engine lets ``actor`` take now on any of ``states`` at ``stage_key``
    (the rows the list shows): ``workflow.allowed``, less what needs one value per proposal."""
    names: dict[str, BulkAction] = {}
    for state in states:
        if stage_key is not None and state.stage_key != stage_key:
            continue
        for spec in workflow.allowed(cycle, state, actor, now):
            if spec.name in names or not _bulkable(spec):
                continue
            optional = tuple(n for n in spec.optional if n in SHARED_INPUTS) + (
                (PAGU_FROM_TOTAL,) if "pagu" in spec.optional else ())
            names[spec.name] = BulkAction(spec.name, action_name(spec.name), spec.needs_reason, spec.inputs,
                                          optional, spec.name in DESTRUCTIVE)
    return sorted(names.values(), key=lambda a: ACTIONS.index(a.name))


def bulk_stage(cycle: workflow.Cycle, args: Mapping, states) -> str | None:
    """The stage the list's actions are for: the filter's, else the one most shown rows are at."""
    key = args.get("tahapan")
    if key and cycle.stage(key) is not None:
        return key
    counts: dict[str, int] = {}
    for state in states:
        counts[state.stage_key] = counts.get(state.stage_key, 0) + 1
    return max(counts, key=counts.get) if counts else None


def action_spec(cycle: workflow.Cycle, stage_key: str, action: str) -> BulkAction | None:
    """The bulk form of ``action`` at a stage (what it asks for), or None if it has none."""
    stage = cycle.stage(stage_key) if stage_key else None
    move = move_for(stage.kind, action) if stage else None
    if move is None or action == "ubah" or not set(move.needs) <= set(SHARED_INPUTS):
        return None
    return BulkAction(action, action_name(action), move.reason, move.needs,
                      tuple(n for n in move.accepts if n in SHARED_INPUTS)
                      + ((PAGU_FROM_TOTAL,) if "pagu" in move.accepts else ()), action in DESTRUCTIVE)


# ---- a selection -------------------------------------------------------------------------------

@dataclass
class Selection:
    """Ticked ids (id -> version seen) or, with ``all_matching``, the filter itself."""

    filter: dict[str, str]
    ids: dict[int, str] = field(default_factory=dict)
    all_matching: bool = False
    #: "all matching": how many the user saw, and the fingerprint the preview showed
    expected_count: int | None = None
    fingerprint: str | None = None


def selection_from(form, args: Mapping) -> Selection:
    """Read a selection from a posted form: ``pilih`` = "id:version" per ticked row, or
    ``semua=1`` with ``jumlah`` (and, at confirmation, ``sidik``)."""
    selection = Selection(filter=filter_args(args))
    if form.get("semua") == "1":
        selection.all_matching = True
        count = (form.get("jumlah") or "").strip()
        selection.expected_count = int(count) if count.isdecimal() and len(count) < 10 else None
        selection.fingerprint = (form.get("sidik") or "").strip()[:64] or None
        return selection
    for raw in form.getlist("pilih")[:MAX_IDS]:
        ident, _sep, version = str(raw).partition(":")
        usulan_id = parse_id(ident)
        if usulan_id and version.strip().isdecimal() and len(version.strip()) < 12:
            selection.ids.setdefault(usulan_id, version.strip())
    return selection


#: Columns of a selected proposal: the engine's view, its version, and what the pages show.
ROW_COLUMNS = STATE_COLUMNS + [Usulan.kode_lacak, Usulan.usulan_kegiatan]


def _rows(siklus: Siklus, user: User, selection: Selection) -> list:
    """The selected proposals ``user`` may read, in the list's order: the filter run again,
    or the ticked ids (one query per 2,000; ids outside the user's scope are not found)."""
    if selection.all_matching:
        query = ordered(filtered(siklus, user, selection.filter), selection.filter)
        return list(db.session.execute(query.with_only_columns(*ROW_COLUMNS)))
    ids, rows = sorted(selection.ids), []
    for start in range(0, len(ids), transitions.CHUNK):
        rows += db.session.execute(scoped_usulan(user, siklus.id).where(
            Usulan.id.in_(ids[start:start + transitions.CHUNK])).with_only_columns(*ROW_COLUMNS)).all()
    return rows


def fingerprint(rows) -> str:
    """Which proposals at which versions: a preview and its confirmation must see the same."""
    digest = hashlib.sha256()
    for row in sorted((r.id, r.version) for r in rows):
        digest.update(f"{row[0]}:{row[1]};".encode())
    return digest.hexdigest()[:32]


# ---- the dry run and the real thing -------------------------------------------------------------

@dataclass
class Refused:
    """The items one reason refused (the rule's message in the user's language)."""

    message: str
    rule: str
    items: list = field(default_factory=list)   # (id, kode_lacak, title) of the first SHOWN
    count: int = 0


@dataclass
class Plan:
    """What an action on a selection does or did."""

    action: str
    stage_key: str | None
    selected: int = 0
    done: list = field(default_factory=list)      # rows (or ids) that pass / were written
    done_count: int = 0
    amount: int = 0                                 # rupiah of the items done
    refused: list[Refused] = field(default_factory=list)
    refused_count: int = 0
    fingerprint: str | None = None
    #: the whole request refused (nothing selected, the list changed): why; nothing done
    error: str | None = None
    stale: bool = False


def _message_for(rule: str, refusal, cycle, stage_key, row) -> str:
    if rule == transitions.MISSING:
        return _("Not in your list: not found, or outside your unit.")
    if rule == transitions.STALE:
        return _("Changed by someone else since you opened the list; open it again.")
    if rule == "wrong_stage":
        names = stage_names(cycle)
        return _("It is at %(actual)s, not at %(expected)s.",
                 actual=names.get(refusal.params.get("actual"), refusal.params.get("actual")),
                 expected=names.get(stage_key, stage_key))
    return explain(refusal, cycle, row.tahapan if row is not None else stage_key)


class _Refusals:
    """Refusals grouped by their message (explain() is asked once per distinct refusal)."""

    def __init__(self, cycle, stage_key):
        self.cycle, self.stage_key = cycle, stage_key
        self.groups: dict[str, Refused] = {}
        self.known: dict[tuple, str] = {}
        self.count = 0

    def add(self, rule: str, refusal, row, usulan_id: int) -> None:
        key = (rule, tuple(sorted((k, repr(v)) for k, v in (refusal.params.items() if refusal else ()))),
               row.tahapan if row is not None else None)
        message = self.known.get(key)
        if message is None:
            message = self.known[key] = _message_for(rule, refusal, self.cycle, self.stage_key, row)
        group = self.groups.setdefault(message, Refused(message, rule))
        group.count += 1
        self.count += 1
        if len(group.items) < SHOWN:
            group.items.append((usulan_id, row.kode_lacak if row is not None else f"#{usulan_id}",
                                row.usulan_kegiatan if row is not None else ""))


def _inputs_for(action: BulkAction, inputs: Mapping) -> dict:
    return {name: inputs[name] for name in action.inputs + action.optional
            if name != PAGU_FROM_TOTAL and inputs.get(name) not in (None, "")}


def _item_inputs(action: BulkAction, shared: dict, inputs: Mapping, row) -> dict:
    """The shared inputs, plus the pagu from the proposal's total when asked and none is set."""
    if PAGU_FROM_TOTAL in action.optional and inputs.get(PAGU_FROM_TOTAL) and row.pagu is None:
        return {**shared, "pagu": row.total}
    return shared


def _checked(siklus, user, stage_key, action, selection, reason, inputs, engine: bool = True) -> tuple:
    """(plan, rows, steps): the selection read, each item checked by the engine (``engine``
    False: only found and unchanged; the writer's own run of the engine refuses the rest)."""
    cycle, actor, now = cycle_for(siklus), actor_for(user), now_utc()
    plan = Plan(action.name if action else "", stage_key)
    if action is None:
        plan.error = _("Choose an action.")
        return plan, [], []
    if not selection.all_matching and not selection.ids:
        plan.error = _("Nothing is selected: tick the proposals first, or choose all that match the filter.")
        return plan, [], []
    rows = _rows(siklus, user, selection)
    plan.fingerprint = fingerprint(rows)
    plan.selected = len(rows) if selection.all_matching else len(selection.ids)
    if selection.all_matching and not rows:
        plan.error = _("No proposal matches this filter; nothing was done.")
        return plan, [], []
    shared = _inputs_for(action, inputs)
    refusals, steps, by_id = _Refusals(cycle, stage_key), [], {}
    found = {row.id: row for row in rows}
    if not selection.all_matching:
        for usulan_id in sorted(set(selection.ids) - set(found)):
            refusals.add(transitions.MISSING, None, None, usulan_id)
    for row in rows:
        seen = selection.ids.get(row.id) if not selection.all_matching else str(row.version)
        if str(row.version) != str(seen):
            refusals.add(transitions.STALE, None, row, row.id)
            continue
        item_inputs = _item_inputs(action, shared, inputs, row)
        refusal = workflow.check(cycle, state_of(row), actor, action.name, now, reason=reason,
                                 stage=stage_key, **item_inputs) if engine else None
        if refusal is not None:
            refusals.add(refusal.rule, refusal, row, row.id)
            continue
        steps.append(transitions.Step(row.id, action.name, row.version, reason=reason, inputs=item_inputs))
        by_id[row.id] = row
        plan.amount += row.total or 0
    plan.done = [by_id[s.usulan_id] for s in steps]
    plan.done_count = len(steps)
    plan.refused, plan.refused_count = list(refusals.groups.values()), refusals.count
    return plan, rows, steps


def plan(siklus: Siklus, user: User, stage_key: str | None, action: BulkAction | None, selection: Selection,
         reason: str | None = None, inputs: Mapping | None = None) -> Plan:
    """The dry run: what :func:`apply` would do now, item by item. Nothing is written."""
    return _checked(siklus, user, stage_key, action, selection, reason, inputs or {})[0]


def apply(siklus: Siklus, user: User, stage_key: str | None, action: BulkAction | None, selection: Selection,
          reason: str | None = None, inputs: Mapping | None = None) -> Plan:
    """Do it: every item the engine allows is written through the one writer in one
    transaction; the rest is reported. "All matching" is refused whole when the proposals the
    filter matches are not those the preview showed (count or versions changed)."""
    result, rows, steps = _checked(siklus, user, stage_key, action, selection, reason, inputs or {}, engine=False)
    if result.error:
        return result
    if selection.all_matching and (
            (selection.expected_count is not None and selection.expected_count != len(rows))
            or (selection.fingerprint and selection.fingerprint != result.fingerprint)):
        result.error = _("The list changed since the preview (%(then)s proposals then, %(now)s now); nothing "
                         "was done. Check the preview again.", then=selection.expected_count, now=len(rows))
        result.done, result.done_count, result.amount = [], 0, 0
        return result
    if not steps:
        return result
    written = transitions.decide(siklus, user, stage_key, steps)
    if written.stale:
        result.stale = True
        result.error = _("Some of these proposals were changed by someone else at the same moment; nothing "
                         "was done. Open the list again and repeat.")
        result.done, result.done_count, result.amount = [], 0, 0
        return result
    changed = set(written.changed)
    if len(changed) != len(steps):  # what the engine refused as the writer applied it
        cycle = cycle_for(siklus)
        extra = _Refusals(cycle, stage_key)
        for item in written.refused:
            row = next((r for r in result.done if r.id == item.usulan_id), None)
            extra.add(item.rule, item.refusal, row, item.usulan_id)
        result.refused += list(extra.groups.values())
        result.refused_count += extra.count
        result.done = [r for r in result.done if r.id in changed]
        result.done_count = len(result.done)
        result.amount = sum(r.total or 0 for r in result.done)
    return result
