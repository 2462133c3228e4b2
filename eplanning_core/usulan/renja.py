"""An agency's Renja (work plan) at the Forum Perangkat Daerah: the proposals routed to it
and the draft built from the accepted ones.

An agency operator sees its own agency; Bappeda picks one. The work list carries each
proposal's origin (Musrenbang unit or Pokir member) so the forum knows who asked; the draft
groups accepted items by program > kegiatan > sub kegiatan (Permendagri 90/2019) with pagu
totals, against the agency's ceiling at the forum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_
from sqlalchemy.orm import joinedload

from .. import workflow
from ..accounts.models import PerangkatDaerah, Role
from ..exports.excel import Column, xlsx_response
from ..exports.pdf import pdf_response, rekap_pdf
from ..extensions import db
from ..kamus.nomenclature import normalize_sub_kegiatan, parent_code
from ..kamus.models import Nomenklatur
from ..money import format_rupiah
from ..paging import page_of
from .engine_adapter import cycle_for, state_of
from ..siklus.current import all_cycles, current_cycle
from ..tenancy.context import tenant_config, tenant_get, tenant_select
from .export import EXPORT_LIMIT
from .messages import STATUS_NAMES, status_name
from .models import Usulan
from .scope import scoped_usulan
from .explain import SUMBER_NAMES
from ..wilayah.labels import unit_label

bp = Blueprint("renja", __name__, url_prefix="/renja")
KIND = "forum_pd"


def _stage(cycle: workflow.Cycle) -> workflow.StageDef | None:
    return next((s for s in cycle.stages if s.kind == KIND), None)


def _agency() -> PerangkatDaerah | None:
    """The agency worked on: the operator's own; Bappeda's choice (None: not chosen yet)."""
    user = current_user
    if user.role == Role.OPERATOR_PD.value:
        return user.perangkat_daerah
    if user.role != Role.BAPPEDA.value:
        abort(403)
    raw = (request.args.get("pd") or "").strip()
    if not raw:
        return None
    return tenant_get(PerangkatDaerah, raw) or abort(404)


def _routed(siklus, stage, pd: PerangkatDaerah):
    """select(Usulan) of what is routed to ``pd`` at the forum, inside the user's scope."""
    return scoped_usulan(current_user, siklus.id).where(Usulan.tahapan == stage.key,
                                                        Usulan.perangkat_daerah_id == pd.id)


def _filtered(query):
    args = request.args
    if args.get("status") in STATUS_NAMES:
        query = query.where(Usulan.status == args["status"])
    if args.get("sumber") in SUMBER_NAMES:
        query = query.where(Usulan.sumber == args["sumber"])
    code = (args.get("wilayah") or "").strip()[:40]
    if code:
        query = query.where(or_(Usulan.lokasi_kode == code,
                                Usulan.lokasi_kode.startswith(code + ".", autoescape=True)))
    text = (args.get("q") or "").strip()[:100]
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        query = query.where(or_(Usulan.usulan_kegiatan.ilike(like), Usulan.permasalahan.ilike(like),
                                Usulan.kode_lacak.ilike(like)))
    return query


def _with_origin(query):
    return query.options(joinedload(Usulan.lokasi_wilayah), joinedload(Usulan.wilayah_asal),
                         joinedload(Usulan.dprd_user))


def _args(pd, siklus) -> dict:
    args = {"siklus": siklus.id}
    if pd is not None and current_user.role == Role.BAPPEDA.value:
        args["pd"] = pd.id
    return args


def _setup():
    """(siklus, stage, agency, agencies to choose from); the page says what is missing."""
    siklus = current_cycle()
    pd = _agency()
    stage = _stage(cycle_for(siklus)) if siklus is not None else None
    agencies = []
    if current_user.role == Role.BAPPEDA.value:
        agencies = db.session.scalars(tenant_select(PerangkatDaerah).order_by(PerangkatDaerah.nama)).all()
    return siklus, stage, pd, agencies


def _origin(u: Usulan) -> str:
    return unit_label(u.wilayah_asal, compact=True) if u.wilayah_asal else ""


# ---- (1) the work list ----------------------------------------------------------------------

