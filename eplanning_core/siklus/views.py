"""Bappeda's screens for the planning cycle: open a cycle, its schedule and extensions,
ceilings and quotas, the consolidated RKPD, setting it (penetapan) and the budget outcome.

The engine decides; these screens read forms, call siklus.operations / siklus.rkpd and show
the refusals in the user's language. Lists use grouped queries, never one query per row.
"""

from __future__ import annotations

from datetime import time, timedelta
from functools import wraps

from babel.dates import format_date
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from .. import workflow
from ..accounts.admin import admin_required
from ..accounts.models import PerangkatDaerah, Role, User
from ..exports.excel import Column, xlsx_response
from ..extensions import db
from ..ids import parse_id
from ..money import format_rupiah, parse_rupiah
from ..paging import page_of
from ..tenancy.context import current_tenant_id, tenant_config, tenant_get, tenant_select
from ..tenancy.stages import stage_config_for_year
from ..usulan.messages import STATUS_NAMES, action_name, status_name
from ..usulan.models import Usulan
from ..usulan.explain import SUMBER_NAMES, explain
from ..wilayah.models import Wilayah
from ..workflow.windows import effective_close
from . import operations as ops
from . import rkpd as plan
from ..usulan.engine_adapter import cycle_for, local_now
from .current import all_cycles
from .forms import (ConfirmForm, ExtendForm, OpenCycleForm, RescheduleForm, closing_text,
                    opening_text, parse_local)
from .models import Pagu, Perpanjangan, Siklus, Tahapan

bp = Blueprint("siklus", __name__, url_prefix="/siklus")

KIND_NAMES = {
    "rembuk_warga": _l("Neighbourhood meeting"), "musrenbang_desa": _l("Village Musrenbang"),
    "musrenbang_kecamatan": _l("Kecamatan Musrenbang"), "pokir": _l("DPRD Pokir"),
    "forum_pd": _l("Agency forum (Renja)"), "musrenbang_rkpd": _l("Musrenbang RKPD"),
    "penetapan_rkpd": _l("Setting the RKPD"), "penganggaran": _l("Budgeting"),
}
WINDOW_NAMES = {"not_open": _l("not yet open"), "open": _l("open"), "closed": _l("closed")}
SOURCE_FILTERS = {"musrenbang": _l("Musrenbang"), "pokir": _l("Pokir DPRD")}
DATE_HINT = _l("Write a date such as 2026-01-31, or a date and time such as 2026-01-31 16:00.")
#: Above this many holders the ceilings form asks for a kecamatan first (form size limit).
MAX_LIMIT_ROWS = 300
EXPORT_LIMIT = 100_000


