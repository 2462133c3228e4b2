"""The desk: what waits for this account now, as the first page after login shows it.

One module with one job. For each stage the account holds (a unit operator: the stage of its
unit's level; an agency: the Forum PD; a DPRD member: Pokir; Setwan: checking Pokir; Bappeda:
validating Pokir and the RKPD stages) it counts the proposals waiting for each task (decide,
survey, score, route, check, validate), says how long the window stays open in the region's
local time, what the holder's quota and ceiling (pagu) allow, what still blocks sending, and
what happened further up to what the holder sent. Bappeda and readers also see the region:
every unit and agency against the schedule, late ones first.

Who may do a task is read from the engine's transition table (``workflow.moves``), never
re-derived; each task is one SQL condition (:func:`task_clause`) used both for the desk's
counts and by the work list (``/usulan/?tahapan=..&tugas=..``), so a count and the list it
links to are the same proposals by construction. Every number comes from a fixed number of
grouped queries, whatever the size of the region.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from babel.dates import format_datetime, format_timedelta
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, false, func, select, true
from sqlalchemy.orm import joinedload

from .. import workflow
from ..accounts.models import PerangkatDaerah, Role, User
from ..extensions import db
from ..siklus.models import Siklus
from ..tenancy.context import current_tenant_id, tenant_config
from ..wilayah.labels import unit_label
from ..wilayah.models import Wilayah
from ..workflow.moves import BAPPEDA, DECIDER, SETWAN, move_for
from ..workflow.state import BELUM_DIBAHAS, DIPERIKSA, DITOLAK, SOURCES
from ..workflow.units import ancestor
from ..workflow.windows import effective_close
from .engine_adapter import cycle_for, now_utc
from .messages import status_name
from .models import Keputusan, Pengiriman, Usulan
from .scope import usulan_clause

#: The rupiah a proposal claims: the agency's pagu once mapped, else its total (as the engine).
AMOUNT = func.coalesce(Usulan.pagu, Usulan.total)

#: Task key (the list's ``tugas`` parameter) -> the engine action that does it.
TASK_ACTIONS = {"putuskan": None, "survei": "survei_selesai", "skor": "skor", "rute": "rute",
                "periksa": "periksa", "validasi": "diterima", "kirim": None}
TASK_NAMES = {
    "putuskan": _l("Decide on proposals"), "survei": _l("Finish site surveys"),
    "skor": _l("Score proposals"), "rute": _l("Route to an agency"),
    "periksa": _l("Check Pokir (Setwan)"), "validasi": _l("Validate Pokir (Bappeda)"),
    "kirim": _l("Goes up when sent"),
}
#: Time zone abbreviations Indonesians read on every schedule.
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
              "Asia/Jayapura": "WIT"}


# ---- tasks as SQL conditions -------------------------------------------------------------------

def _pending(stage: workflow.StageDef) -> tuple[str, ...]:
    """Statuses that wait for a decision at ``stage`` (the budget: funded or not)."""
    if stage.kind == "pokir":
        return ()
    if stage.kind == "penganggaran":
        return (BELUM_DIBAHAS,)
    return tuple(sorted(stage.spec.pending)) if stage.decisions else ()


def stage_tasks(cycle: workflow.Cycle, stage: workflow.StageDef) -> list[str]:
    """The tasks a stage offers, in the order the work is done."""
    out = []
    if stage.kind == "pokir":
        return ["periksa", "validasi", "rute"]
    if stage.survey and stage.enables("survei_selesai"):
        out.append("survei")
    if stage.kind == "musrenbang_kecamatan" and cycle.criteria_for(stage.key):
        out.append("skor")
    if _pending(stage):
        out.append("putuskan")
    if stage.spec.routes:
        out.append("rute")
    return out


def task_clause(cycle: workflow.Cycle, stage: workflow.StageDef, task: str):
    """The proposals at ``stage`` waiting for ``task``: one SQL condition (desk and list)."""
    here = and_(Usulan.tahapan == stage.key, Usulan.tertutup.is_(False))
    if task == "putuskan":
        return and_(here, Usulan.status.in_(_pending(stage) or ("-",)))
    if task == "survei":
        return and_(here, Usulan.status == BELUM_DIBAHAS, Usulan.survei_selesai.is_(False))
    if task == "skor":
        return and_(here, Usulan.skor.is_(None), Usulan.status != DITOLAK)
    if task == "rute":
        return and_(here, Usulan.perangkat_daerah_id.is_(None), Usulan.status != DITOLAK)
    if task == "periksa":
        return and_(here, Usulan.status == BELUM_DIBAHAS)
    if task == "validasi":
        return and_(here, Usulan.status == DIPERIKSA)
    if task == "kirim":  # what would go up when the holder sends now
        return and_(here, Usulan.status.in_(sorted(stage.spec.forwards) or ("-",)))
    return false()


def task_filter(query, siklus: Siklus, args):
    """The work list's ``?tahapan=<stage>&tugas=<task>``: exactly the desk's proposals."""
    task, key = args.get("tugas"), args.get("tahapan")
    if task not in TASK_ACTIONS or not key:
        return query
    cycle = cycle_for(siklus)
    stage = cycle.stage(key)
    return query if stage is None else query.where(task_clause(cycle, stage, task))


def task_label(args) -> str | None:
    """The name of the list's task filter, for the list's heading (None: no task filter)."""
    task = args.get("tugas")
    return str(TASK_NAMES[task]) if task in TASK_NAMES and args.get("tahapan") else None


def _may(user: User, stage: workflow.StageDef, action: str | None) -> bool:
    """Whether the engine's table lets this account's role do ``action`` at ``stage``."""
    if action is None:
        action = stage.decisions[0] if stage.decisions else None
    move = move_for(stage.kind, action) if action else None
    if move is None:
        return False
    if user.role == Role.BAPPEDA.value:  # at its own stages Bappeda is also the decider
        return BAPPEDA in move.who or (DECIDER in move.who and stage.level.is_bappeda)
    if user.role == Role.SETWAN.value:
        return SETWAN in move.who
    return DECIDER in move.who and _decides_at(user, stage)


def _decides_at(user: User, stage: workflow.StageDef) -> bool:
    if user.role == Role.OPERATOR.value:
        return user.wilayah is not None and stage.level.depth == user.wilayah.tingkat
    return (user.role == Role.OPERATOR_PD.value and stage.level.is_pd) or (
        user.role == Role.DPRD.value and stage.level.is_member)


# ---- what the desk shows ----------------------------------------------------------------------

@dataclass
class Task:
    key: str
    name: str
    count: int
    url: str
    mine: bool = True        # False: waits for someone else (the member's Pokir at Setwan)


@dataclass
class Window:
    opens: datetime          # aware, region time
    closes: datetime
    state: str               # "open", "soon" (not yet open), "closed"
    left: str                # "6 days, 14 hours" in the user's language
    opens_text: str
    closes_text: str
    entry_text: str | None = None


@dataclass
class Limit:
    name: str
    used: int
    limit: int
    money: bool

    @property
    def percent(self) -> int:
        return 100 if self.limit <= 0 else min(100, round(100 * self.used / self.limit))

    @property
    def over(self) -> bool:
        return self.used > self.limit


@dataclass
class Blocker:
    text: str
    url: str
    fix: str


@dataclass
class StageDesk:
    stage: workflow.StageDef
    holder: object
    holder_name: str
    window: Window
    tasks: list[Task] = field(default_factory=list)
    limits: list[Limit] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)
    goes_up: int = 0
    sent_at: str | None = None
    can_send: bool = False
    next_name: str | None = None
    work: tuple[str, str] | None = None    # (label, url) of the page the stage's work is done on


@dataclass
class Outcome:
    """What became of what the holder sent, at one later stage."""
    stage_name: str
    counts: list[tuple[str, int, str]]   # (status name, count, list url)


@dataclass
class RegionRow:
    stage_name: str
    holder_name: str
    open_items: int
    undecided: int
    closes_text: str
    state: str               # "late", "soon", "ontime"
    url: str


@dataclass
class RegionStage:
    stage_name: str
    holders: int             # units of its level, or agencies/members holding proposals
    sent: int
    closes_text: str
    recorded: int | None = None   # unit meetings: how many recorded their meeting
    url: str = ""

    @property
    def percent(self) -> int:
        return 0 if not self.holders else round(100 * self.sent / self.holders)


@dataclass
class Desk:
    stages: list[StageDesk] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)   # later rejections/changes with reasons
    region: list[RegionStage] = field(default_factory=list)
    late: list[RegionRow] = field(default_factory=list)
    can_create_pokir: bool = False
    pokir_stage: workflow.StageDef | None = None


# ---- time in the region's words -----------------------------------------------------------------

def zone_name(tz) -> str:
    return ZONE_NAMES.get(tz.key, tz.key)


def local_text(moment: datetime, tz, *, closing: bool = False) -> str:
    """'Sabtu, 14 Februari 2026, 23:59 WIB' in the user's language and the region's time.

    ``closing``: a window closes at a local midnight (exclusive) meaning "the end of the day
    before"; it is shown as 23:59 of that day, as people read a deadline."""
    moment = moment.astimezone(tz)
    if closing and (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        moment -= timedelta(minutes=1)
    return f"{format_datetime(moment, 'EEEE, d MMMM y, HH:mm', locale=get_locale())} {zone_name(tz)}"


def left_text(delta: timedelta) -> str:
    """'6 days, 14 hours' (or hours and minutes on the last day), in the user's language."""
    locale = get_locale()
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60

    def part(value, unit):
        return format_timedelta(timedelta(**{unit: value}), granularity=unit[:-1], threshold=10**6,
                                locale=locale)
    if days:
        return f"{part(days, 'days')}, {part(hours, 'hours')}"
    return f"{part(hours, 'hours')}, {part(minutes, 'minutes')}"


def window_of(cycle: workflow.Cycle, stage: workflow.StageDef, holder, now: datetime) -> Window:
    tz = cycle.timezone
    opens = stage.opens.replace(tzinfo=tz)
    closes = effective_close(stage, cycle.extensions, holder).replace(tzinfo=tz)
    if now < opens:
        state, left = "soon", left_text(opens - now)
    elif now < closes:
        state, left = "open", left_text(closes - now)
    else:
        state, left = "closed", ""
    entry = None
    if stage.entry_closes is not None:
        entry_close = effective_close(stage, cycle.extensions, holder, entry=True).replace(tzinfo=tz)
        entry = local_text(entry_close, tz, closing=True)
    return Window(opens, closes, state, left, local_text(opens, tz), local_text(closes, tz, closing=True),
                  entry)


# ---- names ------------------------------------------------------------------------------------------

def unit_name(unit: Wilayah | None) -> str:
    """'Lingkungan I, Pasar Baru': a unit always with its parent (wilayah/labels.py)."""
    return unit_label(unit)


def _units_by_code(codes) -> dict[str, Wilayah]:
    if not codes:
        return {}
    return {w.kode: w for w in db.session.scalars(
        select(Wilayah).options(joinedload(Wilayah.parent))
        .where(Wilayah.tenant_id == current_tenant_id(), Wilayah.kode.in_(sorted(codes))))}


# ---- the desk of one account ----------------------------------------------------------------------

def _held(user: User, cycle: workflow.Cycle) -> list[tuple[workflow.StageDef, object]]:
    """(stage, holder) the account works at. Bappeda, Setwan: holder None (the whole region)."""
    out = []
    for stage in cycle.stages:
        if user.role == Role.OPERATOR.value and user.wilayah is not None:
            if stage.level.depth == user.wilayah.tingkat:
                out.append((stage, user.wilayah.kode))
        elif user.role == Role.OPERATOR_PD.value and stage.level.is_pd:
            out.append((stage, user.perangkat_daerah_id))
        elif user.role == Role.DPRD.value and stage.level.is_member:
            out.append((stage, user.id))
        elif user.role == Role.SETWAN.value and stage.kind == "pokir":
            out.append((stage, None))
        elif user.role == Role.BAPPEDA.value and (stage.kind == "pokir" or stage.level.is_bappeda):
            out.append((stage, None))
    return out


def _list_url(siklus: Siklus, stage_key: str, **args) -> str:
    return url_for("usulan.index", siklus=siklus.id, tahapan=stage_key, **args)


def build(user: User, siklus: Siklus) -> Desk:
    """The whole desk of ``user`` in ``siklus``: a fixed number of queries."""
    cycle, now = cycle_for(siklus), now_utc()
    held = _held(user, cycle)
    desk = Desk()
    scope = (Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id, usulan_clause(user))
    single = [(s, h) for s, h in held if h is not None]

    # One query: every (stage, task) count and what would go up, by conditional sums.
    columns, keys = [], []
    for stage, holder in held:
        for task in stage_tasks(cycle, stage) + ["kirim"]:
            clause = task_clause(cycle, stage, task)
            keys.append((stage.key, task))
            columns.append(func.coalesce(func.sum(case((clause, 1), else_=0)), 0))
            if task == "kirim":
                keys.append((stage.key, "kirim_total"))
                columns.append(func.coalesce(func.sum(case((clause, AMOUNT), else_=0)), 0))
    counts = dict(zip(keys, db.session.execute(select(*columns).where(*scope)).one())) if columns else {}

    sent = {}
    if single:
        sent = {(p.tahapan, p.holder): p for p in db.session.scalars(select(Pengiriman).where(
            Pengiriman.tenant_id == siklus.tenant_id, Pengiriman.siklus_id == siklus.id,
            Pengiriman.tahapan.in_([s.key for s, _h in single]),
            Pengiriman.holder.in_([str(h) for _s, h in single])))}

    for stage, holder in held:
        part = StageDesk(stage, holder, _holder_label(user, stage), window_of(cycle, stage, holder, now))
        nxt = cycle.next_stage(stage.key)
        part.next_name = nxt.name if nxt else None
        for task in stage_tasks(cycle, stage):
            count = int(counts.get((stage.key, task), 0))
            mine = _may(user, stage, TASK_ACTIONS[task])
            if not mine and not (user.role == Role.DPRD.value and count):
                continue
            part.tasks.append(Task(task, _task_name(stage, task), count,
                                   _list_url(siklus, stage.key, tugas=task), mine))
        part.goes_up = int(counts.get((stage.key, "kirim"), 0))
        part.work = _work_page(user, stage, siklus)
        if holder is not None:
            _limits_and_blockers(part, siklus, cycle, stage, holder, counts, sent.get((stage.key, str(holder))))
        desk.stages.append(part)
        if stage.kind == "pokir" and user.role == Role.DPRD.value:
            desk.pokir_stage = stage
            desk.can_create_pokir = part.window.state == "open" and "dprd" in stage.creators

    if single and user.role in (Role.OPERATOR.value, Role.OPERATOR_PD.value, Role.DPRD.value):
        _outcomes(desk, siklus, cycle, single[0][0], scope)
    if user.role in (Role.BAPPEDA.value, Role.VIEWER.value):
        _region(desk, siklus, cycle, now)
    return desk


def _work_page(user: User, stage: workflow.StageDef, siklus: Siklus) -> tuple[str, str] | None:
    """The page where the stage's own work is done, beyond deciding proposal by proposal."""
    if user.role == Role.BAPPEDA.value:
        pages = {"musrenbang_rkpd": (_("Open the draft RKPD"), "siklus.rkpd"),
                 "penetapan_rkpd": (_("Set the RKPD"), "siklus.penetapan"),
                 "penganggaran": (_("Record the budget outcome"), "siklus.budget")}
        if stage.kind in pages:
            label, endpoint = pages[stage.kind]
            return label, url_for(endpoint, siklus_id=siklus.id)
        return None
    if user.role == Role.OPERATOR.value and stage.spec.needs_meeting:
        return _("Open the meeting page"), url_for("rapat.index", siklus=siklus.id)
    if user.role == Role.OPERATOR_PD.value and stage.level.is_pd:
        return _("Open the Renja"), url_for("renja.index", siklus=siklus.id)
    return None


def _task_name(stage: workflow.StageDef, task: str) -> str:
    if task == "putuskan" and stage.spec.needs_mapping:
        return _("Decide and map to a sub kegiatan")
    if task == "putuskan" and stage.kind == "penganggaran":
        return _("Record funded or not funded")
    return str(TASK_NAMES[task])


def _holder_label(user: User, stage: workflow.StageDef) -> str:
    if user.role == Role.OPERATOR.value:
        return unit_name(user.wilayah)
    if user.role == Role.OPERATOR_PD.value and user.perangkat_daerah is not None:
        return user.perangkat_daerah.nama
    if user.role == Role.DPRD.value:
        return user.nama
    return tenant_config().name


def _limits_and_blockers(part: StageDesk, siklus, cycle, stage, holder, counts, sent) -> None:
    """Quota and ceiling against what would go up; what still blocks sending, with its fix."""
    count, total = part.goes_up, int(counts.get((stage.key, "kirim_total"), 0))
    quota = stage.quota.for_holder(holder) if stage.quota else None
    ceiling = stage.ceiling.for_holder(holder) if stage.ceiling else None
    if stage.spec.limits and quota is not None:
        part.limits.append(Limit(_("Quota (proposals sent up)"), count, quota, False))
    if stage.spec.limits and ceiling is not None:
        part.limits.append(Limit(_("Ceiling (pagu)"), total, ceiling, True))
    if sent is not None:
        part.sent_at = local_text(sent.created_at.replace(tzinfo=timezone.utc), cycle.timezone)
        return
    if not stage.spec.sends or stage.next is None:
        return
    blockers = part.blockers
    for task in part.tasks:
        if not task.count:
            continue
        if not task.mine:  # the member's Pokir at Setwan or Bappeda: nothing to fix here
            blockers.append(Blocker(_("%(count)s proposals still wait for: %(task)s.", count=task.count,
                                      task=task.name), task.url, _("Show them")))
        elif task.key in ("putuskan", "periksa", "validasi"):
            blockers.append(Blocker(_("%(count)s proposals have no decision yet.", count=task.count),
                                    task.url, _("Decide them")))
        elif task.key == "survei":
            blockers.append(Blocker(_("%(count)s proposals have no finished site survey.", count=task.count),
                                    task.url, _("Finish the surveys")))
        elif task.key == "rute" and cycle.next_stage(stage.key).level.is_agency:
            blockers.append(Blocker(_("%(count)s proposals have no agency yet.", count=task.count),
                                    task.url, _("Route them")))
    up_url = _list_url(siklus, stage.key, tugas="kirim")
    fit_url = url_for("ranking.index") if stage.kind == "musrenbang_kecamatan" else up_url
    for limit in part.limits:
        if limit.over:
            text = (_("%(count)s proposals would go up; the quota is %(quota)s.", count=limit.used, quota=limit.limit)
                    if not limit.money else
                    _("What would go up exceeds the ceiling (pagu) by %(excess)s.",
                      excess=_rupiah(limit.used - limit.limit)))
            blockers.append(Blocker(text, fit_url, _("Choose what goes up")))
    if stage.spec.needs_meeting:
        from ..rapat.operations import send_blockers

        for sentence in send_blockers(siklus, stage.key, holder):
            blockers.append(Blocker(sentence, url_for("rapat.index", siklus=siklus.id),
                                    _("Open the meeting page")))
    part.can_send = not blockers and part.window.state == "open"


def _rupiah(value: int) -> str:
    from ..money import format_rupiah

    return format_rupiah(value)


def _outcomes(desk: Desk, siklus, cycle, stage, scope) -> None:
    """Per later stage, the holder's proposals by status; the latest rejections with reasons."""
    later = [s.key for s in cycle.stages[cycle.position(stage.key) + 1:]]
    if not later:
        return
    names = {s.key: s.name for s in cycle.stages}
    if stage.level.is_unit:  # what the unit sent: proposals entered at its stage or below it
        sources = {SOURCES[s.level.key] for s in cycle.stages[:cycle.position(stage.key) + 1]
                   if s.level.is_unit}
        scope = (*scope, Usulan.sumber.in_(sorted(sources)))
    rows = db.session.execute(select(Usulan.tahapan, Usulan.status, func.count()).where(
        *scope, Usulan.tahapan.in_(later)).group_by(Usulan.tahapan, Usulan.status)).all()
    by_stage: dict[str, list] = {}
    for key, status, count in rows:
        by_stage.setdefault(key, []).append((status_name(status), int(count),
                                             _list_url(siklus, key, status=status)))
    for key in later:
        if key in by_stage:
            desk.outcomes.append(Outcome(names[key], sorted(by_stage[key], key=lambda c: -c[1])))
    changes = db.session.execute(
        select(Usulan.id, Usulan.kode_lacak, Usulan.usulan_kegiatan, Keputusan.tahapan, Keputusan.keputusan,
               Keputusan.alasan)
        .join(Keputusan, Keputusan.usulan_id == Usulan.id)
        .where(*scope, Keputusan.tahapan.in_(later),
               Keputusan.keputusan.in_(("ditolak", "diterima_dengan_perubahan")))
        .order_by(Keputusan.id.desc()).limit(5)).all()
    desk.changes = [{"id": r[0], "kode": r[1], "kegiatan": r[2], "stage": names.get(r[3], r[3]),
                     "status": status_name(r[4]), "reason": r[5] or ""} for r in changes]


def _region(desk: Desk, siklus, cycle, now) -> None:
    """Every unit's and agency's progress against the schedule, late ones first: 2 grouped
    queries (open proposals per holder, sends per stage) plus the names of the listed few."""
    tz = cycle.timezone
    rows = db.session.execute(
        select(Usulan.tahapan, Usulan.lokasi_kode, Usulan.perangkat_daerah_id, Usulan.dprd_user_id,
               Usulan.status, func.count())
        .where(Usulan.tenant_id == siklus.tenant_id, Usulan.siklus_id == siklus.id,
               Usulan.tertutup.is_(False))
        .group_by(Usulan.tahapan, Usulan.lokasi_kode, Usulan.perangkat_daerah_id, Usulan.dprd_user_id,
                  Usulan.status)).all()
    sends = db.session.execute(select(Pengiriman.tahapan, Pengiriman.holder).where(
        Pengiriman.tenant_id == siklus.tenant_id, Pengiriman.siklus_id == siklus.id)).all()
    sent_by_stage: dict[str, set] = {}
    for key, holder in sends:
        sent_by_stage.setdefault(key, set()).add(holder)
    holders: dict[tuple[str, str], list[int]] = {}
    for key, code, agency, member, status, count in rows:
        stage = cycle.stage(key)
        if stage is None:
            continue
        undecided = count if status in stage.spec.pending or status in _pending(stage) else 0
        if stage.level.is_unit:
            try:
                holder = ancestor(code, stage.level.depth) if code else None
            except ValueError:
                holder = None
        elif stage.level.is_agency:
            holder = agency
        else:
            holder = member
        if holder is None:
            continue
        entry = holders.setdefault((key, str(holder)), [0, 0])
        entry[0] += int(count)
        entry[1] += int(undecided)
    from ..rapat.operations import progress

    meetings = {p["stage"].key: p for p in progress(siklus, cycle, true())}
    for stage in cycle.stages:
        if not stage.spec.sends or stage.next is None:
            continue
        done = len(sent_by_stage.get(stage.key, set()))
        closes = local_text(stage.closes.replace(tzinfo=tz), tz, closing=True)
        meeting = meetings.get(stage.key)
        if meeting is not None:
            desk.region.append(RegionStage(stage.name, meeting["units"], meeting["sent"], closes,
                                           meeting["recorded"],
                                           url_for("rapat.listing", siklus=siklus.id, tahapan=stage.key)))
            continue
        waiting = {h for (k, h) in holders if k == stage.key} - sent_by_stage.get(stage.key, set())
        desk.region.append(RegionStage(stage.name, done + len(waiting), done, closes,
                                       url=_list_url(siklus, stage.key)))
    late = []
    for (key, holder), (count, undecided) in holders.items():
        stage = cycle.stage(key)
        if not stage.spec.sends or stage.next is None or holder in sent_by_stage.get(key, set()):
            continue
        closes = effective_close(stage, cycle.extensions, _holder_value(holder)).replace(tzinfo=tz)
        state = "late" if now >= closes else "soon" if closes - now < timedelta(days=7) else "ontime"
        late.append((now < closes, closes, -undecided, key, holder, count, undecided, state))
    late.sort(key=lambda r: r[:3])
    late = late[:12]
    codes = {h for _o, _c, _u, k, h, *_ in late if cycle.stage(k).level.is_unit}
    agencies = {int(h) for _o, _c, _u, k, h, *_ in late if cycle.stage(k).level.is_agency}
    members = {int(h) for _o, _c, _u, k, h, *_ in late if cycle.stage(k).level.is_member}
    units = _units_by_code(codes)
    agency_names = dict(db.session.execute(select(PerangkatDaerah.id, PerangkatDaerah.nama).where(
        PerangkatDaerah.id.in_(agencies))).all()) if agencies else {}
    member_names = dict(db.session.execute(select(User.id, User.nama).where(
        User.id.in_(members))).all()) if members else {}
    for _open, closes, _u, key, holder, count, undecided, state in late:
        stage = cycle.stage(key)
        if stage.level.is_unit:
            name, url = unit_name(units.get(holder)), _list_url(siklus, key, wilayah=holder)
        elif stage.level.is_agency:
            name, url = agency_names.get(int(holder), "—"), _list_url(siklus, key, pd=holder)
        else:
            name, url = member_names.get(int(holder), "—"), _list_url(siklus, key)
        desk.late.append(RegionRow(stage.name, name, count, undecided, local_text(closes, tz, closing=True),
                                   state, url))


def _holder_value(holder: str):
    return int(holder) if holder.isdecimal() else holder