@bp.get("/")
@login_required
def index():
    siklus, stage, pd, agencies = _setup()
    common = dict(siklus=siklus, stage=stage, pd=pd, agencies=agencies, cycles=all_cycles(),
                  args=_args(pd, siklus) if siklus else {})
    if siklus is None or stage is None or pd is None:
        return render_template("renja/index.html", pagination=None, **common)
    query = _filtered(_routed(siklus, stage, pd))
    order = (Usulan.skor.is_(None), Usulan.skor.desc(), Usulan.id)
    if request.args.get("format") == "xlsx":
        return _export_list(siklus, pd, _with_origin(query).order_by(*order).limit(EXPORT_LIMIT))
    pagination = page_of(_with_origin(query).order_by(*order))
    return render_template("renja/index.html", pagination=pagination, statuses=STATUS_NAMES,
                           sources=SUMBER_NAMES, **common)


def _export_list(siklus, pd, query):
    def rows():
        for u in db.session.scalars(query).unique():
            yield (u.kode_lacak, SUMBER_NAMES.get(u.sumber, u.sumber), _origin(u),
                   u.dprd_user.nama if u.dprd_user else "", u.usulan_kegiatan, u.lokasi_kode or "",
                   unit_label(u.lokasi_wilayah, compact=True) if u.lokasi_wilayah else "", u.skor, u.total,
                   status_name(u.status), u.alasan or "", u.sub_kegiatan_kode or "", u.pagu, u.target or "")

    columns = [Column(_("Tracking code"), width=18), Column(_("Source"), width=20),
               Column(_("Origin unit"), width=20), Column(_("DPRD member"), width=20),
               Column(_("Proposed activity"), width=40), Column(_("Unit code"), width=18),
               Column(_("Location"), width=20), Column(_("Kecamatan score"), "decimal"),
               Column(_("Total"), "rupiah"), Column(_("Status"), width=18), Column(_("Reason"), width=30),
               Column(_("Sub kegiatan"), width=20), Column(_("Pagu"), "rupiah"), Column(_("Target"), width=16)]
    name = f"renja-usulan-{tenant_config().slug}-{siklus.tahun}-{pd.kode}"
    return xlsx_response(name, _("Routed proposals"), columns, rows(), tz=tenant_config().timezone)


# ---- (2) the draft Renja --------------------------------------------------------------------

@dataclass
class Group:
    kode: str
    nama: str
    total: int = 0
    count: int = 0
    children: list = field(default_factory=list)


@dataclass
class Draft:
    programs: list[Group]
    usage: workflow.Usage

    @property
    def remaining(self) -> int | None:
        return None if self.usage.ceiling is None else self.usage.ceiling - self.usage.total


def _amount(u: Usulan) -> int:
    return u.pagu if u.pagu is not None else u.total


def build_draft(siklus, stage, pd) -> Draft:
    """Accepted items by program > kegiatan > sub kegiatan, names from the Nomenklatur (one query)."""
    cycle = cycle_for(siklus)
    accepted = sorted(stage.spec.forwards)
    items = db.session.scalars(_with_origin(_routed(siklus, stage, pd).where(
        Usulan.status.in_(accepted), Usulan.tertutup.is_(False))).order_by(Usulan.id)).unique().all()
    sub_of = {u.id: normalize_sub_kegiatan(u.sub_kegiatan_kode) if u.sub_kegiatan_kode else "" for u in items}
    codes = set()
    for sub in set(sub_of.values()) - {""}:
        kegiatan = parent_code(sub, "sub_kegiatan")
        codes |= {sub, kegiatan, parent_code(kegiatan, "kegiatan")}
    names = dict(db.session.execute(tenant_select(Nomenklatur).with_only_columns(
        Nomenklatur.kode, Nomenklatur.nama).where(Nomenklatur.kode.in_(codes))).all()) if codes else {}
    programs: dict[str, Group] = {}
    kegiatans: dict[str, Group] = {}
    subs: dict[str, Group] = {}
    for u in sorted(items, key=lambda i: (sub_of[i.id], i.id)):
        sub = sub_of[u.id]
        kegiatan = parent_code(sub, "sub_kegiatan") if sub else ""
        program = parent_code(kegiatan, "kegiatan") if kegiatan else ""
        if program not in programs:
            programs[program] = Group(program, names.get(program, ""))
        if kegiatan not in kegiatans:
            kegiatans[kegiatan] = Group(kegiatan, names.get(kegiatan, ""))
            programs[program].children.append(kegiatans[kegiatan])
        if sub not in subs:
            subs[sub] = Group(sub, names.get(sub, ""))
            kegiatans[kegiatan].children.append(subs[sub])
        subs[sub].children.append(u)
        for group in (programs[program], kegiatans[kegiatan], subs[sub]):
            group.total += _amount(u)
            group.count += 1
    usage = workflow.usage(cycle, stage.key, pd.id, [state_of(u) for u in items])
    return Draft(list(programs.values()), usage)