def _reader_required(view):
    """Bappeda, and the read-only viewer (inspectorate, auditors)."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role not in (Role.BAPPEDA.value, Role.VIEWER.value):
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def _siklus_or_404(siklus_id: int) -> Siklus:
    return tenant_get(Siklus, siklus_id) or abort(404)


def _add_error(field, message) -> None:
    field.errors = list(field.errors or []) + [str(message)]


# ---- how windows and levels are written --------------------------------------------------

def _day(value) -> str:
    return format_date(value, "d MMM y", locale=str(get_locale() or "id"))


def _moment(value) -> str:
    return _day(value.date()) if value.time() == time() else f"{_day(value.date())} {value:%H:%M}"


def closes_label(value) -> str:
    """Closings are exclusive: midnight means "until the end of the day before"."""
    if value.time() == time():
        return _("until end of %(date)s", date=_day((value - timedelta(days=1)).date()))
    return _("until %(moment)s", moment=_moment(value))


def level_label(level: workflow.Level) -> str:
    if level.is_unit:
        return tenant_config().level_name(level.depth)
    return {"pd": _("Perangkat Daerah"), "dprd": _("DPRD member"), "bappeda": _("Bappeda")}.get(level.key, str(level))


def _window_state(opens, closes, now) -> str:
    return "not_open" if now < opens else "open" if now < closes else "closed"


def holder_names(level: workflow.Level, keys) -> dict[str, str]:
    """Names of many holders of one level at once: unit, agency or DPRD member (one query)."""
    keys = {str(k) for k in keys if k is not None}
    if not keys:
        return {}
    if level.is_unit:
        from ..wilayah.labels import labels_for_codes  # with the parent's name, same one query

        return labels_for_codes(current_tenant_id(), keys, compact=False)
    ids = [parse_id(k) for k in keys if parse_id(k)]
    model = PerangkatDaerah if level.is_agency else User
    return {str(r.id): r.nama for r in db.session.scalars(tenant_select(model).where(model.id.in_(ids)))}


# ---- 1. the cycles ------------------------------------------------------------------------

OPEN_ERRORS = {"out_of_range": _l("Choose a year from 2000 to 2100."),
               "exists": _l("This cycle already exists.")}


@bp.route("/", methods=["GET", "POST"])
@admin_required
def index():
    form = OpenCycleForm()
    cycles = all_cycles()
    if form.validate_on_submit():
        result = ops.open_cycle(current_tenant_id(), current_user, form.tahun.data)
        if result.ok:
            flash(_("%(name)s is open; check the schedule of every stage.", name=result.obj.nama), "success")
            return redirect(url_for("siklus.schedule", siklus_id=result.obj.id))
        for code in result.errors.values():
            _add_error(form.tahun, OPEN_ERRORS.get(code, code))
    elif request.method == "GET":
        form.tahun.data = max([c.tahun for c in cycles], default=local_now().year) + 1
    counts = dict(db.session.execute(
        select(Usulan.siklus_id, func.count()).where(Usulan.tenant_id == current_tenant_id())
        .group_by(Usulan.siklus_id)).all())
    return render_template("siklus/index.html", form=form, cycles=cycles, counts=counts), (
        422 if request.method == "POST" else 200)


# ---- 2. the schedule ------------------------------------------------------------------------

def _tahapan_or_404(siklus: Siklus, kunci: str) -> Tahapan:
    row = db.session.scalar(select(Tahapan).where(Tahapan.siklus_id == siklus.id, Tahapan.kunci == kunci))
    return row or abort(404)


def _extensions(tahapan: list[Tahapan], levels: dict[int, workflow.Level | None]) -> dict[int, list[dict]]:
    """Extensions per stage, with the name of the holder and of who granted it (few queries)."""
    rows = db.session.execute(
        select(Perpanjangan, User.nama).outerjoin(User, User.id == Perpanjangan.user_id)
        .where(Perpanjangan.tahapan_id.in_([t.id for t in tahapan])).order_by(Perpanjangan.id)).all()
    by_level: dict[object, set] = {}
    for ext, _who in rows:
        if ext.holder is not None:
            by_level.setdefault(levels.get(ext.tahapan_id), set()).add(ext.holder)
    names = {}
    for level, keys in by_level.items():
        names[level] = holder_names(level, keys) if level is not None else {}
    out: dict[int, list[dict]] = {}
    for ext, who in rows:
        level = levels.get(ext.tahapan_id)
        holder = None if ext.holder is None else names.get(level, {}).get(ext.holder, ext.holder)
        out.setdefault(ext.tahapan_id, []).append({
            "row": ext, "who": who or "—", "holder": holder, "closes": closes_label(ext.ditutup_baru),
            "previous": closes_label(ext.ditutup_lama)})
    return out


def _holder_choices(level: workflow.Level | None):
    if level is not None and level.is_agency:
        return [(str(a.id), a.nama) for a in db.session.scalars(
            tenant_select(PerangkatDaerah).where(PerangkatDaerah.aktif.is_(True)).order_by(PerangkatDaerah.nama))]
    if level is not None and level.is_member:
        return [(str(u.id), u.nama) for u in db.session.scalars(
            tenant_select(User).where(User.role == Role.DPRD.value).order_by(User.nama))]
    return None


def _schedule_page(siklus: Siklus, failed: tuple | None = None, status: int = 200):
    cycle = cycle_for(siklus)
    tahapan = db.session.scalars(select(Tahapan).where(Tahapan.siklus_id == siklus.id)
                                 .order_by(Tahapan.urutan)).all()
    levels = {t.id: cycle.stage(t.kunci).level if cycle.stage(t.kunci) else None for t in tahapan}
    extensions = _extensions(tahapan, levels)
    now = local_now().replace(tzinfo=None)
    choices_cache: dict = {}
    stages = []
    for row in tahapan:
        stage = cycle.stage(row.kunci)
        level = levels[row.id]
        general = effective_close(stage, cycle.extensions, None) if stage else row.ditutup
        reschedule = RescheduleForm(formdata=None, dibuka=opening_text(row.dibuka), ditutup=closing_text(row.ditutup),
                                    pemasukan_ditutup=closing_text(row.pemasukan_ditutup), version=str(row.version))
        extend = ExtendForm(formdata=None)
        if failed and failed[0] == row.kunci:
            reschedule, extend = (failed[2], extend) if failed[1] == "jadwal" else (reschedule, failed[2])
        key = "agency" if level is not None and level.is_agency else level
        if key not in choices_cache:
            choices_cache[key] = _holder_choices(level)
        stages.append({
            "row": row, "stage": stage, "kind": KIND_NAMES.get(row.jenis, row.jenis),
            "level": level_label(level) if level is not None else "—", "unit_level": level is not None and level.is_unit,
            "opens": _moment(row.dibuka), "closes": closes_label(row.ditutup),
            "entry": closes_label(row.pemasukan_ditutup) if row.pemasukan_ditutup else None,
            "extended": closes_label(general) if general != row.ditutup else None,
            "state": _window_state(row.dibuka, general, now),
            "limits": bool(stage and stage.spec.limits and level != "dprd"),
            "reschedule": reschedule, "extend": extend, "choices": choices_cache[key],
            "extensions": extensions.get(row.id, []),
        })
    return render_template("siklus/schedule.html", siklus=siklus, stages=stages, now=_moment(now),
                           window_names=WINDOW_NAMES, tz=tenant_config().timezone), status


@bp.get("/<int:siklus_id>")
@admin_required
def schedule(siklus_id: int):
    return _schedule_page(_siklus_or_404(siklus_id))


RESCHEDULE_ERRORS = {
    "before_opens": ("ditutup", _l("The closing must come after the opening.")),
    "outside_window": ("pemasukan_ditutup", _l("The entry deadline must lie inside the window.")),
    "required": ("alasan", _l("Say why the schedule changes (at least 3 characters).")),
}


def _parse_into(form, name: str, closing: bool):
    field = getattr(form, name)
    try:
        return parse_local(field.data, closing=closing)
    except ValueError:
        _add_error(field, DATE_HINT)
        return None


@bp.post("/<int:siklus_id>/tahapan/<kunci>/jadwal")
@admin_required
def reschedule(siklus_id: int, kunci: str):
    siklus = _siklus_or_404(siklus_id)
    row = _tahapan_or_404(siklus, kunci)
    form = RescheduleForm()
    if form.validate_on_submit():
        dibuka = _parse_into(form, "dibuka", closing=False)
        ditutup = _parse_into(form, "ditutup", closing=True)
        entry = _parse_into(form, "pemasukan_ditutup", closing=True) if row.pemasukan_ditutup else None
        alasan = (form.alasan.data or "").strip()
        if len(alasan) < 3:
            _add_error(form.alasan, RESCHEDULE_ERRORS["required"][1])
        if not any(f.errors for f in form):
            result = ops.reschedule(siklus, row, current_user, dibuka=dibuka, ditutup=ditutup,
                                    pemasukan_ditutup=entry, alasan=alasan, expected_version=form.version.data)
            if result.ok:
                flash(_("Schedule of %(stage)s saved.", stage=row.nama), "success")
                return redirect(url_for("siklus.schedule", siklus_id=siklus.id) + f"#tahap-{row.kunci}")
            if result.errors.get("_") == "stale":
                flash(_("Someone else changed the schedule of %(stage)s while you were looking at it. "
                        "Nothing was saved; the page shows the current window.", stage=row.nama), "danger")
                from ..conflicts import flash_conflict

                flash_conflict(row, form.version.data, form)
                return redirect(url_for("siklus.schedule", siklus_id=siklus.id) + f"#tahap-{row.kunci}"), 303
            for code in result.errors.values():
                name, message = RESCHEDULE_ERRORS.get(code, ("alasan", code))
                _add_error(getattr(form, name), message)
    return _schedule_page(siklus, failed=(kunci, "jadwal", form), status=422)


def _holder_from(stage: workflow.StageDef, text: str):
    """(holder, error): a unit code at the stage's level, an agency id or a DPRD member id."""
    text = (text or "").strip()
    if not text:
        return None, None
    level = stage.level
    if level.is_unit:
        unit = db.session.scalar(tenant_select(Wilayah).where(Wilayah.kode == text, Wilayah.tingkat == level.depth))
        if unit is None:
            return None, _("Not the code of a %(level)s of this region.", level=level_label(level))
        return unit.kode, None
    model = PerangkatDaerah if level.is_agency else User
    row = tenant_get(model, text) if text.isdigit() else None
    if row is None or (model is User and row.role != Role.DPRD.value):
        return None, _("Choose one from the list.")
    return row.id, None


