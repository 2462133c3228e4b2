"""/api/v1/usulan: list, read, enter, decide, send and the history, exactly as the screens.

Reading follows the caller's scope (api/access.py); every change goes through
usulan/operations.py and the engine, so the API refuses what the screens refuse, by the same
rule codes (the status of each rule: api/errors.py RULE_STATUS). Changes need a user token:
a decision is always a named person's.
"""

from __future__ import annotations

from decimal import Decimal

from flask import url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import or_, select

from .. import workflow
from ..accounts.models import PerangkatDaerah, Role
from ..audit.models import AuditEntry
from ..extensions import db
from ..kamus.models import Nomenklatur
from ..money import total as money_total
from ..siklus.bridge import actor_for, cycle_for, now_utc, state_of
from ..siklus.models import Siklus
from ..tenancy.context import tenant_config, tenant_select
from ..usulan import operations as ops
from ..usulan.messages import FIELD_NAMES, action_name, status_name
from ..usulan.models import Keputusan, Usulan
from ..wilayah.models import Wilayah
from .access import cycle_or_none, empty_page, get_usulan, paged, sees_personal_data, usulan_query
from .auth import ApiActor, api_actor, require_token
from .errors import ApiError, refused
from .schemas import (MAX_RUPIAH, DecisionSchema, ErrorSchema, RiwayatSchema, SendResultSchema, SendSchema,
                      UsulanArgs, UsulanCreateSchema, UsulanDetailSchema, UsulanPage)

blp = Blueprint("api_usulan", __name__, url_prefix="/usulan",
                description="Proposals: list, read, enter, decide, send, history")

#: Personal data of proposers: never in the history the API returns.
PERSONAL_FIELDS = {"pengusul_nama", "pengusul_telepon", "pengusul_nik"}
#: The engine's input and field names -> the API's request field names.
API_FIELD = {"unit_code": "lokasi_kode", "reason": "alasan", "lokasi_wilayah_id": "lokasi_kode"}
DECISION_INPUTS = ("pagu", "amount", "total", "sub_kegiatan", "target", "agency_id", "priority", "points")


# ---- presenting --------------------------------------------------------------------------------

def _ref(row) -> dict | None:
    return {"id": row.id, "kode": row.kode, "nama": row.nama} if row is not None else None


def present(usulan: Usulan, siklus: Siklus, names: dict) -> dict:
    return {
        "id": usulan.id, "kode_lacak": usulan.kode_lacak, "siklus_id": usulan.siklus_id,
        "tahun": siklus.tahun, "sumber": usulan.sumber, "tahapan": usulan.tahapan,
        "tahapan_nama": names.get(usulan.tahapan, usulan.tahapan), "status": usulan.status,
        "status_nama": status_name(usulan.status), "alasan": usulan.alasan, "bidang": usulan.bidang,
        "permasalahan": usulan.permasalahan, "usulan_kegiatan": usulan.usulan_kegiatan,
        "kamus_id": usulan.kamus_id, "volume": usulan.volume, "satuan": usulan.satuan,
        "harga_satuan": usulan.harga_satuan, "total": usulan.total, "lokasi": _ref(usulan.lokasi_wilayah),
        "jalan": usulan.jalan, "lokasi_detail": usulan.lokasi_detail, "lat": usulan.lat, "lng": usulan.lng,
        "pengusul_nama": usulan.pengusul_nama, "perangkat_daerah": _ref(usulan.perangkat_daerah),
        "dapil": usulan.dapil, "sub_kegiatan_kode": usulan.sub_kegiatan_kode, "pagu": usulan.pagu,
        "target": usulan.target, "indikator": usulan.indikator, "skor": usulan.skor,
        "prioritas": usulan.prioritas, "survei_selesai": usulan.survei_selesai,
        "terkunci": usulan.terkunci, "tertutup": usulan.tertutup, "dana_desa": usulan.dana_desa,
        "anggaran_jumlah": usulan.anggaran_jumlah, "created_at": usulan.created_at,
        "versi": usulan.version,
    }


