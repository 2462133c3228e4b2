"""Following a proposal by email, without an account (issue 16, point 2).

- Anyone asks on a public proposal page; the address gets one message with a confirmation
  link (double opt-in) and follows only once it is opened. An aspiration's confirmed email
  contact follows the proposal it became part of automatically.
- Every change the one writer (usulan/transitions.py) records is sent on its signal
  ``TIMELINE_WRITTEN`` inside the change's transaction: the followers of the proposals
  concerned are read there, their messages are kept in the session and sent after the
  commit (nothing is sent for a change rolled back). One message per follower and commit.
- Every message carries a one-click unsubscribe link (a signed token, no login).
"""

from __future__ import annotations

import logging
from collections import defaultdict

from flask import current_app
from flask_babel import get_locale
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import event, select

from ..extensions import db
from ..notifications import mail
from ..timeutil import utcnow
from ..usulan.models import Usulan
from . import texts
from .models import Pengikut

log = logging.getLogger(__name__)
#: session.info: the messages of this transaction, sent after its commit.
OUTBOX = "eplanning.follows.outbox"
#: session.info: execution milestones (realisasi/) written in this transaction, told at its commit.
MILESTONES = "eplanning.follows.milestones"
#: The event of an execution milestone; its "stage" is the physical progress in percent.
MILESTONE = "realisasi"
#: Events a follower is told of: each decision, move, reopening and funding outcome.
TOLD = frozenset({"diterima", "diterima_dengan_perubahan", "ditolak", "dana_desa", "didanai", "tidak_didanai",
                  "periksa", "rute", "alihkan", "kirim", "tetapkan", "tidak_diteruskan", "buka_kembali",
                  MILESTONE})
CONFIRM_DAYS = 7
CHUNK = 2000


# ---- tokens ---------------------------------------------------------------------------------------

def _stop_serializer():
    return URLSafeSerializer(current_app.secret_key, salt="follow-stop")


def _confirm_serializer():
    return URLSafeTimedSerializer(current_app.secret_key, salt="follow-confirm")


def stop_token(pengikut: Pengikut | tuple) -> str:
    tenant_id, ident = (pengikut.tenant_id, pengikut.id) if isinstance(pengikut, Pengikut) else pengikut
    return _stop_serializer().dumps([tenant_id, ident])


def confirm_token(pengikut: Pengikut) -> str:
    return _confirm_serializer().dumps([pengikut.tenant_id, pengikut.id])


def _load(tenant_id: int, token, confirm: bool) -> Pengikut | None:
    if not isinstance(token, str) or len(token) > 300:
        return None
    try:
        value = (_confirm_serializer().loads(token, max_age=CONFIRM_DAYS * 86400) if confirm
                 else _stop_serializer().loads(token))
    except (BadSignature, SignatureExpired):
        return None
    if not (isinstance(value, list) and len(value) == 2 and value[0] == tenant_id and isinstance(value[1], int)):
        return None
    return db.session.scalar(select(Pengikut).where(Pengikut.tenant_id == tenant_id, Pengikut.id == value[1]))


def _links(tenant_id: int, pengikut_id: int, kode_lacak: str) -> tuple[str | None, str | None]:
    track = mail.site_url(f"/publik/lacak?kode={kode_lacak}")
    stop = mail.site_url(f"/publik/ikuti/berhenti?t={stop_token((tenant_id, pengikut_id))}")
    return track, stop


def _locale() -> str:
    return str(get_locale() or "id")


# ---- asking, confirming, stopping ---------------------------------------------------------------

def request_follow(usulan: Usulan, email: str) -> bool:
    """Send the confirmation link to ``email`` (a checked address); True when a message went.

    Whether the address already follows is never told: an active follower gets nothing new,
    anyone else the link. Raises the SMTP error (nothing is kept) when the server refuses.
    """
    row = db.session.scalar(select(Pengikut).where(Pengikut.tenant_id == usulan.tenant_id,
                                                   Pengikut.usulan_id == usulan.id, Pengikut.email == email))
    if row is not None and row.status == "aktif":
        return False
    if row is None:
        row = Pengikut(tenant_id=usulan.tenant_id, usulan_id=usulan.id, email=email, status="menunggu",
                       locale=_locale())
        db.session.add(row)
    else:
        row.status, row.locale = "menunggu", _locale()
    db.session.flush()
    confirm = mail.site_url(f"/publik/ikuti/konfirmasi?t={confirm_token(row)}")
    _track, stop = _links(usulan.tenant_id, row.id, usulan.kode_lacak)
    try:
        mail.send_each([texts.follow_confirmation(email, row.locale, usulan.kode_lacak, usulan.usulan_kegiatan,
                                                  confirm, stop)])
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return True


def confirm(tenant_id: int, token) -> Pengikut | None:
    row = _load(tenant_id, token, confirm=True)
    if row is None:
        return None
    if row.status != "aktif":
        row.status, row.confirmed_at, row.stopped_at = "aktif", utcnow(), None
        db.session.commit()
    return row