@bp.post("/<int:siklus_id>/tahapan/<kunci>/perpanjang")
@admin_required
def extend(siklus_id: int, kunci: str):
    siklus = _siklus_or_404(siklus_id)
    row = _tahapan_or_404(siklus, kunci)
    cycle = cycle_for(siklus)
    stage = cycle.stage(kunci) or abort(404)
    form = ExtendForm()
    if form.validate_on_submit():
        closes = _parse_into(form, "ditutup_baru", closing=True)
        holder, error = _holder_from(stage, form.holder.data)
        if error:
            _add_error(form.holder, error)
        if not any(f.errors for f in form):
            result = ops.extend(siklus, row, current_user, ditutup_baru=closes, alasan=form.alasan.data,
                                holder=holder, pemasukan=bool(form.pemasukan.data and row.pemasukan_ditutup))
            if result.ok:
                flash(_("%(stage)s extended %(until)s.", stage=row.nama,
                        until=closes_label(result.obj.ditutup_baru)), "success")
                return redirect(url_for("siklus.schedule", siklus_id=siklus.id) + f"#tahap-{row.kunci}")
            field = form.alasan if result.refusal.rule == "reason_required" else form.ditutup_baru
            _add_error(field, explain(result.refusal, cycle, kunci))
    return _schedule_page(siklus, failed=(kunci, "perpanjang", form), status=422)


# ---- 3. ceilings and quotas ------------------------------------------------------------------

def _toml_limits(siklus: Siklus, kunci: str):
    """(quota, ceiling) Limits of a stage as tenant.toml sets them, without Bappeda's overrides."""
    config = tenant_config()
    raw = list(config.stages) if config.stages is not None else None
    for stage in workflow.stages_from_config(stage_config_for_year(raw, siklus.tahun), config.timezone):
        if stage.key == kunci:
            return stage.quota, stage.ceiling
    return None, None


def _limit_holders(stage: workflow.StageDef, induk: str) -> tuple[list[dict] | None, int]:
    """The holders of a stage as form rows, or (None, count) when there are too many to list."""
    if stage.level.is_unit:
        query = tenant_select(Wilayah).where(Wilayah.tingkat == stage.level.depth)
        if induk:
            query = query.where(Wilayah.kode.startswith(induk + ".", autoescape=True))
        count = db.session.scalar(query.with_only_columns(func.count()))
        if count > MAX_LIMIT_ROWS:
            return None, count
        units = db.session.scalars(query.order_by(Wilayah.kode)).all()
        level = tenant_config().level_name(stage.level.depth)
        return [{"key": w.kode, "id": w.id, "code": w.kode, "name": f"{level} {w.nama}",
                 "target": {"wilayah_id": w.id}} for w in units], count
    agencies = db.session.scalars(tenant_select(PerangkatDaerah).where(PerangkatDaerah.aktif.is_(True))
                                  .order_by(PerangkatDaerah.nama)).all()
    return [{"key": str(a.id), "id": a.id, "code": a.kode, "name": a.nama,
             "target": {"perangkat_daerah_id": a.id}} for a in agencies], len(agencies)