def present_detail(actor: ApiActor, usulan: Usulan) -> dict:
    siklus = db.session.get(Siklus, usulan.siklus_id)
    cycle = cycle_for(siklus)
    out = present(usulan, siklus, _stage_names(cycle))
    if sees_personal_data(actor, usulan):
        out["pengusul_telepon"], out["pengusul_nik"] = usulan.pengusul_telepon, usulan.pengusul_nik
    out["aksi"] = []
    if actor.user is not None and actor.can_write:
        for spec in workflow.allowed(cycle, state_of(usulan), actor_for(actor.user), now_utc()):
            if spec.name != "ubah":
                out["aksi"].append({"keputusan": spec.name, "nama": action_name(spec.name),
                                    "perlu_alasan": spec.needs_reason, "masukan": list(spec.inputs),
                                    "opsional": list(spec.optional)})
    return out


def _stage_names(cycle: workflow.Cycle) -> dict:
    return {s.key: s.name for s in cycle.stages}


def _explain(refusal: workflow.Refusal, cycle, stage_key) -> str:
    from ..usulan.views import explain

    return explain(refusal, cycle, stage_key)


def refusal_error(refusal: workflow.Refusal, cycle, stage_key) -> ApiError:
    """The engine's refusal as the API's error: rule code, status, the offending fields."""
    message = _explain(refusal, cycle, stage_key)
    params = refusal.params
    fields = []
    if refusal.rule == "missing_field":
        fields = list(params.get("fields") or [])
    elif refusal.rule == "invalid_input":
        fields = [str(params.get("field") or "").split("[")[0]]  # "points[keterdesakan]" -> points
    elif refusal.rule in ("reason_required", "locked"):
        fields = ["reason"]
    errors = {API_FIELD.get(f, f): [message] for f in fields if f}
    return refused(refusal.rule, message, errors=errors)


def _cycle_for_args(siklus_id) -> Siklus | None:
    siklus = cycle_or_none(siklus_id)
    if siklus is None and siklus_id is not None:
        raise ApiError(422, _("Some fields are not valid."),
                       errors={"siklus": [_("Not a planning cycle of this region.")]})
    return siklus


# ---- list and read -------------------------------------------------------------------------

def _like(text: str) -> str:
    return "%" + text.replace("%", "").replace("_", "") + "%"


def filtered(actor: ApiActor, siklus: Siklus, args: dict):
    """The screens' filters (usulan/views.py _filtered) on the caller's scope."""
    query = usulan_query(actor, siklus.id)
    if args.get("tahapan"):
        query = query.where(Usulan.tahapan == args["tahapan"])
    if args.get("status"):
        query = query.where(Usulan.status == args["status"])
    if args.get("sumber"):
        query = query.where(Usulan.sumber == args["sumber"])
    if args.get("pd"):
        query = query.where(Usulan.perangkat_daerah_id == args["pd"])
    kode = (args.get("wilayah") or "").strip()
    if kode:
        query = query.where(or_(Usulan.lokasi_kode == kode,
                                Usulan.lokasi_kode.startswith(kode + ".", autoescape=True)))
    text = (args.get("q") or "").strip()
    if text:
        like = _like(text)
        query = query.where(or_(Usulan.usulan_kegiatan.ilike(like), Usulan.permasalahan.ilike(like),
                                Usulan.kode_lacak.ilike(like), Usulan.jalan.ilike(like)))
    return query


def _total_fits(volume: Decimal, harga: int) -> bool:
    try:
        return money_total(volume, harga) <= MAX_RUPIAH
    except ValueError:  # beyond what money.total accepts
        return False


def _found(actor: ApiActor, usulan_id: int) -> Usulan:
    usulan = get_usulan(actor, usulan_id)
    if usulan is None:
        raise ApiError(404, _("Not found."))
    return usulan


