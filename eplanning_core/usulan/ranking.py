"""The kecamatan ranking: score, rank, cut by quota and ceiling (pagu), route, accept.

A kecamatan operator works on the proposals its kecamatan holds at the cycle's
Musrenbang Kecamatan; Bappeda picks a kecamatan. Every change goes through the engine, in
bulk (usulan.bulk): a submission is kept whole or not at all, with each refused row named.

The whole list is ranked and cut (the line depends on every row), and shown a page at a
time: the page's weight stays the same whatever the kecamatan holds. Accepting the top and
routing act on the whole list; their forms post one fingerprint of the list as seen
(bulk.fingerprint) instead of one version per row.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from .. import workflow
from ..accounts.models import Role
from ..exports.excel import Column, xlsx_response
from ..extensions import db
from ..ids import parse_id
from ..forms import Form
from ..kamus.models import KamusUsulan
from ..paging import page_of_list
from .engine_adapter import actor_for, cycle_for, now_utc, state_of
from ..siklus.current import all_cycles, current_cycle
from ..tenancy.context import tenant_config, tenant_select
from ..wilayah.labels import unit_label
from ..wilayah.models import KECAMATAN, Wilayah
from . import bulk
from . import operations as ops
from .messages import status_name
from .models import Usulan
from .scope import scoped_usulan
from .explain import explain

bp = Blueprint("ranking", __name__, url_prefix="/peringkat")
KIND = "musrenbang_kecamatan"
MAX_N = 100_000
#: Refused rows of other pages named above the table after a refused submission; the rest counted.
MAX_ELSEWHERE = 20


def _stage(cycle: workflow.Cycle) -> workflow.StageDef | None:
    return next((s for s in cycle.stages if s.kind == KIND), None)


def _kecamatan() -> Wilayah | None:
    """The kecamatan worked on: the operator's own; Bappeda's choice (None: not chosen yet)."""
    user = current_user
    if user.role == Role.OPERATOR.value and user.wilayah is not None and user.wilayah.tingkat == KECAMATAN:
        return user.wilayah
    if user.role != Role.BAPPEDA.value:
        abort(403)
    code = (request.args.get("kecamatan") or "").strip()[:40]
    if not code:
        return None
    unit = db.session.scalar(tenant_select(Wilayah).where(Wilayah.kode == code,
                                                          Wilayah.tingkat == KECAMATAN))
    if unit is None:
        abort(404)
    return unit


def _items(siklus, stage, unit: Wilayah) -> list[Usulan]:
    """Everything the kecamatan holds at the stage, with catalogue, agencies and location: one query."""
    cycle = cycle_for(siklus)
    query = (scoped_usulan(current_user, siklus.id)
             .where(Usulan.tahapan == stage.key, ops.holder_clause(cycle, stage.key, unit.kode))
             .options(joinedload(Usulan.kamus).joinedload(KamusUsulan.perangkat_daerah),
                      joinedload(Usulan.perangkat_daerah), joinedload(Usulan.lokasi_wilayah)))
    return list(db.session.scalars(query).unique())


def _args(unit: Wilayah | None, siklus) -> dict:
    """The page's own URL arguments: a form's answer comes back to the same page of the list."""
    args = {"siklus": siklus.id}
    if unit is not None and current_user.role == Role.BAPPEDA.value:
        args["kecamatan"] = unit.kode
    page = request.args.get("page", 1, type=int) or 1
    if page > 1:
        args["page"] = page
    return args


def _versions() -> dict[int, str]:
    """The versions the user saw, posted as v-<id>."""
    out = {}
    for name, value in request.form.items():
        if name.startswith("v-") and parse_id(name[2:]):
            out[int(name[2:])] = value
    return out


def _seen_versions(items: list[Usulan]) -> dict[int, object] | None:
    """The versions the user saw of the whole list: from the page's fingerprint (``seen``),
    None when the list changed since; without one, the v-<id> fields as posted."""
    seen = request.form.get("seen")
    if seen is None:
        return _versions()
    if seen != bulk.fingerprint(items):
        return None
    return {u.id: u.version for u in items}


def _changed_since() -> bulk.BulkOutcome:
    return bulk.BulkOutcome(False, 0, [bulk.RowProblem(0, "", ops.Outcome(False, stale=True))])


def _problems(outcome: bulk.BulkOutcome, cycle, stage_key) -> dict[int, list[str]]:
    rows: dict[int, list[str]] = {}
    for problem in outcome.problems:
        result = problem.outcome
        if result.stale:
            text = _("Changed by someone else since you opened this page; reload and check again.")
        elif result.refusal is not None:
            text = explain(result.refusal, cycle, stage_key)
        else:
            text = "; ".join(str(v) for v in result.errors.values())
        rows.setdefault(problem.usulan_id, []).append(text)
    return rows


# ---- the page ----------------------------------------------------------------------------

def _context(siklus):
    cycle = cycle_for(siklus)
    stage = _stage(cycle)
    unit = _kecamatan()
    return cycle, stage, unit


def _render(siklus, cycle, stage, unit, *, row_errors=None, posted=None, status=200):
    kecamatans = []
    if current_user.role == Role.BAPPEDA.value:
        kecamatans = db.session.scalars(tenant_select(Wilayah).where(Wilayah.tingkat == KECAMATAN)
                                        .order_by(Wilayah.kode)).all()
    data = {}
    if stage is not None and unit is not None:
        items = _items(siklus, stage, unit)
        plan = bulk.suggestion(cycle, stage.key, unit.kode, items)
        states = {u.id: state_of(u) for u in items}
        actor, now = actor_for(current_user), now_utc()
        allowed = {u.id: {a.name for a in workflow.allowed(cycle, states[u.id], actor, now)} for u in items}
        data = dict(plan=plan, usage=workflow.usage(cycle, stage.key, unit.kode, states.values()),
                    **_paged(plan, items, row_errors or {}),
                    criteria=cycle.criteria_for(stage.key), allowed=allowed,
                    can_score=any("skor" in a for a in allowed.values()),
                    can_decide=any("diterima" in a or "ditolak" in a for a in allowed.values()),
                    can_route=any("rute" in a and bulk.suggested_agency(u) not in (None, u.perangkat_daerah_id)
                                  for u in items for a in [allowed[u.id]]),
                    suggested={u.id: bulk.suggested_agency(u) for u in items})
    return render_template("ranking/index.html", siklus=siklus, cycles=all_cycles(), stage=stage,
                           unit=unit, kecamatans=kecamatans, args=_args(unit, siklus), form=Form(),
                           row_errors=row_errors or {}, posted=posted or {}, **data), status


def _paged(plan: bulk.Suggestion, items: list[Usulan], row_errors: dict) -> dict:
    """This page of the ranked list, where the line falls, and refused rows not on this page."""
    rows = page_of_list(plan.ranked)
    shown = {u.id for u in rows.items}
    cut = next((i for i, u in enumerate(plan.ranked) if u.id == plan.cut_before), None)
    elsewhere = [(u.kode_lacak, row_errors[u.id]) for u in plan.ranked
                 if u.id in row_errors and u.id not in shown]
    return dict(rows=rows, seen=bulk.fingerprint(items),
                cut_page=rows.page_holding(cut) if cut is not None else None,
                elsewhere=elsewhere[:MAX_ELSEWHERE], elsewhere_more=max(len(elsewhere) - MAX_ELSEWHERE, 0))


@bp.get("/")
@login_required
def index():
    siklus = current_cycle()
    if siklus is None:
        _kecamatan()  # the same 403 for those without a ranking, cycle or not
        return render_template("ranking/index.html", siklus=None, stage=None, unit=None), 200
    cycle, stage, unit = _context(siklus)
    if request.args.get("format") == "xlsx" and stage is not None and unit is not None:
        return _export(siklus, cycle, stage, unit)
    return _render(siklus, cycle, stage, unit)


def _posted_or_404():
    siklus = current_cycle()
    if siklus is None:
        abort(404)
    cycle, stage, unit = _context(siklus)
    if stage is None or unit is None:
        abort(404)
    if not Form().validate_on_submit():
        abort(400)
    return siklus, cycle, stage, unit


def _done(siklus, unit, message: str):
    flash(message, "success")
    return redirect(url_for("ranking.index", **_args(unit, siklus))), 303


def _refused(siklus, cycle, stage, unit, outcome: bulk.BulkOutcome, posted=None):
    flash(_("Nothing was saved: %(n)s rows need attention.", n=len(outcome.problems)), "danger")
    return _render(siklus, cycle, stage, unit, row_errors=_problems(outcome, cycle, stage.key),
                   posted=posted, status=422)


@bp.post("/skor")
@login_required
def score():
    """Points for every criterion of every listed item, in one submission and one transaction."""
    siklus, cycle, stage, unit = _posted_or_404()
    criteria = cycle.criteria_for(stage.key)
    versions = _versions()
    rows, errors, posted = [], {}, {}
    for usulan in _items(siklus, stage, unit):
        raw = {c.key: (request.form.get(f"p-{usulan.id}-{c.key}") or "").strip() for c in criteria}
        if not any(raw.values()):
            continue
        posted[usulan.id] = raw
        bad = next((c for c in criteria if not raw[c.key].isdecimal()), None)
        if bad is not None:
            errors[usulan.id] = [_("Give every criterion a whole number from 0 to %(max)s.", max=bad.max)]
            continue
        points = {key: int(value) for key, value in raw.items()}
        if points != dict(usulan.skor_rincian or {}):
            rows.append((usulan, versions.get(usulan.id), points))
    if errors:
        flash(_("Nothing was saved: %(n)s rows need attention.", n=len(errors)), "danger")
        return _render(siklus, cycle, stage, unit, row_errors=errors, posted=posted, status=422)
    outcome = bulk.score_many(current_user, stage.key, rows)
    if not outcome.ok:
        return _refused(siklus, cycle, stage, unit, outcome, posted)
    return _done(siklus, unit, _("Scores saved for %(n)s proposals.", n=outcome.done))


@bp.post("/terima")
@login_required
def accept():
    """Accept the best-ranked items that fit the quota and ceiling; reject the rest with one reason."""
    siklus, cycle, stage, unit = _posted_or_404()
    raw_n = (request.form.get("n") or "").strip()
    limit = None
    if raw_n:
        if not raw_n.isdecimal() or not 1 <= int(raw_n) <= MAX_N:
            flash(_("A whole number from 1."), "danger")
            return _render(siklus, cycle, stage, unit, status=422)
        limit = int(raw_n)
    items = _items(siklus, stage, unit)
    versions = _seen_versions(items)
    if versions is None:
        return _refused(siklus, cycle, stage, unit, _changed_since())
    outcome = bulk.accept_top(current_user, cycle, stage.key, unit.kode, items, versions,
                              request.form.get("alasan"), limit)
    if not outcome.ok:
        return _refused(siklus, cycle, stage, unit, outcome)
    return _done(siklus, unit, _("Decisions saved for %(n)s proposals.", n=outcome.done))


@bp.post("/rute")
@login_required
def route():
    """Route every item with a catalogue item to the agency the catalogue suggests."""
    siklus, cycle, stage, unit = _posted_or_404()
    items = _items(siklus, stage, unit)
    versions = _seen_versions(items)
    if versions is None:
        return _refused(siklus, cycle, stage, unit, _changed_since())
    outcome = bulk.route_suggested(current_user, stage.key, items, versions)
    if not outcome.ok:
        return _refused(siklus, cycle, stage, unit, outcome)
    return _done(siklus, unit, _("%(n)s proposals routed to the suggested agency.", n=outcome.done))


# ---- Excel -------------------------------------------------------------------------------

def _export(siklus, cycle, stage, unit):
    items = _items(siklus, stage, unit)
    plan = bulk.suggestion(cycle, stage.key, unit.kode, items)
    criteria = cycle.criteria_for(stage.key)
    yes, no = _("yes"), _("no")

    def rows():
        for position, u in enumerate(plan.ranked, 1):
            suggested = u.kamus.perangkat_daerah if u.kamus else None
            fits = yes if u.id in plan.taken else no if u.id in plan.left else ""
            yield ((position, u.kode_lacak, u.usulan_kegiatan, u.lokasi_kode or "",
                    unit_label(u.lokasi_wilayah, compact=True) if u.lokasi_wilayah else "")
                   + tuple((u.skor_rincian or {}).get(c.key) for c in criteria)
                   + (u.skor, u.total, suggested.nama if suggested else "",
                      u.perangkat_daerah.nama if u.perangkat_daerah else "", status_name(u.status), fits))

    columns = ([Column(_("Rank"), "int", 6), Column(_("Tracking code"), width=18),
                Column(_("Proposed activity"), width=40), Column(_("Unit code"), width=18),
                Column(_("Location"), width=20)]
               + [Column(c.name, "int", 12) for c in criteria]
               + [Column(_("Score"), "decimal"), Column(_("Total"), "rupiah"),
                  Column(_("Suggested agency"), width=28), Column(_("Routed to"), width=28),
                  Column(_("Status"), width=18), Column(_("Within quota and ceiling"), width=12)])
    name = f"peringkat-{tenant_config().slug}-{siklus.tahun}-{unit.kode}"
    return xlsx_response(name, _("Ranking"), columns, rows(), tz=tenant_config().timezone)