def _fingerprint(rows: list[dict], pagu: dict) -> str:
    """Versions of the stored ceilings shown on the page: a changed one means a stale form."""
    shown = sorted((p.id, p.version) for r in rows if (p := pagu.get(r["id"])) is not None)
    return ",".join(f"{i}:{v}" for i, v in shown)


def _seen_versions(fingerprint: str) -> dict[int, int]:
    """The form's fingerprint back as {pagu id: version}; unreadable parts are dropped (the
    database then refuses the save as stale)."""
    seen = {}
    for part in fingerprint.split(",")[:10_000]:
        ident, _sep, version = part.partition(":")
        if ident.isdecimal() and version.isdecimal() and len(ident) < 19 and len(version) < 19:
            seen[int(ident)] = int(version)
    return seen


def _flash_limits_conflict(siklus: Siklus) -> None:
    """Nothing saved: say so, and who saved these ceilings last and when."""
    from flask_babel import format_datetime

    from ..audit.models import AuditEntry

    flash(_("Someone else changed these ceilings while you were editing. Nothing was saved; "
            "the page shows the current values."), "danger")
    last = db.session.scalar(tenant_select(AuditEntry).where(
        AuditEntry.object_type == Siklus.__tablename__, AuditEntry.object_id == siklus.id,
        AuditEntry.action == "pagu.atur").order_by(AuditEntry.id.desc()).limit(1))
    if last is not None:
        flash(_("Changed meanwhile by %(who)s (%(when)s).", who=last.actor_name,
                when=format_datetime(last.created_at, "short")), "warning")


def _plain_rupiah(value) -> str:
    return "" if value is None else format_rupiah(value).removeprefix("Rp ")


@bp.route("/<int:siklus_id>/pagu/<kunci>", methods=["GET", "POST"])
@admin_required
def limits(siklus_id: int, kunci: str):
    siklus = _siklus_or_404(siklus_id)
    cycle = cycle_for(siklus)
    stage = cycle.stage(kunci)
    if stage is None or not stage.spec.limits or stage.level.is_member:
        abort(404)
    induk = (request.args.get("induk") or "").strip()[:40]
    rows, count = _limit_holders(stage, induk)
    rows = rows or []
    by_unit = stage.level.is_unit
    pagu = {(p.wilayah_id if by_unit else p.perangkat_daerah_id): p for p in db.session.scalars(
        select(Pagu).where(Pagu.siklus_id == siklus.id, Pagu.tahapan_kunci == kunci))}
    fingerprint = _fingerprint(rows, pagu)
    values = {r["key"]: {"jumlah": _plain_rupiah(pagu[r["id"]].jumlah) if r["id"] in pagu else "",
                         "kuota": "" if r["id"] not in pagu or pagu[r["id"]].kuota is None
                         else str(pagu[r["id"]].kuota)} for r in rows}
    errors: dict[str, dict[str, str]] = {}
    form = ConfirmForm()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit() or not rows:
            abort(400)
        if request.form.get("versi", "") != fingerprint:
            _flash_limits_conflict(siklus)
            status = 409
        else:
            changes = []
            for r in rows:
                raw_j = (request.form.get(f"jumlah-{r['id']}") or "").strip()[:40]
                raw_k = (request.form.get(f"kuota-{r['id']}") or "").strip()[:12]
                values[r["key"]] = {"jumlah": raw_j, "kuota": raw_k}
                jumlah = kuota = None
                if raw_j:
                    try:
                        jumlah = parse_rupiah(raw_j)
                    except ValueError:
                        errors.setdefault(r["key"], {})["jumlah"] = _("Whole rupiah, for example 1.250.000.")
                if raw_k:
                    if raw_k.isdecimal() and int(raw_k) <= 100_000:
                        kuota = int(raw_k)
                    else:
                        errors.setdefault(r["key"], {})["kuota"] = _("A whole number from 0.")
                changes.append({**r["target"], "jumlah": jumlah, "kuota": kuota})
            if errors:
                status = 422
            else:
                # the compare-and-set in the database: a save between this request's read
                # and its write is refused too (the check above is only the early answer)
                result = ops.set_limits(siklus, kunci, current_user, changes,
                                        seen=_seen_versions(request.form.get("versi", "")))
                if ops.STALE in result.errors:
                    _flash_limits_conflict(siklus)
                    return redirect(url_for("siklus.limits", siklus_id=siklus.id, kunci=kunci,
                                            **({"induk": induk} if induk else {}))), 303
                if result.ok:
                    flash(_("Ceilings and quotas of %(stage)s saved.", stage=stage.name), "success")
                    return redirect(url_for("siklus.limits", siklus_id=siklus.id, kunci=kunci,
                                            **({"induk": induk} if induk else {})))
                status = 422
                flash(_("Nothing was saved: check the amounts."), "danger")
    quota_default, ceiling_default = _toml_limits(siklus, kunci)
    used = plan.used_by_holder(siklus, cycle, kunci)
    sent = plan.sent_by_holder(siklus, kunci)
    for r in rows:
        stored = pagu.get(r["id"])
        r["default_jumlah"] = ceiling_default.for_holder(r["key"]) if ceiling_default else None
        r["default_kuota"] = quota_default.for_holder(r["key"]) if quota_default else None
        r["ceiling"] = stage.ceiling.for_holder(r["key"]) if stage.ceiling else None
        r["quota"] = stage.quota.for_holder(r["key"]) if stage.quota else None
        r["used_count"], r["used"] = used.get(r["key"], (0, 0))
        r["sent"] = sent.get(r["key"])
        r["stored"] = stored
    kecamatan = db.session.scalars(tenant_select(Wilayah).where(Wilayah.tingkat == 1)
                                   .order_by(Wilayah.kode)).all() if by_unit and stage.level.depth > 1 else []
    return render_template("siklus/limits.html", siklus=siklus, stage=stage, rows=rows, values=values,
                           errors=errors, fingerprint=fingerprint, form=form, induk=induk, count=count,
                           too_many=not rows and count > MAX_LIMIT_ROWS, kecamatan=kecamatan,
                           level=level_label(stage.level)), status