@blp.route("")
class UsulanList(MethodView):
    @require_token(scope="read")
    @blp.arguments(UsulanArgs, location="query")
    @blp.response(200, UsulanPage)
    @blp.alt_response(401, schema=ErrorSchema, description="No valid token")
    def get(self, args):
        """Proposals of one cycle in the caller's scope, newest first, filtered like the work list."""
        actor = api_actor()
        siklus = _cycle_for_args(args.get("siklus"))
        if siklus is None:
            return empty_page(args)
        names = _stage_names(cycle_for(siklus))
        query = filtered(actor, siklus, args).options(
            db.joinedload(Usulan.lokasi_wilayah), db.joinedload(Usulan.perangkat_daerah)
        ).order_by(Usulan.id.desc())
        return paged(query, args, lambda u: present(u, siklus, names))

    @require_token(scope="write", user_only=True)
    @blp.arguments(UsulanCreateSchema)
    @blp.response(201, UsulanDetailSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="wrong_role, out_of_scope, outside_window, entry_closed, "
                                                           "token_scope, user_token_required")
    @blp.alt_response(409, schema=ErrorSchema, description="already_sent, decision_not_allowed")
    @blp.alt_response(422, schema=ErrorSchema,
                      description="Invalid fields; missing_field, invalid_input, unknown_stage")
    def post(self, body):
        """Enter a proposal at a stage that allows it now, inside the caller's scope."""
        actor = api_actor()
        siklus = _cycle_for_args(body.get("siklus"))
        if siklus is None:
            raise ApiError(409, _("No planning cycle is open."), rule="stage_closed")
        cycle = cycle_for(siklus)
        if cycle.stage(body["tahapan"]) is None:
            refusal = workflow.Refusal("unknown_stage", {"stage": body["tahapan"]})
            raise refused("unknown_stage", _explain(refusal, cycle, None),
                          errors={"tahapan": [_explain(refusal, cycle, None)]})
        values = {k: v for k, v in body.items() if k not in ("siklus", "tahapan", "lokasi_kode", "volume")}
        values["volume"] = Decimal(body["volume"])
        if body.get("lokasi_kode"):
            unit = db.session.scalar(tenant_select(Wilayah).where(Wilayah.kode == body["lokasi_kode"].strip()))
            if unit is None:
                raise ApiError(422, _("Some fields are not valid."),
                               errors={"lokasi_kode": [_("Choose a unit of this region.")]})
            values["lokasi_wilayah_id"] = unit.id
        if values["volume"] > 0 and not _total_fits(values["volume"], body["harga_satuan"]):
            raise ApiError(422, _("Some fields are not valid."), errors={
                "harga_satuan": [_("The total (volume x unit price) is too large.")]})
        outcome = ops.create(siklus, body["tahapan"], actor.user, values)
        if outcome.errors:
            raise ApiError(422, _("Some fields are not valid."),
                           errors={API_FIELD.get(k, k): [v] for k, v in outcome.errors.items()})
        if outcome.refusal:
            raise refusal_error(outcome.refusal, cycle, body["tahapan"])
        usulan = outcome.usulan
        return present_detail(actor, usulan), 201, {
            "Location": url_for("api_usulan.UsulanOne", usulan_id=usulan.id)}


