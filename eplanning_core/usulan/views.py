"""The proposal screens every role works in: the work list, one proposal, entering and
editing, the actions the engine allows, and sending a batch up.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import joinedload, load_only

from .. import workflow
from ..accounts.models import PerangkatDaerah, Role
from ..audit.models import AuditEntry
from ..conflicts import flash_conflict
from ..extensions import db
from ..ids import parse_id
from ..kamus.models import KamusUsulan
from ..money import parse_rupiah
from ..paging import page_of
from .engine_adapter import STATE_COLUMNS, actor_for, cycle_for, now_utc, state_of
from ..siklus.current import all_cycles, current_cycle
from ..siklus.models import Siklus
from ..tenancy.context import tenant_config, tenant_select
from ..wilayah.models import Wilayah
from . import bulk_actions
from . import operations as ops
from .export import export_list
from .inputs import check_references
from .forms import ActionForm, SendForm, UsulanForm
from .explain import SUMBER_NAMES, explain, holder_name, stage_names  # noqa: F401  (names of the screens)
from .messages import STATUS_NAMES, action_name, status_name
from .models import Keputusan, Lampiran, Usulan
from .scope import get_usulan, scoped_usulan

bp = Blueprint("usulan", __name__, url_prefix="/usulan")
def _cycle_or_404() -> Siklus:
    siklus = current_cycle()
    if siklus is None:
        abort(404)
    return siklus


# ---- the work list ------------------------------------------------------------------------

def _filtered(siklus: Siklus, args=None):
    """The work list's proposals for this user, narrowed by the query string's filter."""
    return bulk_actions.filtered(siklus, current_user, request.args if args is None else args)


#: What a row of the work list shows, and nothing more: a proposal has 40 columns (texts,
#: proposer, coordinates) that the list never prints; the engine's columns are read so that
#: the bulk actions offered are those ``workflow.allowed`` gives for the rows shown.
LIST_COLUMNS = (
    load_only(*STATE_COLUMNS, Usulan.kode_lacak, Usulan.usulan_kegiatan, Usulan.lokasi_wilayah_id),
    # the level and the parent for the label "Lingkungan I, Pasar Baru" (wilayah/labels.py)
    joinedload(Usulan.lokasi_wilayah).load_only(Wilayah.nama, Wilayah.tingkat, Wilayah.parent_id),
    joinedload(Usulan.perangkat_daerah).load_only(PerangkatDaerah.nama, PerangkatDaerah.singkatan),
)


def _unit_choices(args) -> dict[str, list]:
    """The filter's unit pickers by name: every kecamatan the user may read, the kelurahan of the
    chosen kecamatan, the lingkungan of the chosen kelurahan (one query)."""
    own = current_user.wilayah if current_user.role == Role.OPERATOR.value else None
    parts = own.kode.split(".") if own is not None else []
    kec = (args.get("kec") or "").strip()[:40] or (".".join(parts[:3]) if own is not None else "")
    kel = (args.get("kel") or "").strip()[:40] or (".".join(parts[:4]) if own is not None and own.tingkat > 1 else "")
    if kel and not kel.startswith(kec + "."):
        kel = ""
    wanted = [Wilayah.tingkat == 1]
    if kec:
        wanted.append(and_(Wilayah.tingkat == 2, Wilayah.kode.startswith(kec + ".", autoescape=True)))
    if kel:
        wanted.append(and_(Wilayah.tingkat == 3, Wilayah.kode.startswith(kel + ".", autoescape=True)))
    query = tenant_select(Wilayah).options(load_only(Wilayah.kode, Wilayah.nama, Wilayah.tingkat)).where(
        or_(*wanted))
    if own is not None:  # an operator picks within its own unit (and sees its ancestors' names)
        query = query.where(or_(Wilayah.kode == own.kode, Wilayah.kode.startswith(own.kode + ".", autoescape=True),
                                literal(own.kode).startswith(Wilayah.kode + ".")))
    config = tenant_config()
    out: dict[str, list] = {"kec": [], "kel": [], "ling": []}
    for unit in db.session.scalars(query.order_by(Wilayah.nama)):
        out[("kec", "kel", "ling")[unit.tingkat - 1]].append((unit.kode, config.unit_label(unit.tingkat, unit.nama)))
    out["picked"] = {"kec": kec, "kel": kel, "ling": (args.get("ling") or "").strip()[:40]}
    return out


def _bulk_result():
    """The result of the bulk action just done (kept in the session for the list it returns to)."""
    kept = session.get("bulk_result")
    if not kept or request.args.get("hasil") != kept.get("token"):
        return None
    ids = [i for i in kept.get("done", [])] + [i for g in kept.get("refused", []) for i in g[3]]
    rows = {r.id: r for r in db.session.execute(scoped_usulan(current_user).where(Usulan.id.in_(ids or [0]))
                                                 .with_only_columns(Usulan.id, Usulan.kode_lacak,
                                                                    Usulan.usulan_kegiatan))}
    return {**kept, "rows": rows}


@bp.get("/")
@login_required
def index():
    siklus = current_cycle()
    if siklus is None:
        return render_template("usulan/no_cycle.html")
    cycle = cycle_for(siklus)
    query = _filtered(siklus)
    if request.args.get("format") in ("xlsx", "pdf"):
        return export_list(siklus, cycle, query, request.args["format"])
    pagination = page_of(bulk_actions.ordered(query.options(*LIST_COLUMNS), request.args))
    agencies = db.session.scalars(tenant_select(PerangkatDaerah).order_by(PerangkatDaerah.nama)).all()
    states = [state_of(u) for u in pagination.items]
    stage_key = bulk_actions.bulk_stage(cycle, request.args, states)
    actions = bulk_actions.offered(cycle, stage_key, states, actor_for(current_user), now_utc())
    return render_template("usulan/index.html", siklus=siklus, cycles=all_cycles(), cycle=cycle,
                           pagination=pagination, stages=stage_names(cycle), statuses=STATUS_NAMES,
                           sources=SUMBER_NAMES, agencies=agencies, can_create=bool(_creatable(cycle)),
                           can_send=bool(_sendable(siklus, cycle)), units=_unit_choices(request.args),
                           bidang=bulk_actions.BIDANG_NAMES, sorts=bulk_actions.SORT_NAMES,
                           sort=bulk_actions.sort_of(request.args), actions=actions, bulk_stage=stage_key,
                           filter=bulk_actions.filter_args(request.args), result=_bulk_result(),
                           bulk_form=ActionForm())


# ---- many at once ---------------------------------------------------------------------------

def _bulk_request(siklus: Siklus):
    """(stage, action, selection, reason, inputs, errors) of a posted bulk form."""
    cycle = cycle_for(siklus)
    form = request.form
    stage_key = form.get("tahapan") if cycle.stage(form.get("tahapan") or "") else None
    action = bulk_actions.action_spec(cycle, stage_key, form.get("aksi") or "")
    selection = bulk_actions.selection_from(form, request.args)
    reason = (form.get("alasan") or "").strip()[:2000] or None
    inputs, errors = {}, {}
    if action is not None:
        for name in action.inputs + action.optional:
            raw = (form.get(name) or "").strip()
            if not raw:
                continue
            if name == bulk_actions.PAGU_FROM_TOTAL:
                inputs[name] = raw == "1"
            elif name == "agency_id":
                inputs[name] = parse_id(raw)
            elif name == "target" and len(raw) > 120:
                errors[name] = _("Write at most %(n)s characters.", n=120)
            else:
                inputs[name] = raw[:120]
        from_total = inputs.pop(bulk_actions.PAGU_FROM_TOTAL, False)
        checked, problems = check_references(siklus.tenant_id, inputs)
        errors.update(problems)
        inputs = dict(checked, **({bulk_actions.PAGU_FROM_TOTAL: True} if from_total else {}))
    return stage_key, action, selection, reason, inputs, errors


#: Proposals a bulk result names on the list it returns to (done, and refused).
RESULT_KEPT = 30


@bp.post("/massal")
@login_required
def bulk_preview():
    """What a bulk action would do, item by item (the engine's dry run), before it is done."""
    siklus = _cycle_or_404()
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    stage_key, action, selection, reason, inputs, errors = _bulk_request(siklus)
    plan = bulk_actions.plan(siklus, current_user, stage_key, action, selection, reason, inputs)
    if errors and not plan.error:
        plan.error = " ".join(errors.values())
    cycle = cycle_for(siklus)
    agency = db.session.scalar(tenant_select(PerangkatDaerah).where(
        PerangkatDaerah.id == inputs["agency_id"])) if inputs.get("agency_id") and not errors else None
    return render_template("usulan/bulk_preview.html", siklus=siklus, plan=plan, action=action,
                           stage_name=stage_names(cycle).get(stage_key or "", ""), selection=selection,
                           reason=reason, inputs=inputs, agency=agency, form=form,
                           filter=selection.filter), 422 if plan.error else 200


@bp.post("/massal/jalankan")
@login_required
def bulk_apply():
    """Do the bulk action the preview showed, in one transaction; back to the same list."""
    siklus = _cycle_or_404()
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    stage_key, action, selection, reason, inputs, errors = _bulk_request(siklus)
    back = dict(selection.filter)
    if errors:
        for message in errors.values():
            flash(message, "danger")
        return redirect(url_for("usulan.index", **back)), 303
    done = bulk_actions.apply(siklus, current_user, stage_key, action, selection, reason, inputs)
    if done.error:
        flash(done.error, "danger")
        return redirect(url_for("usulan.index", **back)), 303
    # Kept in the (signed cookie) session for the list it returns to: the counts are whole,
    # the items named are the first RESULT_KEPT of each kind, so the cookie stays small.
    token = secrets.token_hex(4)
    budget = RESULT_KEPT
    refused = []
    for group in done.refused[:5]:
        ids = [item[0] for item in group.items[:budget]]
        budget -= len(ids)
        refused.append([group.message[:200], group.rule, group.count, ids])
    session["bulk_result"] = {"token": token, "action": action_name(action.name) if action else "",
                              "done_count": done.done_count, "amount": done.amount,
                              "done": [r.id for r in done.done[:RESULT_KEPT]],
                              "refused_count": done.refused_count, "refused": refused}
    return redirect(url_for("usulan.index", **back, hasil=token) + "#hasil"), 303


# ---- one proposal ---------------------------------------------------------------------------

def _get(usulan_id: int) -> Usulan:
    usulan = get_usulan(current_user, usulan_id)
    if usulan is None:
        abort(404)
    return usulan


def _sees_personal_data(usulan: Usulan) -> bool:
    """Proposer's phone and NIK: Bappeda and the operators of the units it lies in only."""
    if current_user.role == Role.BAPPEDA.value:
        return True
    return current_user.role == Role.OPERATOR.value and bool(usulan.lokasi_kode) and (
        usulan.lokasi_kode == current_user.wilayah.kode
        or usulan.lokasi_kode.startswith(current_user.wilayah.kode + "."))


@bp.get("/<int:usulan_id>")
@login_required
def detail(usulan_id: int):
    usulan = _get(usulan_id)
    siklus = db.session.get(Siklus, usulan.siklus_id)
    cycle = cycle_for(siklus)
    state, actor, now = state_of(usulan), actor_for(current_user), now_utc()
    actions = workflow.allowed(cycle, state, actor, now)
    decisions = db.session.scalars(select(Keputusan).where(Keputusan.usulan_id == usulan.id)
                                   .order_by(Keputusan.id)).all()
    history = db.session.scalars(tenant_select(AuditEntry).where(
        AuditEntry.object_type == "usulan", AuditEntry.object_id == usulan.id).order_by(AuditEntry.id)).all()
    files = db.session.scalars(select(Lampiran).where(Lampiran.usulan_id == usulan.id)
                               .order_by(Lampiran.id)).all()
    # The agencies only when a form offers them (routing, handing over): most visits do not.
    agencies = db.session.scalars(tenant_select(PerangkatDaerah).where(
        PerangkatDaerah.aktif.is_(True)).order_by(PerangkatDaerah.nama)).all() if any(
        "agency_id" in a.inputs + a.optional for a in actions) else []
    reopen = next((a for a in actions if a.name == REOPEN), None)
    return render_template(
        "usulan/detail.html", usulan=usulan, siklus=siklus, cycle=cycle, stages=stage_names(cycle),
        actions=decision_cards(actions), can_edit=any(a.name == "ubah" for a in actions),
        reopen=reopen, reopen_refusal=None if reopen else _reopen_refusal(cycle, state, actor, now),
        filter=bulk_actions.filter_args(request.args),
        can_attach=any(a.name in ("ubah", "survei_selesai") for a in actions),
        criteria=cycle.criteria_for(usulan.tahapan), decisions=decisions, history=history, files=files,
        agencies=agencies, form=ActionForm(), personal=_sees_personal_data(usulan),
        action_name=action_name, status_name=status_name, sources=SUMBER_NAMES)


REOPEN = "buka_kembali"
#: The usual action of a stage first: what most proposals get (issue 14, point 3). A rejection
#: is always the last card, and a reopen is not a card but "correct a mistake" below them.
USUAL_FIRST = ("periksa", "diterima", "diterima_dengan_perubahan", "dana_desa", "survei_selesai",
               "skor", "rute", "prioritas", "alihkan", "didanai", "tidak_didanai")


def decision_cards(actions: list) -> list:
    """The action cards of the detail page in the order a person should meet them."""
    cards = [a for a in actions if a.name not in ("ubah", REOPEN)]
    rank = {name: i for i, name in enumerate(USUAL_FIRST)}
    return sorted(cards, key=lambda a: (a.name == "ditolak", rank.get(a.name, len(rank))))


def _reopen_refusal(cycle, state, actor, now) -> str | None:
    """Why a decided proposal cannot be reopened by this user, when that is worth saying
    (sent, window closed, RKPD set); None for someone who never could."""
    if state.status == "belum_dibahas":
        return None
    refusal = workflow.check(cycle, state, actor, REOPEN, now, reason="...")
    if refusal is None or refusal.rule not in ("sent_reopen", "plan_set", "outside_window"):
        return None
    return explain(refusal, cycle, state.stage_key)


def _action_inputs(action: workflow.ActionSpec, cycle, usulan) -> tuple[dict, dict]:
    """The inputs an action needs, read and checked from the form: (inputs, errors)."""
    form, inputs, errors = request.form, {}, {}
    for name in action.inputs + action.optional:
        raw = (form.get(name) or "").strip()
        if name == "points":
            points = {}
            for criterion in cycle.criteria_for(usulan.tahapan):
                value = form.get(f"points-{criterion.key}", "").strip()
                if not value.isdecimal() or not 0 <= int(value) <= criterion.max:
                    errors["points"] = _("Give every criterion a whole number from 0 to %(max)s.",
                                         max=criterion.max)
                    break
                points[criterion.key] = int(value)
            inputs["points"] = points
            continue
        if not raw:
            continue
        if name in ("pagu", "amount", "total"):
            try:
                inputs[name] = parse_rupiah(raw)
            except ValueError:
                errors[name] = _("Whole rupiah, for example 1.250.000.")
        elif name in ("priority",):
            if raw.isdecimal() and 1 <= int(raw) <= 100000:
                inputs[name] = int(raw)
            else:
                errors[name] = _("A whole number from 1.")
        elif name == "agency_id":  # which agency: checked by the operation (usulan.inputs)
            inputs[name] = parse_id(raw)
        elif name == "sub_kegiatan":  # normalised and checked by the operation
            inputs[name] = raw
        elif name == "target":
            if len(raw) > 120:
                errors[name] = _("Write at most %(n)s characters.", n=120)
            else:
                inputs[name] = raw
    return inputs, errors


@bp.post("/<int:usulan_id>/aksi")
@login_required
def act(usulan_id: int):
    usulan = _get(usulan_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    siklus = db.session.get(Siklus, usulan.siklus_id)
    cycle = cycle_for(siklus)
    keep = bulk_actions.filter_args(request.args)  # the work list's filter, for "save and next"
    back = redirect(url_for("usulan.detail", usulan_id=usulan.id, **keep)), 303
    specs = {a.name: a for a in workflow.allowed(cycle, state_of(usulan), actor_for(current_user), now_utc())}
    spec = specs.get(form.aksi.data)
    if spec is None or spec.name == "ubah":
        refusal = workflow.check(cycle, state_of(usulan), actor_for(current_user), form.aksi.data or "?",
                                 now_utc(), stage=form.tahapan.data)
        flash(explain(refusal, cycle, usulan.tahapan) if refusal else _("This action is not possible now."), "danger")
        return back
    if spec.needs_reason and not workflow.guards.has_reason(form.alasan.data):
        # a rejection, a change or a reopen always says why: asked again, nothing changed
        flash(_("%(action)s needs a reason of at least %(n)s characters.",
                action=action_name(spec.name).capitalize(), n=workflow.guards.MIN_REASON), "danger")
        return back
    inputs, errors = _action_inputs(spec, cycle, usulan)
    if errors:
        for message in errors.values():
            flash(message, "danger")
        return back
    outcome = ops.act(usulan, current_user, spec.name, expected_version=form.version.data,
                      stage_key=form.tahapan.data, reason=form.alasan.data, inputs=inputs)
    if outcome.ok:
        if spec.name == REOPEN:
            flash(_("%(code)s is open again at %(stage)s: the correction and its reason are in its history.",
                    code=usulan.kode_lacak, stage=stage_names(cycle).get(usulan.tahapan, usulan.tahapan)),
                  "success")
        else:
            flash(_("%(action)s: saved for %(code)s.", action=action_name(spec.name).capitalize(),
                    code=usulan.kode_lacak), "success")
        if request.form.get("lanjut"):
            following = bulk_actions.next_in_filter(siklus, request.args, usulan.id)
            if following is None:
                flash(_("That was the last proposal of your list."), "info")
                return redirect(url_for("usulan.index", **keep)), 303
            return redirect(url_for("usulan.detail", usulan_id=following, **keep)), 303
    elif outcome.stale:
        flash(_("Someone else changed this proposal while you were looking at it. Nothing was saved; "
                "check the current state below and decide again."), "danger")
        flash_conflict(outcome.usulan or usulan, form.version.data)
    elif outcome.refusal:
        flash(explain(outcome.refusal, cycle, usulan.tahapan), "danger")
    else:
        for message in outcome.errors.values():
            flash(message, "danger")
    return back


# ---- entering and editing -----------------------------------------------------------------

def _creatable(cycle: workflow.Cycle) -> list:
    """Stages where this user may enter proposals now (window and role)."""
    actor, now = actor_for(current_user), now_utc()
    out = []
    for stage in cycle.stages:
        if actor.role not in stage.creators:
            continue
        unit = current_user.wilayah.kode if current_user.wilayah else None
        if actor.role == "dprd":
            unit = actor.dapil[0] if actor.dapil else None
        refusal = workflow.check_create(cycle, stage.key, actor, now, unit_code=unit)
        if refusal is None or refusal.rule in ("missing_field", "invalid_input", "already_sent"):
            out.append(stage)
    return out


def _location_choices():
    """Units a user may place a proposal in (their own unit and below; DPRD: the dapil)."""
    query = tenant_select(Wilayah)
    user = current_user
    if user.role == Role.OPERATOR.value:
        query = query.where(user.wilayah.subtree_clause())
    elif user.role == Role.DPRD.value:
        from ..accounts.scope import wilayah_clause

        query = query.where(wilayah_clause(user), Wilayah.tingkat <= 2)
    else:
        query = query.where(Wilayah.tingkat <= 2)
    from ..wilayah.labels import compose, parent_alias

    parent = parent_alias()  # "Lingkungan I, Pasar Baru": the parent's name in the same query
    units = db.session.execute(query.with_only_columns(Wilayah.id, Wilayah.nama, Wilayah.tingkat, parent.nama)
                               .outerjoin(parent, parent.id == Wilayah.parent_id)
                               .order_by(Wilayah.kode).limit(3000)).all()
    config = tenant_config()
    return [(str(i), compose(nama, tingkat, pnama, config=config)) for i, nama, tingkat, pnama in units]


def _fill_form_choices(form: UsulanForm, cycle, stages):
    form.tahapan.choices = [(s.key, s.name) for s in stages]
    items = db.session.scalars(tenant_select(KamusUsulan).where(KamusUsulan.aktif.is_(True))
                               .order_by(KamusUsulan.nama).limit(2000)).all()
    form.kamus_id.choices = [("", "—")] + [(str(k.id), f"{k.nama} ({k.satuan})") for k in items]
    form.lokasi_wilayah_id.choices = _location_choices()


def _content_from(form: UsulanForm) -> dict:
    values = {name: getattr(form, name).data for name in (
        "bidang", "permasalahan", "usulan_kegiatan", "kamus_id", "volume", "satuan", "harga_satuan",
        "lokasi_wilayah_id", "jalan", "lokasi_detail", "lat", "lng", "pengusul_nama",
        "pengusul_telepon", "pengusul_nik")}
    if values["kamus_id"] and (not values["satuan"] or not values["harga_satuan"]):
        item = db.session.scalar(tenant_select(KamusUsulan).where(
            KamusUsulan.id == (parse_id(values["kamus_id"]) or 0)))
        if item is not None:
            values["satuan"] = values["satuan"] or item.satuan
            values["harga_satuan"] = values["harga_satuan"] or str(item.harga_satuan)
    return values


def _show_errors(form: UsulanForm, errors: dict) -> None:
    for name, message in errors.items():
        field = getattr(form, "lat" if name == "lng" else name, None) or form.alasan
        field.errors = list(field.errors or []) + [message]


@bp.route("/baru", methods=["GET", "POST"])
@login_required
def create():
    siklus = _cycle_or_404()
    cycle = cycle_for(siklus)
    stages = _creatable(cycle)
    if not stages:
        flash(_("No stage lets you enter proposals now."), "warning")
        return redirect(url_for("usulan.index"))
    form = UsulanForm()
    _fill_form_choices(form, cycle, stages)
    if request.method == "GET" and current_user.wilayah_id:
        form.lokasi_wilayah_id.data = str(current_user.wilayah_id)
    if form.validate_on_submit():
        outcome = ops.create(siklus, form.tahapan.data, current_user, _content_from(form))
        if outcome.ok:
            flash(_("Proposal %(code)s saved.", code=outcome.usulan.kode_lacak), "success")
            return redirect(url_for("usulan.detail", usulan_id=outcome.usulan.id))
        if outcome.refusal:
            flash(explain(outcome.refusal, cycle, form.tahapan.data), "danger")
        _show_errors(form, outcome.errors)
    return render_template("usulan/form.html", form=form, usulan=None, siklus=siklus), (
        422 if request.method == "POST" else 200)


@bp.route("/<int:usulan_id>/ubah", methods=["GET", "POST"])
@login_required
def edit(usulan_id: int):
    usulan = _get(usulan_id)
    siklus = db.session.get(Siklus, usulan.siklus_id)
    cycle = cycle_for(siklus)
    form = UsulanForm(obj=usulan)
    _fill_form_choices(form, cycle, [cycle.stage(usulan.tahapan)])
    if request.method == "GET":
        form.version.data = str(usulan.version)
        form.kamus_id.data = str(usulan.kamus_id or "")
        form.lokasi_wilayah_id.data = str(usulan.lokasi_wilayah_id or "")
        form.volume.data = format(usulan.volume.normalize(), "f").replace(".", ",")
        form.harga_satuan.data = str(usulan.harga_satuan)
        if not _sees_personal_data(usulan):
            form.pengusul_telepon.data = form.pengusul_nik.data = ""
    if form.validate_on_submit():
        content = _content_from(form)
        if not _sees_personal_data(usulan):
            content["pengusul_telepon"], content["pengusul_nik"] = usulan.pengusul_telepon, usulan.pengusul_nik
        outcome = ops.act(usulan, current_user, "ubah", expected_version=request.form.get("version"),
                          stage_key=usulan.tahapan, reason=form.alasan.data, content=content)
        if outcome.ok:
            flash(_("Proposal %(code)s saved.", code=usulan.kode_lacak), "success")
            return redirect(url_for("usulan.detail", usulan_id=usulan.id))
        if outcome.stale:
            flash(_("Someone else changed this proposal while you were editing. Nothing was saved; "
                    "the form now shows the current values."), "danger")
            flash_conflict(outcome.usulan or usulan, request.form.get("version"), form)
            return redirect(url_for("usulan.edit", usulan_id=usulan.id))
        if outcome.refusal:
            flash(explain(outcome.refusal, cycle, usulan.tahapan), "danger")
        _show_errors(form, outcome.errors)
    return render_template("usulan/form.html", form=form, usulan=usulan, siklus=siklus), (
        422 if request.method == "POST" else 200)


# ---- sending a batch up ---------------------------------------------------------------------

def _sendable(siklus: Siklus, cycle: workflow.Cycle) -> list[tuple]:
    """(stage, holder) pairs this user may send from: their own unit, agency or Pokir."""
    user, out = current_user, []
    held = _holders_with_items(siklus, cycle) if user.role in (Role.BAPPEDA.value, Role.SETWAN.value) else {}
    for stage in cycle.stages:
        if not stage.spec.sends or stage.next is None:
            continue
        if user.role == Role.OPERATOR.value and stage.level.depth == user.wilayah.tingkat:
            out.append((stage, user.wilayah.kode))
        elif user.role == Role.OPERATOR_PD.value and stage.level.is_pd:
            out.append((stage, user.perangkat_daerah_id))
        elif user.role == Role.DPRD.value and stage.level.is_member:
            out.append((stage, user.id))
        elif user.role in (Role.BAPPEDA.value, Role.SETWAN.value):
            if user.role == Role.SETWAN.value and not stage.level.is_member:
                continue
            out += [(stage, h) for h in held.get(stage.key, [])]
    return out


def _holders_with_items(siklus, cycle) -> dict[str, list]:
    """Per agency/DPRD/Bappeda stage, the holders that still hold open proposals: one query.

    Units send their own batches, so unit stages are not asked for.
    """
    keys = [s.key for s in cycle.stages if not s.level.is_unit and s.spec.sends and s.next]
    if not keys:
        return {}
    rows = db.session.execute(
        select(Usulan.tahapan, Usulan.perangkat_daerah_id, Usulan.dprd_user_id).distinct()
        .where(Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
               Usulan.tahapan.in_(keys), Usulan.tertutup.is_(False)))
    held: dict[str, set] = {}
    for key, agency, member in rows:
        holder = member if cycle.stage(key).level.is_member else agency
        if holder is not None:
            held.setdefault(key, set()).add(holder)
    return {key: sorted(holders) for key, holders in held.items()}


#: A send's refusal -> the desk task whose list holds the fix (issue 14: no way to jump to it).
FIX_TASKS = {"quota_exceeded": "kirim", "ceiling_exceeded": "kirim", "undecided": "putuskan",
             "not_surveyed": "survei"}


def _fix_for(siklus: Siklus, stage, holder, refusal) -> dict | None:
    """The work list filtered to what the refusal is about, where one bulk action fixes it:
    for a quota or ceiling, what would go up (reject some, or keep them for village funds)."""
    task = FIX_TASKS.get(refusal.rule) if refusal is not None else None
    if task is None:
        return None
    args = {"siklus": siklus.id, "tahapan": stage.key, "tugas": task}
    if stage.level.is_unit and current_user.role != Role.OPERATOR.value:
        args["wilayah"] = holder
    elif stage.level.is_agency and current_user.role != Role.OPERATOR_PD.value:
        args["pd"] = holder
    label = {"kirim": _("Choose which stay behind"), "putuskan": _("Decide on the rest"),
             "survei": _("Finish the surveys")}[task]
    return {"url": url_for("usulan.index", **args), "label": label}


@bp.route("/kirim", methods=["GET", "POST"])
@login_required
def send():
    """The batches this user may send, each checked by the send operation (the engine's rules
    and the unit's meeting); sending is that operation, the page only presents its answer."""
    siklus = _cycle_or_404()
    cycle = cycle_for(siklus)
    pairs = _sendable(siklus, cycle)
    form = SendForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        chosen = next(((s, h) for s, h in pairs if s.key == form.tahapan.data and str(h) == form.holder.data), None)
        if chosen is None:
            abort(403)
        stage, holder = chosen
        outcome = ops.send(siklus, stage.key, holder, current_user)
        if outcome.ok:
            batch = outcome.batch
            flash(_("%(count)s proposals sent to %(next)s; %(kept)s stay behind.", count=len(batch.forwarded),
                    next=cycle.stage(batch.to_stage).name, kept=len(batch.kept)), "success")
            return redirect(url_for("usulan.index", siklus=siklus.id, tahapan=batch.to_stage))
        if outcome.stale:
            flash(_("Some proposals were changed or sent by someone else meanwhile. Nothing was sent; "
                    "check the page and try again."), "danger")
        else:
            flash(explain(outcome.refusal, cycle, stage.key), "danger")
        return redirect(url_for("usulan.send", siklus=siklus.id)), 303
    checks = []
    for stage, holder in pairs:
        outcome = ops.send(siklus, stage.key, holder, current_user, dry_run=True)
        sent = ops.already_sent(siklus, stage.key, holder)
        usage_count = db.session.scalar(select(func.count()).select_from(Usulan).where(
            Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id, Usulan.tahapan == stage.key,
            ops.holder_clause(cycle, stage.key, holder)))
        checks.append({"stage": stage, "holder": holder, "holder_name": holder_name(cycle, stage.key)(holder),
                       "batch": outcome.batch, "held": usage_count,
                       "next_name": cycle.stage(outcome.batch.to_stage).name if outcome.batch else None,
                       "refusal": explain(outcome.refusal, cycle, stage.key) if outcome.refusal else None,
                       "fix": _fix_for(siklus, stage, holder, outcome.refusal), "sent": sent})
    return render_template("usulan/send.html", siklus=siklus, checks=checks, form=form)


# ---- photos and documents -----------------------------------------------------------------

@bp.post("/<int:usulan_id>/lampiran")
@login_required
def upload(usulan_id: int):
    """Attach a photo or document; whoever may edit the proposal at its stage may attach."""
    from ..uploads import UploadRefused, refusal_message as upload_message, store_upload

    usulan = _get(usulan_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    siklus = db.session.get(Siklus, usulan.siklus_id)
    actions = {a.name for a in workflow.allowed(cycle_for(siklus), state_of(usulan),
                                                actor_for(current_user), now_utc())}
    if "ubah" not in actions and "survei_selesai" not in actions:
        abort(403)
    jenis = request.form.get("jenis", "foto")
    if jenis not in ("foto", "dokumen"):
        abort(400)
    file = request.files.get("berkas")
    if file is None or not file.filename:
        flash(_("Choose a file first."), "danger")
        return redirect(url_for("usulan.detail", usulan_id=usulan.id)), 303
    try:
        stored = store_upload(file, tenant_id=usulan.tenant_id,
                              allowed=("image",) if jenis == "foto" else ("image", "pdf"))
    except UploadRefused as refused:
        flash(upload_message(refused), "danger")
        return redirect(url_for("usulan.detail", usulan_id=usulan.id)), 303
    ops.attach(usulan, current_user, jenis, stored)
    flash(_("%(name)s attached.", name=stored.nama_asli), "success")
    return redirect(url_for("usulan.detail", usulan_id=usulan.id)), 303


@bp.get("/lampiran/<int:lampiran_id>")
@login_required
def file(lampiran_id: int):
    from ..uploads import send_stored

    lampiran = db.session.scalar(tenant_select(Lampiran).where(Lampiran.id == lampiran_id))
    if lampiran is None or lampiran.usulan_id is None or get_usulan(current_user, lampiran.usulan_id) is None:
        abort(404)
    return send_stored(lampiran.tenant_id, lampiran.nama_simpan, lampiran.mime, lampiran.nama_asli)


@bp.get("/lampiran/<int:lampiran_id>/kecil")
@login_required
def thumbnail(lampiran_id: int):
    """A photo's thumbnail (uploads.send_thumbnail), under exactly the photo's access rule."""
    from ..uploads import send_thumbnail

    lampiran = db.session.scalar(tenant_select(Lampiran).where(Lampiran.id == lampiran_id))
    if lampiran is None or lampiran.usulan_id is None or get_usulan(current_user, lampiran.usulan_id) is None:
        abort(404)
    return send_thumbnail(lampiran.tenant_id, lampiran.nama_simpan, lampiran.mime)