# ---- 4. the consolidated RKPD draft --------------------------------------------------------------

def _like(text: str) -> str:
    return f"%{text.replace('%', '').replace('_', '')}%"


def _draft_filtered(siklus: Siklus, keys: list[str]):
    query = plan.cycle_items(siklus).where(Usulan.tahapan.in_(keys))
    args = request.args
    if args.get("pd", type=int):
        query = query.where(Usulan.perangkat_daerah_id == args.get("pd", type=int))
    if args.get("tahapan") in keys:
        query = query.where(Usulan.tahapan == args["tahapan"])
    if args.get("status") in STATUS_NAMES:
        query = query.where(Usulan.status == args["status"])
    if args.get("sumber") == "pokir":
        query = query.where(Usulan.sumber == "pokir")
    elif args.get("sumber") == "musrenbang":
        query = query.where(Usulan.sumber != "pokir")
    text = (request.args.get("q") or "").replace("\x00", "").strip()[:100]
    if text:
        query = query.where(or_(Usulan.usulan_kegiatan.ilike(_like(text)), Usulan.kode_lacak.ilike(_like(text)),
                                Usulan.sub_kegiatan_kode.ilike(_like(text)), Usulan.target.ilike(_like(text))))
    return query


def _export_draft(siklus: Siklus, cycle, query):
    from ..wilayah.labels import compose

    stages = {s.key: s.name for s in cycle.stages}
    lokasi, asal = aliased(Wilayah), aliased(Wilayah)
    lokasi_parent, asal_parent = aliased(Wilayah), aliased(Wilayah)  # "Lingkungan I, Pasar Baru"
    decisions = plan.decisions_by_item(query.with_only_columns(Usulan.id), stages, action_name)
    rows = db.session.execute(
        query.with_only_columns(
            PerangkatDaerah.nama, Usulan.id, Usulan.kode_lacak, Usulan.tahapan, Usulan.status, Usulan.sumber,
            asal.kode, asal.nama, User.nama, Usulan.dapil, Usulan.usulan_kegiatan, Usulan.sub_kegiatan_kode,
            Usulan.pagu, Usulan.target, Usulan.lokasi_kode, lokasi.nama, Usulan.total, Usulan.anggaran_jumlah,
            lokasi_parent.nama, asal_parent.nama)
        .outerjoin(PerangkatDaerah, PerangkatDaerah.id == Usulan.perangkat_daerah_id)
        .outerjoin(asal, asal.id == Usulan.wilayah_asal_id)
        .outerjoin(lokasi, lokasi.id == Usulan.lokasi_wilayah_id)
        .outerjoin(lokasi_parent, lokasi_parent.id == lokasi.parent_id)
        .outerjoin(asal_parent, asal_parent.id == asal.parent_id)
        .outerjoin(User, User.id == Usulan.dprd_user_id)
        .order_by(PerangkatDaerah.nama, Usulan.id).limit(EXPORT_LIMIT)
        .execution_options(yield_per=2000))

    def lines():
        for r in rows:
            origin = (f"{r[6]} {compose(r[7], None, r[19], compact=True)}" if r[6]
                      else (f"{r[8]} ({r[9]})" if r[8] else ""))
            yield (r[0] or "", r[2], stages.get(r[3], r[3]), status_name(r[4]), str(SUMBER_NAMES.get(r[5], r[5])),
                   origin, r[10], r[11] or "", r[12], r[13] or "", r[14] or "",
                   compose(r[15], None, r[18], compact=True) if r[15] else "", r[16], r[17],
                   decisions.get(r[1], ""))

    columns = [Column(_("Agency"), width=30), Column(_("Tracking code"), width=18), Column(_("Stage"), width=20),
               Column(_("Status"), width=16), Column(_("Source"), width=18), Column(_("Origin"), width=26),
               Column(_("Proposed activity"), width=40), Column(_("Sub kegiatan"), width=18),
               Column(_("Pagu"), "rupiah"), Column(_("Target"), width=14), Column(_("Unit code"), width=18),
               Column(_("Location"), width=20), Column(_("Total"), "rupiah"), Column(_("Funded"), "rupiah"),
               Column(_("Decisions"), width=80)]
    config = tenant_config()
    return xlsx_response(f"rkpd-{config.slug}-{siklus.tahun}", _("RKPD draft"), columns, lines(),
                         tz=config.timezone)