@bp.get("/rancangan")
@login_required
def draft():
    siklus, stage, pd, agencies = _setup()
    common = dict(siklus=siklus, stage=stage, pd=pd, agencies=agencies, cycles=all_cycles(),
                  args=_args(pd, siklus) if siklus else {})
    if siklus is None or stage is None or pd is None:
        return render_template("renja/draft.html", draft=None, **common)
    plan = build_draft(siklus, stage, pd)
    kind = request.args.get("format")
    if kind == "xlsx":
        return _export_draft(siklus, pd, plan)
    if kind == "pdf":
        return _draft_pdf(siklus, pd, plan)
    return render_template("renja/draft.html", draft=plan, sources=SUMBER_NAMES, **common)


def _export_draft(siklus, pd, plan: Draft):
    def rows():
        for program in plan.programs:
            for kegiatan in program.children:
                for sub in kegiatan.children:
                    for u in sub.children:
                        yield (program.kode, program.nama, kegiatan.kode, kegiatan.nama, sub.kode, sub.nama,
                               u.kode_lacak, u.usulan_kegiatan, SUMBER_NAMES.get(u.sumber, u.sumber),
                               _origin(u), u.dprd_user.nama if u.dprd_user else "", u.lokasi_kode or "",
                               unit_label(u.lokasi_wilayah, compact=True) if u.lokasi_wilayah else "",
                               u.skor, u.target or "",
                               u.total, _amount(u), status_name(u.status))

    columns = [Column(_("Program code"), width=12), Column(_("Program"), width=30),
               Column(_("Kegiatan code"), width=14), Column(_("Kegiatan"), width=30),
               Column(_("Sub kegiatan code"), width=18), Column(_("Sub kegiatan"), width=30),
               Column(_("Tracking code"), width=18), Column(_("Proposed activity"), width=40),
               Column(_("Source"), width=20), Column(_("Origin unit"), width=20),
               Column(_("DPRD member"), width=20), Column(_("Unit code"), width=18),
               Column(_("Location"), width=20), Column(_("Kecamatan score"), "decimal"),
               Column(_("Target"), width=16), Column(_("Total"), "rupiah"), Column(_("Pagu"), "rupiah"),
               Column(_("Status"), width=18)]
    name = f"rancangan-renja-{tenant_config().slug}-{siklus.tahun}-{pd.kode}"
    return xlsx_response(name, _("Draft Renja"), columns, rows(), tz=tenant_config().timezone)


def _draft_pdf(siklus, pd, plan: Draft):
    rows = []
    for program in plan.programs:
        rows.append((program.kode or "—", program.nama, program.count, program.total))
        for kegiatan in program.children:
            rows.append((kegiatan.kode or "—", "  " + kegiatan.nama, kegiatan.count, kegiatan.total))
            for sub in kegiatan.children:
                rows.append((sub.kode or "—", "    " + sub.nama, sub.count, sub.total))
                for u in sub.children:
                    origin = u.dprd_user.nama if u.dprd_user else _origin(u)
                    rows.append((u.kode_lacak, f"      {u.usulan_kegiatan} ({SUMBER_NAMES.get(u.sumber, u.sumber)}"
                                 f"{', ' + origin if origin else ''})", 1, _amount(u)))
    usage = plan.usage
    subtitle = tenant_config().name
    if usage.ceiling is not None:
        subtitle += " · " + _("Ceiling (pagu) %(ceiling)s, remaining %(remaining)s",
                              ceiling=format_rupiah(usage.ceiling), remaining=format_rupiah(plan.remaining))
    data = rekap_pdf(title=_("Draft Renja %(agency)s · %(cycle)s", agency=pd.nama, cycle=siklus.nama),
                     subtitle=subtitle,
                     columns=[Column(_("Code"), width=20), Column(_("Program / kegiatan / sub kegiatan"), width=60),
                              Column(_("Proposals"), "int", 10), Column(_("Pagu"), "rupiah", 18)],
                     rows=rows, totals_row=("", _("Total"), usage.count, usage.total))
    return pdf_response(data, f"rancangan-renja-{tenant_config().slug}-{siklus.tahun}-{pd.kode}.pdf")
