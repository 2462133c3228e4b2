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
from ..usulan.engine_adapter import actor_for, cycle_for, now_utc, state_of
from ..siklus.models import Siklus
from ..tenancy.context import tenant_config, tenant_select
from ..usulan import operations as ops
from ..usulan.explain import explain, holder_name
from ..rapat.messages import missing_sentences
from ..usulan.messages import FIELD_NAMES, action_name, status_name
from ..usulan.models import Keputusan, Usulan
from ..wilayah.models import Wilayah
from . import references
from .access import empty_page, get_usulan, paged, sees_personal_data, usulan_query
from .auth import ApiActor, api_actor, require_token
from .errors import ApiError, refused
from .schemas import (DecisionSchema, ErrorSchema, RiwayatSchema, SendResultSchema, SendSchema,
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
    elif refusal.rule == "unknown_stage":
        return references.unknown_stage(refusal, cycle)
    elif refusal.rule == "meeting_incomplete":  # what the unit's meeting lacks, one line each
        stage = cycle.stage(params.get("stage"))
        return refused(refusal.rule, message, errors={"rapat": missing_sentences(
            params.get("missing"), stage.name, holder_name(cycle, stage.key)(params.get("holder")),
            params.get("delegates") or 0)})
    errors = {API_FIELD.get(f, f): [message] for f in fields if f}
    return refused(refusal.rule, message, errors=errors)


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


def _own_unit(actor: ApiActor, stage: workflow.StageDef) -> int | None:
    """Where an operator's proposal at a unit stage is when the request names no place: the
    operator's own unit (as its holder at that stage it is always inside the scope)."""
    user = actor.user
    if user is None or user.role != Role.OPERATOR.value or user.wilayah is None:
        return None
    return user.wilayah.id if stage.level.depth == user.wilayah.tingkat else None


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
    @blp.alt_response(404, schema=ErrorSchema, description="siklus names no cycle of this region")
    def get(self, args):
        """Proposals of one cycle in the caller's scope, newest first, filtered like the work list."""
        actor = api_actor()
        siklus = references.cycle(args.get("siklus"))
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
    @blp.alt_response(404, schema=ErrorSchema, description="siklus, tahapan (unknown_stage), kamus_id or "
                                                           "lokasi_kode names nothing in this region")
    @blp.alt_response(409, schema=ErrorSchema, description="already_sent, decision_not_allowed, stage_closed")
    @blp.alt_response(422, schema=ErrorSchema, description="Invalid fields; missing_field, invalid_input")
    def post(self, body):
        """Enter a proposal at a stage that allows it now, inside the caller's scope."""
        actor = api_actor()
        siklus = references.cycle(body.get("siklus"))
        if siklus is None:
            raise ApiError(409, _("No planning cycle is open."), rule="stage_closed")
        cycle = cycle_for(siklus)
        stage = references.stage(cycle, body["tahapan"])
        values = {k: v for k, v in body.items() if k not in ("siklus", "tahapan", "lokasi_kode", "volume")}
        values["volume"] = Decimal(body["volume"])
        values["kamus_id"] = references.kamus_item(body.get("kamus_id"))
        if body.get("lokasi_kode"):
            values["lokasi_wilayah_id"] = references.unit(body["lokasi_kode"]).id
        elif _own_unit(actor, stage) is not None:
            values["lokasi_wilayah_id"] = _own_unit(actor, stage)
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
    """The action's inputs from the body (the operation checks agency and sub kegiatan); 422
    for an input the action does not take."""
    takes = set(spec.inputs) | set(spec.optional)
    given = {name: body[name] for name in DECISION_INPUTS if body.get(name) is not None}
    errors = {name: [_("%(action)s takes no %(field)s.", action=action_name(spec.name).capitalize(),
                       field=FIELD_NAMES.get(name, name))] for name in given if name not in takes}
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
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown, or outside the caller's scope; "
                                                           "tahapan not a stage of its cycle (unknown_stage); "
                                                           "agency_id or sub_kegiatan names nothing in the region")
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
        references.decision_inputs(inputs)
        outcome = ops.act(usulan, actor.user, action, expected_version=body["versi"], stage_key=stage_key,
                          reason=body.get("alasan"), inputs=inputs)
        if outcome.stale:
            raise _stale(outcome.usulan, body["versi"])
        if outcome.refusal:
            raise refusal_error(outcome.refusal, cycle, usulan.tahapan)
        if outcome.errors:
            raise ApiError(422, _("Some fields are not valid."),
                           errors={API_FIELD.get(k, k): [v] for k, v in outcome.errors.items()})
        return present_detail(actor, outcome.usulan)


# ---- sending a batch up ------------------------------------------------------------------

def _holder(actor: ApiActor, stage, wanted: str | None):
    """The holder whose batch the caller sends, as the send page offers it (usulan/views._sendable)."""
    user = actor.user

    def wrong_role():
        return ApiError(403, _("Your role may not %(action)s here.", action=action_name("kirim")), rule="wrong_role")

    if user.role == Role.OPERATOR.value:
        if stage.level.depth != user.wilayah.tingkat:
            raise wrong_role()
        holder = user.wilayah.kode
    elif user.role == Role.OPERATOR_PD.value and stage.level.is_pd:
        holder = user.perangkat_daerah_id
    elif user.role == Role.DPRD.value and stage.level.is_member:
        holder = user.id
    elif user.role == Role.BAPPEDA.value and not stage.level.is_unit or (
            user.role == Role.SETWAN.value and stage.level.is_member):
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
    @blp.alt_response(404, schema=ErrorSchema, description="siklus or tahapan (unknown_stage) names nothing "
                                                           "in this region")
    @blp.alt_response(409, schema=ErrorSchema, description="quota_exceeded, ceiling_exceeded, undecided, "
                                                           "not_surveyed, already_sent, meeting_incomplete")
    def post(self, body):
        """Send the caller's accepted proposals of a stage up, in one transaction (dry_run: only check)."""
        actor = api_actor()
        siklus = references.cycle(body.get("siklus"))
        if siklus is None:
            raise ApiError(409, _("No planning cycle is open."), rule="stage_closed")
        cycle = cycle_for(siklus)
        stage = references.stage(cycle, body["tahapan"])
        if not stage.spec.sends or stage.next is None:
            raise ApiError(409, _("Nothing is sent on from this stage."), rule="decision_not_allowed")
        holder = _holder(actor, stage, (body.get("holder") or "").strip() or None)
        outcome = ops.send(siklus, stage.key, holder, actor.user, dry_run=body["dry_run"])
        if outcome.refusal:
            raise refusal_error(outcome.refusal, cycle, stage.key)
        if outcome.stale:
            raise ApiError(409, _("Some proposals were changed or sent by someone else meanwhile. Nothing was "
                                  "sent; check the page and try again."), rule="stale")
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