def _rkpd_page(siklus: Siklus, refusals=None, status=200):
    cycle = cycle_for(siklus)
    keys = plan.draft_stage_keys(cycle)
    if not keys:
        return render_template("siklus/no_stage.html", siklus=siklus, what=_("Musrenbang RKPD")), 404
    query = _draft_filtered(siklus, keys)
    if request.args.get("format") == "xlsx":
        return _export_draft(siklus, cycle, query)
    pagination = page_of(
        query.outerjoin(PerangkatDaerah, PerangkatDaerah.id == Usulan.perangkat_daerah_id)
        .options(contains_eager(Usulan.perangkat_daerah), joinedload(Usulan.lokasi_wilayah),
                 joinedload(Usulan.wilayah_asal), joinedload(Usulan.dprd_user))
        .order_by(PerangkatDaerah.nama, Usulan.id))
    lines = plan.agency_lines(siklus, cycle)
    agencies = db.session.scalars(tenant_select(PerangkatDaerah).order_by(PerangkatDaerah.nama)).all()
    names = {a.id: a for a in agencies}
    summary = sorted(lines.values(), key=lambda line: (names[line.agency_id].nama if line.agency_id in names else ""))
    rkpd = plan.stage_of_kind(cycle, plan.RKPD_KIND)
    return render_template(
        "siklus/rkpd.html", siklus=siklus, cycle=cycle, rkpd=rkpd, pagination=pagination, summary=summary,
        agencies=agencies, names=names, stages={s.key: s.name for s in cycle.stages}, keys=keys,
        statuses=STATUS_NAMES, sources=SOURCE_FILTERS, sumber_names=SUMBER_NAMES, refusals=refusals,
        form=ConfirmForm(), open_holders=[line for line in summary if not line.sent and line.items > line.rejected],
        totals={"total": sum(line.total for line in summary),
                "ceiling": None if any(line.ceiling is None for line in summary)
                else sum(line.ceiling for line in summary)}), status


@bp.get("/<int:siklus_id>/rkpd")
@admin_required
def rkpd(siklus_id: int):
    return _rkpd_page(_siklus_or_404(siklus_id))


def _named_refusals(cycle, stage_key: str, refusals) -> list[tuple[str, str]]:
    names = holder_names(cycle.stage(stage_key).level, [h for h, _r in refusals])
    return [(names.get(str(h), str(h) if h is not None else _("no agency")), explain(r, cycle, stage_key))
            for h, r in refusals]


def _flash_unsent(result) -> None:
    if result.stale:
        flash(_("Some proposals were changed or sent by someone else meanwhile. Nothing was sent; "
                "check the page and try again."), "danger")
    elif result.locked:
        flash(_("The RKPD of this cycle is already set."), "warning")
    elif result.empty:
        flash(_("Nothing to send."), "warning")


@bp.post("/<int:siklus_id>/rkpd/kirim")
@admin_required
def rkpd_send(siklus_id: int):
    siklus = _siklus_or_404(siklus_id)
    cycle = cycle_for(siklus)
    stage = plan.stage_of_kind(cycle, plan.RKPD_KIND) or abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    choice = request.form.get("holder", "")
    if choice == "semua":
        holders = None
    else:
        agency = tenant_get(PerangkatDaerah, choice) or abort(404)
        holders = [agency.id]
    confirmed = _confirmation()
    if confirmed is None or siklus.status == "rkpd_ditetapkan":  # first the confirm step (issue 14)
        return _confirm_send(siklus, cycle, stage, choice, holders, confirmed)
    preview = plan.plan_send_all(siklus, stage.key, current_user, holders)
    if preview.ok and _fingerprint_of(preview) != confirmed:
        flash(_("The proposals to send changed since you confirmed. Nothing was sent: check the numbers "
                "and confirm again."), "warning")
        return _confirm_send(siklus, cycle, stage, choice, holders, None, status=409)
    result = plan.send_all(siklus, stage.key, current_user, holders)
    if result.ok:
        next_stage = cycle.stage(result.batches[0].to_stage)
        flash(ngettext("%(count)s proposals of %(num)d agency sent to %(next)s, total %(total)s.",
                       "%(count)s proposals of %(num)d agencies sent to %(next)s, total %(total)s.",
                       len(result.batches), count=result.count, next=next_stage.name,
                       total=format_rupiah(result.total)), "success")
        return redirect(url_for("siklus.rkpd", siklus_id=siklus.id))
    if result.refusals:
        flash(_("Nothing was sent: the batches below are refused."), "danger")
        return _rkpd_page(siklus, refusals=_named_refusals(cycle, stage.key, result.refusals), status=422)
    _flash_unsent(result)
    return redirect(url_for("siklus.rkpd", siklus_id=siklus.id)), 303


def _confirmation() -> str | None:
    """The confirmation a confirm step posts back ("<count>-<total>" as shown), or None."""
    value = (request.form.get("konfirmasi") or "").strip()[:60]
    return value or None


def _fingerprint_of(result) -> str:
    """What a person confirmed: the number of proposals and their total, as the page showed."""
    return f"{result.count}-{result.total}"


