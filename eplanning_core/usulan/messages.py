"""The engine's refusals in the user's language, with stage and holder names a person knows."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..money import format_rupiah

ACTION_NAMES = {
    "diterima": _l("accept"), "diterima_dengan_perubahan": _l("accept with changes"),
    "ditolak": _l("reject"), "dana_desa": _l("keep for village funds"),
    "didanai": _l("funded"), "tidak_didanai": _l("not funded"), "ubah": _l("edit"),
    "survei_selesai": _l("survey done"), "prioritas": _l("set priority"), "skor": _l("score"),
    "rute": _l("route to an agency"), "periksa": _l("check (Setwan)"),
    "alihkan": _l("hand to another agency"), "kirim": _l("send"), "buat": _l("enter a proposal"),
    "perpanjang": _l("extend the window"), "tetapkan": _l("set the RKPD"),
    "tidak_diteruskan": _l("stays behind"), "buka_kembali": _l("reopen the decision"),
}
STATUS_NAMES = {
    "belum_dibahas": _l("not yet discussed"), "diterima": _l("accepted"),
    "diterima_dengan_perubahan": _l("accepted with changes"), "ditolak": _l("rejected"),
    "dana_desa": _l("kept for village funds"), "diperiksa": _l("checked by Setwan"),
    "didanai": _l("funded"), "tidak_didanai": _l("not funded"),
}
FIELD_NAMES = {
    "unit_code": _l("location"), "total": _l("total"), "sub_kegiatan": _l("sub kegiatan code"),
    "pagu": _l("pagu"), "target": _l("target"), "agency_id": _l("agency"),
    "priority": _l("priority"), "amount": _l("funded amount"), "points": _l("scores"),
    "fields": _l("changed fields"), "reason": _l("reason"),
}


def action_name(action: str) -> str:
    return str(ACTION_NAMES.get(action, action))


def status_name(status: str) -> str:
    return str(STATUS_NAMES.get(status, status))


def _listing(values, names=None) -> str:
    names = names or {}
    return ", ".join(str(names.get(v, v)) for v in (values or [])) or "—"


def refusal_message(refusal, *, stage_names=None, holder_name=None) -> str:
    """One sentence saying why; ``stage_names``: key -> name, ``holder_name``: holder -> name."""
    p = dict(refusal.params)
    stage_names = stage_names or {}
    stage = stage_names.get(p.get("stage"), p.get("stage"))
    holder = holder_name(p["holder"]) if holder_name and "holder" in p else p.get("holder")
    rule = refusal.rule
    if rule == "outside_window":
        return _("Stage %(stage)s is open from %(opens)s to %(closes)s (%(tz)s); it is now %(now)s.",
                 stage=stage, opens=p["opens"], closes=p["closes"], tz=p["timezone"], now=p["now"])
    if rule == "entry_closed":
        return _("New proposals for %(stage)s could be entered until %(closes)s (%(tz)s); it is now %(now)s.",
                 stage=stage, closes=p["closes"], tz=p["timezone"], now=p["now"])
    if rule == "reason_required":
        return _("%(action)s needs a reason of at least %(n)s characters.",
                 action=action_name(p["action"]).capitalize(), n=p.get("min_length", 1))
    if rule == "quota_exceeded":
        return _("%(holder)s may send at most %(quota)s proposals from %(stage)s; this batch has %(count)s.",
                 holder=holder, quota=p["quota"], stage=stage, count=p["count"])
    if rule == "ceiling_exceeded":
        return _("The ceiling (pagu) of %(holder)s at %(stage)s is %(ceiling)s; this batch totals "
                 "%(total)s, %(excess)s over.", holder=holder, stage=stage,
                 ceiling=format_rupiah(p["ceiling"]), total=format_rupiah(p["total"]),
                 excess=format_rupiah(p["excess"]))
    if rule == "locked":
        return _("This proposal is locked (%(why)s): changing %(fields)s needs a reason, for "
                 "example the minutes of the change.", why=p.get("why", ""),
                 fields=_listing(p.get("fields")))
    if rule == "out_of_scope":
        return _("This proposal is held by %(holder)s, outside your scope.", holder=holder)
    if rule == "wrong_role":
        return _("Your role may not %(action)s here.", action=action_name(p["action"]))
    if rule == "already_sent":
        return _("%(holder)s already sent its proposals from %(stage)s; what stayed behind is final.",
                 holder=holder, stage=stage)
    if rule == "undecided":
        return _("%(count)s proposals at %(stage)s have no decision yet; decide on every proposal "
                 "before sending.", count=p["count"], stage=stage)
    if rule == "not_surveyed":
        return _("%(count)s proposals have no finished site survey; finish the survey before sending.",
                 count=p["count"])
    if rule == "missing_field":
        return _("%(action)s needs: %(fields)s.", action=action_name(p["action"]).capitalize(),
                 fields=_listing(p.get("fields"), FIELD_NAMES))
    if rule == "wrong_status":
        return _("%(action)s is possible only when the proposal is %(expected)s; it is %(status)s.",
                 action=action_name(p["action"]).capitalize(),
                 expected=_listing(p.get("expected"), STATUS_NAMES), status=status_name(p["status"]))
    if rule == "decision_not_allowed":
        return _("%(action)s is not possible at %(stage)s.",
                 action=action_name(p["action"]).capitalize(), stage=stage)
    if rule == "wrong_stage":
        return _("This proposal has moved on to %(stage)s; reload the page.",
                 stage=stage_names.get(p["actual"], p["actual"]))
    if rule == "stage_closed":
        return _("%(stage)s accepts no more changes.", stage=stage)
    if rule == "already_done":
        return _("%(action)s was already done for this proposal.",
                 action=action_name(p["action"]).capitalize())
    if rule == "invalid_input":
        return _("%(field)s is not valid: it must be %(expected)s.",
                 field=FIELD_NAMES.get(p["field"], p["field"]), expected=p["expected"])
    if rule == "invalid_extension":
        return _("The new closing time %(closes)s must be later than the current one (%(current)s).",
                 closes=p["closes"], current=p["current"])
    if rule == "stage_skip":
        return _("No stage may be skipped: proposals at %(from_)s go on to %(next)s.",
                 from_=stage_names.get(p["from"], p["from"]), next=stage_names.get(p["next"], p["next"]))
    if rule == "meeting_incomplete":
        from ..rapat.messages import missing_sentences

        return " ".join(missing_sentences(p.get("missing"), stage, holder, p.get("delegates") or 0))
    if rule == "sent_reopen":
        return _("%(holder)s already sent its proposals from %(stage)s: only Bappeda may reopen a "
                 "decision there now, while the stage is open.", holder=holder, stage=stage)
    if rule == "plan_set":
        return _("The RKPD is set: the decisions of this cycle are locked and cannot be reopened.")
    if rule == "unknown_stage":
        return _("Stage %(stage)s is not part of this planning cycle.", stage=stage)
    return refusal.message