def stop(tenant_id: int, token) -> Pengikut | None:
    row = _load(tenant_id, token, confirm=False)
    if row is None:
        return None
    if row.status != "berhenti":
        row.status, row.stopped_at = "berhenti", utcnow()
        db.session.commit()
    return row


def follow_now(tenant_id: int, usulan_id: int, email: str, *, aspirasi_id: int | None = None) -> None:
    """An address that proved itself (an aspiration's confirmed contact) follows at once; told
    so after the commit. Not committed."""
    row = db.session.scalar(select(Pengikut).where(Pengikut.tenant_id == tenant_id,
                                                   Pengikut.usulan_id == usulan_id, Pengikut.email == email))
    if row is None:
        row = Pengikut(tenant_id=tenant_id, usulan_id=usulan_id, email=email, aspirasi_id=aspirasi_id,
                       locale=_locale())
        db.session.add(row)
    elif row.status == "aktif":
        return
    row.status, row.confirmed_at, row.stopped_at = "aktif", utcnow(), None
    db.session.flush()
    usulan = db.session.get(Usulan, usulan_id)
    track, stop_link = _links(tenant_id, row.id, usulan.kode_lacak)
    if track and stop_link:
        _queue([texts.now_following(email, row.locale, usulan.kode_lacak, usulan.usulan_kegiatan, track,
                                    stop_link)])


# ---- telling followers of each step -----------------------------------------------------------------

def _queue(messages: list) -> None:
    db.session().info.setdefault(OUTBOX, []).extend(messages)


def on_timeline(tenant_id, events=()) -> None:
    """TIMELINE_WRITTEN's receiver: the followers' messages of these changes, sent after commit."""
    from ..siklus.models import Siklus
    from ..usulan.engine_adapter import cycle_for

    if not mail.configured():
        return
    told = defaultdict(list)
    for usulan_id, kind, stage_key, reason in events:
        if kind in TOLD:
            told[usulan_id].append((kind, stage_key, reason))
    if not told:
        return
    ids = sorted(told)
    rows = []
    for start in range(0, len(ids), CHUNK):
        rows += db.session.execute(
            select(Pengikut.id, Pengikut.email, Pengikut.locale, Usulan.id, Usulan.kode_lacak,
                   Usulan.usulan_kegiatan, Usulan.siklus_id)
            .join(Usulan, Usulan.id == Pengikut.usulan_id)
            .where(Pengikut.tenant_id == tenant_id, Pengikut.status == "aktif",
                   Pengikut.usulan_id.in_(ids[start:start + CHUNK]))).all()
    if not rows:
        return
    names = {}
    messages = []
    for pengikut_id, email, locale, usulan_id, kode, kegiatan, siklus_id in rows:
        if siklus_id not in names:
            cycle = cycle_for(db.session.get(Siklus, siklus_id))
            names[siklus_id] = {s.key: s.name for s in cycle.stages}
        track, stop_link = _links(tenant_id, pengikut_id, kode)
        if not (track and stop_link):
            log.warning("follows: no site address known (SITE_URL); followers not told")
            return
        steps = [(kind, _progress(stage) if kind == MILESTONE else names[siklus_id].get(stage, stage), reason)
                 for kind, stage, reason in told[usulan_id]]
        messages.append(texts.update(email, locale, kode, kegiatan, steps, track, stop_link))
    _queue(messages)


def _progress(percent):
    from flask_babel import lazy_gettext

    return lazy_gettext("physical progress %(percent)s%%", percent=percent)


def _milestones_flushed(session, _context) -> None:
    """New execution milestones (realisasi/), noted for the commit: followers are told of each."""
    from ..realisasi.models import RealisasiTahap

    for obj in session.new:
        if isinstance(obj, RealisasiTahap):
            session.info.setdefault(MILESTONES, []).append((obj.tenant_id, obj.usulan_id, obj.progres, obj.catatan))


def _milestones_committing(session) -> None:
    noted = session.info.pop(MILESTONES, None)
    if not noted:
        return
    by_tenant = defaultdict(list)
    for tenant_id, usulan_id, progres, catatan in noted:
        by_tenant[tenant_id].append((usulan_id, MILESTONE, progres, catatan))
    for tenant_id, events in by_tenant.items():
        on_timeline(tenant_id, events)


def _after_commit(session) -> None:
    messages = session.info.pop(OUTBOX, None)
    if not messages or not mail.configured():
        return
    try:
        mail.send_each(messages)
    except Exception:  # the change stands; the followers miss this one message
        log.exception("follows: %d message(s) not sent", len(messages))


def init_listeners() -> None:
    from ..usulan.transitions import TIMELINE_WRITTEN

    TIMELINE_WRITTEN.connect(on_timeline)
    for name, listener in (("after_commit", _after_commit), ("after_soft_rollback", _after_rollback_soft),
                           ("after_flush", _milestones_flushed), ("before_commit", _milestones_committing)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def _after_rollback_soft(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(OUTBOX, None)
        session.info.pop(MILESTONES, None)