def _confirm_send(siklus: Siklus, cycle, stage, choice: str, holders, confirmed, status: int = 200):
    """The confirm step of sending the RKPD on: what will go, per agency, and the total.

    A POST without the confirmation lands here and changes nothing."""
    if siklus.status == "rkpd_ditetapkan":
        flash(_("The RKPD of this cycle is already set."), "warning")
        return redirect(url_for("siklus.rkpd", siklus_id=siklus.id)), 303
    preview = plan.plan_send_all(siklus, stage.key, current_user, holders)
    if preview.refusals:
        flash(_("Nothing was sent: the batches below are refused."), "danger")
        return _rkpd_page(siklus, refusals=_named_refusals(cycle, stage.key, preview.refusals), status=422)
    if preview.empty:
        _flash_unsent(preview)
        return redirect(url_for("siklus.rkpd", siklus_id=siklus.id)), 303
    names = holder_names(stage.level, [b.holder for b in preview.batches])
    lines = sorted(({"name": names.get(str(b.holder), str(b.holder)), "count": b.count, "total": b.total,
                     "kept": len(b.kept)} for b in preview.batches), key=lambda line: line["name"])
    next_stage = cycle.stage(stage.next) if stage.next else None
    return render_template("siklus/confirm_send.html", siklus=siklus, stage=stage, next_stage=next_stage,
                           lines=lines, count=preview.count, total=preview.total, choice=choice,
                           fingerprint=_fingerprint_of(preview), form=ConfirmForm()), status


# ---- 5. setting the RKPD (penetapan) ----------------------------------------------------------------

@bp.route("/<int:siklus_id>/penetapan", methods=["GET", "POST"])
@admin_required
def penetapan(siklus_id: int):
    siklus = _siklus_or_404(siklus_id)
    cycle = cycle_for(siklus)
    stage = plan.stage_of_kind(cycle, plan.PENETAPAN_KIND)
    if stage is None:
        return render_template("siklus/no_stage.html", siklus=siklus, what=_("Penetapan RKPD")), 404
    form = ConfirmForm()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        confirmed = _confirmation()
        preview = None if siklus.status == "rkpd_ditetapkan" else plan.plan_send_all(siklus, stage.key, current_user)
        if preview is not None and preview.ok and confirmed != _fingerprint_of(preview):
            # a stray POST, or numbers that moved since the page was read: nothing is locked
            if confirmed is None:
                flash(_("The RKPD was not set: tick the confirmation under the numbers it sets, then set it."),
                      "danger")
            else:
                flash(_("The RKPD was not set: the proposals changed since you confirmed. Check the numbers "
                        "and confirm again."), "danger")
            return redirect(url_for("siklus.penetapan", siklus_id=siklus.id)), 303
        result = plan.tetapkan(siklus, current_user)
        if result.ok:
            flash(_("The RKPD is set: %(count)s proposals, total %(total)s, handed to budgeting.",
                    count=result.count, total=format_rupiah(result.total)), "success")
            return redirect(url_for("siklus.penetapan", siklus_id=siklus.id))
        if not result.refusals:
            _flash_unsent(result)
            return redirect(url_for("siklus.penetapan", siklus_id=siklus.id)), 303
        flash(_("The RKPD was not set: the batches below are refused. Nothing was changed."), "danger")
        status = 422
    if siklus.status == "rkpd_ditetapkan":
        sent = plan.sent_by_holder(siklus, stage.key)
        names = holder_names(stage.level, sent)
        lines = sorted(({"name": names.get(k, k), "count": p.jumlah_usulan, "total": p.total}
                        for k, p in sent.items()), key=lambda line: line["name"])
        return render_template("siklus/penetapan.html", siklus=siklus, stage=stage, lines=lines, refusals=[],
                               form=form, can_set=False, waiting=0), status
    result = plan.plan_send_all(siklus, stage.key, current_user)
    names = holder_names(stage.level, [b.holder for b in result.batches])
    lines = sorted(({"name": names.get(str(b.holder), str(b.holder)), "count": b.count, "total": b.total,
                     "kept": len(b.kept)} for b in result.batches), key=lambda line: line["name"])
    rkpd = plan.stage_of_kind(cycle, plan.RKPD_KIND)
    waiting = db.session.scalar(plan.cycle_items(siklus).with_only_columns(func.count()).where(
        Usulan.tahapan == rkpd.key, Usulan.tertutup.is_(False))) if rkpd else 0
    return render_template("siklus/penetapan.html", siklus=siklus, stage=stage, lines=lines, form=form,
                           refusals=_named_refusals(cycle, stage.key, result.refusals),
                           can_set=result.ok, waiting=waiting, rkpd=rkpd,
                           fingerprint=_fingerprint_of(result), count=result.count, total=result.total,
                           agencies=len(result.batches)), status


# ---- 6. the budget outcome --------------------------------------------------------------------

def _same_args() -> dict:
    """This page's filters and page number, to come back to after saving."""
    return {k: v for k, v in request.args.items() if k in ("pd", "status", "page")}


OUTCOMES = {"didanai": _l("funded"), "tidak_didanai": _l("not funded")}
BUDGET_ERRORS = {"stale": _l("Someone else changed this proposal meanwhile; reload the page."),
                 "missing": _l("This proposal is not at the budgeting stage of this cycle.")}


def _budget_rows() -> tuple[list[dict], dict[int, str], dict[int, dict]]:
    """The chosen outcomes from the form: (rows, errors per id, submitted values per id)."""
    rows, errors, values = [], {}, {}
    for raw_id in request.form.getlist("id")[:5000]:
        ident = parse_id(raw_id)
        if ident is None:
            continue
        choice = request.form.get(f"hasil-{ident}", "")
        raw = (request.form.get(f"jumlah-{ident}") or "").strip()[:40]
        values[ident] = {"hasil": choice, "jumlah": raw}
        if choice not in OUTCOMES:
            continue
        amount = None
        if choice == "didanai":
            try:
                amount = parse_rupiah(raw)
                if amount < 1:
                    raise ValueError
            except ValueError:
                errors[ident] = _("Give the funded amount in whole rupiah, for example 1.250.000.")
                continue
        rows.append({"id": ident, "version": request.form.get(f"v-{ident}", ""), "action": choice,
                     "amount": amount})
    return rows, errors, values