@blp.route("/<int:usulan_id>")
class UsulanOne(MethodView):
    @require_token(scope="read")
    @blp.response(200, UsulanDetailSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown, or outside the caller's scope")
    def get(self, usulan_id):
        """One proposal; outside the caller's scope it does not exist (404)."""
        actor = api_actor()
        return present_detail(actor, _found(actor, usulan_id))


# ---- deciding ------------------------------------------------------------------------------

def _decision_inputs(spec: workflow.ActionSpec, body: dict) -> dict:
    """The action's inputs from the body, checked as the screens check them; 422 otherwise."""
    takes = set(spec.inputs) | set(spec.optional)
    given = {name: body[name] for name in DECISION_INPUTS if body.get(name) is not None}
    errors = {name: [_("%(action)s takes no %(field)s.", action=action_name(spec.name).capitalize(),
                       field=FIELD_NAMES.get(name, name))] for name in given if name not in takes}
    if "agency_id" in given and "agency_id" in takes:
        pd = db.session.scalar(tenant_select(PerangkatDaerah).where(
            PerangkatDaerah.id == given["agency_id"], PerangkatDaerah.aktif.is_(True)))
        if pd is None:
            errors["agency_id"] = [_("Choose an agency of this region.")]
    if "sub_kegiatan" in given and "sub_kegiatan" in takes:
        from ..kamus.importer import normalize_sub_kegiatan

        code = normalize_sub_kegiatan(given["sub_kegiatan"].strip())
        has_list = db.session.scalar(tenant_select(Nomenklatur.id).limit(1)) is not None
        if has_list and db.session.scalar(tenant_select(Nomenklatur.id).where(
                Nomenklatur.kode == code, Nomenklatur.tingkat == "sub_kegiatan")) is None:
            errors["sub_kegiatan"] = [_("Not a sub kegiatan of the nomenclature (Permendagri 90/2019).")]
        given["sub_kegiatan"] = code
    if "target" in given:
        given["target"] = given["target"].strip()
    if errors:
        raise ApiError(422, _("Some fields are not valid."), errors=errors)
    return given


def _stale(usulan: Usulan, seen_version=None) -> ApiError:
    """409 with the current versi and, when the history has it, who changed what meanwhile."""
    from ..conflicts import describe_conflict

    message = _("Someone else changed this proposal since you read it. Nothing was saved; "
                "read it again and decide again.")
    changed = describe_conflict(usulan, seen_version) if seen_version is not None else None
    return ApiError(409, f"{message} {changed}" if changed else message, rule="stale",
                    extra={"versi": usulan.version})


@blp.route("/<int:usulan_id>/keputusan")
class Decision(MethodView):
    @require_token(scope="write", user_only=True)
    @blp.arguments(DecisionSchema)
    @blp.response(200, UsulanDetailSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="wrong_role, out_of_scope, outside_window, "
                                                           "token_scope, user_token_required")
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown, or outside the caller's scope")
    @blp.alt_response(409, schema=ErrorSchema, description="stale (with the current versi), wrong_stage, "
                                                           "already_sent, wrong_status, decision_not_allowed")
    @blp.alt_response(422, schema=ErrorSchema, description="reason_required, missing_field, invalid_input")
    def post(self, body, usulan_id):
        """Decide on a proposal (accept, reject, route, score, fund ...), as on its page."""
        actor = api_actor()
        usulan = _found(actor, usulan_id)
        if body["versi"] != usulan.version:
            raise _stale(usulan, body["versi"])
        siklus = db.session.get(Siklus, usulan.siklus_id)
        cycle = cycle_for(siklus)
        action = body["keputusan"]
        stage_key = body.get("tahapan") or usulan.tahapan
        engine_actor, now = actor_for(actor.user), now_utc()
        specs = {a.name: a for a in workflow.allowed(cycle, state_of(usulan), engine_actor, now)}
        spec = specs.get(action)
        if spec is None:
            refusal = workflow.check(cycle, state_of(usulan), engine_actor, action, now, stage=stage_key)
            if refusal is None:
                raise ApiError(409, _("This action is not possible now."), rule="decision_not_allowed")
            raise refusal_error(refusal, cycle, usulan.tahapan)
        inputs = _decision_inputs(spec, body)
        outcome = ops.act(usulan, actor.user, action, expected_version=body["versi"], stage_key=stage_key,
                          reason=body.get("alasan"), inputs=inputs)
        if outcome.stale:
            raise _stale(outcome.usulan, body["versi"])
        if outcome.refusal:
            raise refusal_error(outcome.refusal, cycle, usulan.tahapan)
        if outcome.errors:
            raise ApiError(422, _("Some fields are not valid."), errors=outcome.errors)
        return present_detail(actor, outcome.usulan)


# ---- sending a batch up ------------------------------------------------------------------

def _holder(actor: ApiActor, stage, wanted: str | None):
    """The holder whose batch the caller sends, as the send page offers it (usulan/views._sendable)."""
    user = actor.user

    def wrong_role():
        return ApiError(403, _("Your role may not %(action)s here.", action=action_name("kirim")), rule="wrong_role")

    if user.role == Role.OPERATOR.value:
        if stage.level != user.wilayah.tingkat:
            raise wrong_role()
        holder = user.wilayah.kode
    elif user.role == Role.OPERATOR_PD.value and stage.level == "pd":
        holder = user.perangkat_daerah_id
    elif user.role == Role.DPRD.value and stage.level == "dprd":
        holder = user.id
    elif user.role == Role.BAPPEDA.value and not isinstance(stage.level, int) or (
            user.role == Role.SETWAN.value and stage.level == "dprd"):
        if not wanted:
            raise ApiError(422, _("Some fields are not valid."), rule="missing_field",
                           errors={"holder": [_("This field is required.")]})
        if not wanted.isdigit():
            raise ApiError(422, _("Some fields are not valid."), rule="invalid_input",
                           errors={"holder": [_("A whole number.")]})
        return int(wanted)
    else:
        raise wrong_role()
    if wanted and wanted != str(holder):
        raise ApiError(403, _("You may send only your own proposals."), rule="out_of_scope",
                       errors={"holder": [_("You may send only your own proposals.")]})
    return holder


@blp.route("/kirim")
class Send(MethodView):
    @require_token(scope="write", user_only=True)
    @blp.arguments(SendSchema)
    @blp.response(200, SendResultSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="wrong_role, out_of_scope, outside_window")
    @blp.alt_response(409, schema=ErrorSchema, description="quota_exceeded, ceiling_exceeded, undecided, "
                                                           "not_surveyed, already_sent, meeting_incomplete")
    def post(self, body):
        """Send the caller's accepted proposals of a stage up, in one transaction (dry_run: only check)."""
        from ..rapat.operations import send_blockers

        actor = api_actor()
        siklus = _cycle_for_args(body.get("siklus"))
        if siklus is None:
            raise ApiError(409, _("No planning cycle is open."), rule="stage_closed")
        cycle = cycle_for(siklus)
        stage = cycle.stage(body["tahapan"])
        if stage is None:
            refusal = workflow.Refusal("unknown_stage", {"stage": body["tahapan"]})
            raise refused("unknown_stage", _explain(refusal, cycle, None),
                          errors={"tahapan": [_explain(refusal, cycle, None)]})
        if not stage.spec.sends or stage.next is None:
            raise ApiError(409, _("Nothing is sent on from this stage."), rule="decision_not_allowed")
        holder = _holder(actor, stage, (body.get("holder") or "").strip() or None)
        blockers = [] if ops.already_sent(siklus, stage.key, holder) else send_blockers(siklus, stage.key, holder)
        outcome = ops.send(siklus, stage.key, holder, actor.user, dry_run=bool(blockers) or body["dry_run"])
        if outcome.refusal:
            raise refusal_error(outcome.refusal, cycle, stage.key)
        if blockers:
            raise ApiError(409, " ".join(blockers), rule="meeting_incomplete", errors={"rapat": blockers})
        batch = outcome.batch
        return {"tahapan": stage.key, "ke_tahapan": batch.to_stage, "holder": str(holder),
                "dikirim": [t.proposal_id for t in batch.forwarded],
                "tertahan": [t.proposal_id for t in batch.kept], "total": batch.total,
                "dry_run": body["dry_run"]}


# ---- history -------------------------------------------------------------------------------

def _decider(unit_label, unit, level, agency, role) -> str:
    from ..portal.labels import decider_label

    return decider_label(unit_label, unit, level, agency, role)


@blp.route("/<int:usulan_id>/riwayat")
class History(MethodView):
    @require_token(scope="read")
    @blp.response(200, RiwayatSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown, or outside the caller's scope")
    def get(self, usulan_id):
        """Its decisions (with the deciding unit or agency) and every history entry; never the
        proposer's personal data."""
        from ..accounts.models import User
        from ..portal.labels import event_label

        actor = api_actor()
        usulan = _found(actor, usulan_id)
        cycle = cycle_for(db.session.get(Siklus, usulan.siklus_id))
        names, config = _stage_names(cycle), tenant_config()
        rows = db.session.execute(
            select(Keputusan.tahapan, Keputusan.keputusan, Keputusan.alasan, Keputusan.created_at,
                   Keputusan.user_nama, Wilayah.nama, Wilayah.tingkat, PerangkatDaerah.nama, User.role)
            .outerjoin(Wilayah, Wilayah.id == Keputusan.oleh_wilayah_id)
            .outerjoin(PerangkatDaerah, PerangkatDaerah.id == Keputusan.oleh_perangkat_daerah_id)
            .outerjoin(User, User.id == Keputusan.user_id)
            .where(Keputusan.tenant_id == usulan.tenant_id, Keputusan.usulan_id == usulan.id)
            .order_by(Keputusan.id)).all()
        decisions = [{"tahapan": stage, "tahapan_nama": names.get(stage, stage), "keputusan": event,
                      "keputusan_nama": event_label(event), "alasan": reason,
                      "oleh": _decider(config.unit_label, unit, level, agency, role),
                      "oleh_nama": who, "waktu": at}
                     for stage, event, reason, at, who, unit, level, agency, role in rows]
        entries = db.session.scalars(tenant_select(AuditEntry).where(
            AuditEntry.object_type == "usulan", AuditEntry.object_id == usulan.id).order_by(AuditEntry.id)).all()
        history = [{"aksi": e.action, "alasan": e.reason, "oleh_nama": e.actor_name, "waktu": e.created_at,
                    "perubahan": {k: v for k, v in (e.changes or {}).items() if k not in PERSONAL_FIELDS}}
                   for e in entries]
        return {"kode_lacak": usulan.kode_lacak, "keputusan": decisions, "riwayat": history}