@bp.route("/<int:siklus_id>/anggaran", methods=["GET", "POST"])
@_reader_required
def budget(siklus_id: int):
    siklus = _siklus_or_404(siklus_id)
    if request.method == "POST" and not current_user.is_admin:
        abort(403)
    cycle = cycle_for(siklus)
    stage = plan.stage_of_kind(cycle, plan.ANGGARAN_KIND)
    if stage is None:
        return render_template("siklus/no_stage.html", siklus=siklus, what=_("Budgeting")), 404
    query = plan.cycle_items(siklus).where(Usulan.tahapan == stage.key)
    if request.args.get("pd", type=int):
        query = query.where(Usulan.perangkat_daerah_id == request.args.get("pd", type=int))
    if request.args.get("status") in ("belum_dibahas", *OUTCOMES):
        query = query.where(Usulan.status == request.args["status"])
    if request.args.get("format") == "xlsx":
        return _export_budget(siklus, query)
    errors, values, status, confirm = {}, {}, 200, None
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        rows, errors, values = _budget_rows()
        if not rows and not errors:
            flash(_("Choose funded or not funded for at least one proposal."), "warning")
            return redirect(url_for("siklus.budget", siklus_id=siklus.id, **_same_args())), 303
        if not errors and len(rows) > 1 and request.form.get("konfirmasi") != "1":
            # a wide outcome (issue 14): say what it records, then record it on a second click
            confirm = {"funded": sum(r["action"] == "didanai" for r in rows),
                       "amount": sum(r["amount"] or 0 for r in rows if r["action"] == "didanai"),
                       "not_funded": sum(r["action"] == "tidak_didanai" for r in rows)}
        elif not errors:
            result = plan.record_budget(siklus, current_user, rows)
            if result.ok:
                flash(_("Budget outcome saved: %(funded)s funded, %(not_funded)s not funded.",
                        funded=result.funded, not_funded=result.not_funded), "success")
                return redirect(url_for("siklus.budget", siklus_id=siklus.id, **_same_args()))
            for ident, error in result.errors.items():
                errors[ident] = str(BUDGET_ERRORS[error]) if isinstance(error, str) else \
                    explain(error, cycle, stage.key)
        if not confirm:
            flash(_("Nothing was saved: correct the rows marked below."), "danger")
            status = 422
    pagination = page_of(query.options(joinedload(Usulan.perangkat_daerah), joinedload(Usulan.lokasi_wilayah))
                         .order_by(Usulan.perangkat_daerah_id, Usulan.id))
    shown = {u.id for u in pagination.items}
    lines: dict = {}
    for agency, item_status, count, planned, funded in plan.budget_lines(siklus, stage.key):
        line = lines.setdefault(agency, {"agency": agency, "count": 0, "planned": 0, "funded": 0,
                                         "didanai": 0, "tidak_didanai": 0, "open": 0})
        line["count"] += count
        line["planned"] += int(planned)
        line["funded"] += int(funded)
        line[item_status if item_status in OUTCOMES else "open"] += count
    agencies = db.session.scalars(tenant_select(PerangkatDaerah).order_by(PerangkatDaerah.nama)).all()
    names = {a.id: a.nama for a in agencies}
    summary = sorted(lines.values(), key=lambda line: names.get(line["agency"], ""))
    return render_template(
        "siklus/budget.html", siklus=siklus, stage=stage, pagination=pagination, summary=summary, names=names,
        agencies=agencies, errors=errors, values=values, form=form, outcomes=OUTCOMES, confirm=confirm,
        other_errors=[m for i, m in errors.items() if i not in shown],
        can_edit=current_user.is_admin,
        totals={k: sum(line[k] for line in summary) for k in ("count", "planned", "funded")}), status


def _export_budget(siklus: Siklus, query):
    rows = db.session.execute(
        query.with_only_columns(PerangkatDaerah.nama, Usulan.kode_lacak, Usulan.usulan_kegiatan,
                                Usulan.sub_kegiatan_kode, Usulan.pagu, Usulan.total, Usulan.status,
                                Usulan.anggaran_jumlah)
        .outerjoin(PerangkatDaerah, PerangkatDaerah.id == Usulan.perangkat_daerah_id)
        .order_by(PerangkatDaerah.nama, Usulan.id).limit(EXPORT_LIMIT).execution_options(yield_per=2000))
    columns = [Column(_("Agency"), width=30), Column(_("Tracking code"), width=18),
               Column(_("Proposed activity"), width=40), Column(_("Sub kegiatan"), width=18),
               Column(_("Pagu"), "rupiah"), Column(_("Total"), "rupiah"), Column(_("Status"), width=16),
               Column(_("Funded"), "rupiah")]
    config = tenant_config()
    return xlsx_response(f"anggaran-{config.slug}-{siklus.tahun}", _("Budget outcome"), columns,
                         ((r[0] or "", r[1], r[2], r[3] or "", r[4], r[5], status_name(r[6]), r[7]) for r in rows),
                         tz=config.timezone)
