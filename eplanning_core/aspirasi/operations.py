"""Every change of an aspiration: a citizen submits and confirms it; the unit's operator
turns it into a proposal (through usulan/operations.py's ``create``, the one path), merges it
into one, declines it with a reason or marks it as spam. Each change is one transaction with
its history entry (never the contact: personal data stays out of the hash-chained history).

Abuse is expected: a rate limit per client address and per contact (the app's limiter,
EPLANNING_ASPIRASI_LIMIT_*; only submissions that would be stored count), texts and photos
with limits (uploads.py re-encodes photos), and, where the region sends mail, a confirmation
code to an email contact before operators see the aspiration.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from types import SimpleNamespace

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, func, or_, select

from ..accounts.models import Role, User
from ..audit.operations import record
from ..extensions import db
from ..notifications import mail
from ..siklus.current import current_cycle
from ..tenancy.context import current_tenant_id, tenant_config
from ..textinput import problem as control_problem
from ..timeutil import utcnow
from ..usulan.content import coordinates
from ..usulan.models import Usulan
from ..wilayah.models import Wilayah
from .models import Aspirasi, AspirasiFoto, Pengikut

TEXT_LIMITS = {"permasalahan": (10, 2000), "usulan_kegiatan": (10, 2000), "jalan": (0, 200),
               "nama": (0, 120)}
MULTILINE = {"permasalahan", "usulan_kegiatan"}
_EMAIL = (r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?"
          r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?)+")
_PHONE = r"\+?[0-9][0-9 \-]{7,18}[0-9]"
#: A contact as typed (the API's document states the same pattern).
CONTACT_PATTERN = rf"^({_EMAIL}|{_PHONE})$"
EMAIL, PHONE = re.compile(rf"^{_EMAIL}$"), re.compile(rf"^{_PHONE}$")
MAX_PHOTOS = 3
#: Wrong confirmation codes an hour, per aspiration.
MAX_CODE_TRIES = 5
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
#: Who the history names for a citizen's own change (no account, no name).
CITIZEN = SimpleNamespace(id=None, nama="Warga (e-Aspirasi)")
#: session.info: the aspiration a proposal being created comes from (see :func:`propose`).
LINK = "eplanning.aspirasi.link"
ACTIONS = ("usulkan", "gabung", "tolak", "spam")


@dataclass
class Outcome:
    ok: bool
    aspirasi: Aspirasi | None = None
    errors: dict[str, str] = field(default_factory=dict)
    #: a sentence for the whole request (closed, rate-limited, mail down ...)
    message: str | None = None
    #: HTTP status for a refusal: 403 closed, 409 not possible now, 422 fields, 429 too many, 503 mail
    status: int = 200
    usulan: Usulan | None = None


# ---- is e-Aspirasi open -----------------------------------------------------------------------

def closed_message(today=None) -> str | None:
    """None while the region takes aspirations; else why not, in the user's language."""
    config = tenant_config()
    if not config.aspirasi_open:
        return _("This region does not take aspirations online. Bring your proposal to your "
                 "neighbourhood's Rembuk Warga.")
    if today is None:
        from ..usulan.engine_adapter import now_utc
        from zoneinfo import ZoneInfo

        today = now_utc().astimezone(ZoneInfo(config.timezone)).date()
    opens, closes = config.aspirasi_opens, config.aspirasi_closes
    if opens and today < opens:
        return _("e-Aspirasi opens on %(date)s.", date=opens.strftime("%d-%m-%Y"))
    if closes and today > closes:
        return _("e-Aspirasi closed on %(date)s. Bring your proposal to your neighbourhood's "
                 "Rembuk Warga.", date=closes.strftime("%d-%m-%Y"))
    return None


# ---- units ----------------------------------------------------------------------------------------

def lowest_level(tenant_id: int) -> int:
    """The region's lowest level that has units (lingkungan, dusun, jorong; else the villages)."""
    return db.session.scalar(select(func.max(Wilayah.tingkat)).where(Wilayah.tenant_id == tenant_id)) or 0


def lowest_unit(tenant_id: int, value) -> Wilayah | None:
    from ..ids import parse_id

    unit = db.session.scalar(select(Wilayah).where(Wilayah.tenant_id == tenant_id,
                                                   Wilayah.id == (parse_id(value) or 0)))
    return unit if unit is not None and unit.tingkat == lowest_level(tenant_id) else None


# ---- rate limits ---------------------------------------------------------------------------------

def _limit(setting: str, fallback: str):
    from limits import parse_many

    try:
        return parse_many(current_app.config.get(setting) or fallback)[0]
    except (ValueError, IndexError):
        return parse_many(fallback)[0]


def rate_limited(tenant_id: int, address: str, contact: str | None, kind: str) -> str | None:
    """Count one request of ``address`` (and ``contact``); a message when over a limit."""
    from ..accounts.throttle import EXTENSION

    limiter = current_app.extensions.get(EXTENSION)
    if limiter is None or not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    checks = [(_limit("ASPIRASI_LIMIT_ADDRESS", "5 per hour"), f"aspirasi:{tenant_id}:a:{address}")]
    if contact:
        digest = hashlib.sha256(contact.lower().encode()).hexdigest()[:32]
        checks.append((_limit("ASPIRASI_LIMIT_CONTACT", "3 per day"), f"aspirasi:{tenant_id}:c:{digest}"))
    for item, key in checks:
        if not limiter.limiter.test(item, kind, key):
            return _("Too many submissions from you in a short time. Nothing was saved; please try "
                     "again later.")
    for item, key in checks:
        limiter.limiter.hit(item, kind, key)
    return None


# ---- checking what a citizen typed ---------------------------------------------------------------

def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def normalise_contact(raw) -> tuple[str | None, str | None]:
    """(contact, 'email' or 'telepon'), or (None, None) when it is neither."""
    text = _text(raw)
    if EMAIL.match(text) and len(text) <= 254:
        return text.lower(), "email"
    if PHONE.match(text):
        digits = re.sub(r"[ \-]", "", text)
        return digits, "telepon"
    return None, None


def clean_submission(values: dict, tenant_id: int) -> tuple[dict, dict[str, str]]:
    clean, errors = {}, {}
    for name, (low, high) in TEXT_LIMITS.items():
        raw = values.get(name)
        if raw is not None and not isinstance(raw, str):
            errors[name] = _("Text.")
            continue
        text = _text(raw)
        bad = control_problem(text, multiline=name in MULTILINE)
        if bad:
            errors[name] = bad
        elif len(text) < low:
            errors[name] = _("This field is required.") if not text else \
                _("Write at least %(n)s characters.", n=low)
        elif len(text) > high:
            errors[name] = _("Write at most %(n)s characters.", n=high)
        clean[name] = text or None
    contact, kind = normalise_contact(values.get("kontak"))
    if contact is None:
        errors["kontak"] = _("A phone number (for example 0812 3456 7890) or an email address.")
    clean["kontak"], clean["kontak_jenis"] = contact, kind
    unit = lowest_unit(tenant_id, values.get("wilayah_id"))
    if unit is None:
        errors["wilayah_id"] = _("Choose your %(level)s.", level=tenant_config().level_name(
            max(1, lowest_level(tenant_id))).lower())
    clean["wilayah"] = unit
    clean["lat"], clean["lng"], problem = coordinates(_text(str(values.get("lat") or "")),
                                                      _text(str(values.get("lng") or "")))
    if problem:
        errors["lat"] = problem
    return clean, errors


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _n in range(8))
    return f"ASP-{raw[:4]}-{raw[4:]}"


def normalise_code(raw) -> str | None:
    text = re.sub(r"[^A-Za-z0-9]", "", _text(raw)).upper()
    if text.startswith("ASP"):
        text = text[3:]
    if len(text) != 8 or any(ch not in CODE_ALPHABET for ch in text):
        return None
    return f"ASP-{text[:4]}-{text[4:]}"


def find(tenant_id: int, raw_code) -> Aspirasi | None:
    code = normalise_code(raw_code)
    if code is None:
        return None
    return db.session.scalar(select(Aspirasi).where(Aspirasi.tenant_id == tenant_id, Aspirasi.kode == code))


def _code_hash(aspirasi_id: int, code: str) -> str:
    key = str(current_app.secret_key or "").encode()
    return hmac.new(key, f"aspirasi:{aspirasi_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _history(aspirasi: Aspirasi, actor, action: str, changes: dict, reason: str | None = None) -> None:
    record(tenant_id=aspirasi.tenant_id, actor=actor, action=f"aspirasi.{action}", obj=aspirasi,
           changes=changes, reason=reason)


# ---- a citizen submits and confirms ----------------------------------------------------------

def submit(values: dict, photos: list, address: str) -> Outcome:
    """A citizen's aspiration: checked, rate-limited, stored with its photos, in one transaction.

    ``photos``: werkzeug FileStorage objects (empty ones are ignored). Where the region sends
    mail and the contact is an email address, a confirmation code is mailed and the aspiration
    waits for it; otherwise it goes to the unit's inbox at once, marked unconfirmed.
    """
    from ..uploads import UploadRefused, delete_stored, refusal_message, store_upload

    tenant_id = current_tenant_id()
    closed = closed_message()
    if closed:
        return Outcome(False, message=closed, status=403)
    clean, errors = clean_submission(values, tenant_id)
    photos = [p for p in photos if p is not None and getattr(p, "filename", "")]
    if len(photos) > MAX_PHOTOS:
        errors["foto"] = _("At most %(n)s photos.", n=MAX_PHOTOS)
    if errors:
        return Outcome(False, errors=errors, message=_("Some fields are not valid."), status=422)
    limited = rate_limited(tenant_id, address, clean["kontak"], "aspirasi")
    if limited:
        return Outcome(False, message=limited, status=429)
    stored = []
    try:
        for photo in photos:
            stored.append(store_upload(photo, tenant_id=tenant_id, allowed=("image",)))
    except UploadRefused as refused:
        for item in stored:
            delete_stored(tenant_id, item.nama_simpan)
        return Outcome(False, errors={"foto": refusal_message(refused)},
                       message=_("Some fields are not valid."), status=422)
    unit = clean["wilayah"]
    confirm = clean["kontak_jenis"] == "email" and mail.configured()
    try:
        aspirasi = Aspirasi(tenant_id=tenant_id, kode=new_code(), wilayah_id=unit.id, wilayah_kode=unit.kode,
                            permasalahan=clean["permasalahan"], usulan_kegiatan=clean["usulan_kegiatan"],
                            jalan=clean["jalan"], lat=clean["lat"], lng=clean["lng"], nama=clean["nama"],
                            kontak=clean["kontak"], kontak_jenis=clean["kontak_jenis"], terkonfirmasi=False,
                            status="menunggu_konfirmasi" if confirm else "masuk")
        db.session.add(aspirasi)
        db.session.flush()
        for item in stored:
            db.session.add(AspirasiFoto(tenant_id=tenant_id, aspirasi_id=aspirasi.id, nama_asli=item.nama_asli,
                                        nama_simpan=item.nama_simpan, mime=item.mime, ukuran=item.ukuran,
                                        sha256=item.sha256))
        _history(aspirasi, CITIZEN, "masuk", {"status": [None, aspirasi.status],
                                              "wilayah": [None, unit.kode], "foto": [None, len(stored)]})
        if confirm:
            code = f"{secrets.randbelow(10**6):06d}"
            aspirasi.konfirmasi_hash = _code_hash(aspirasi.id, code)
            db.session.flush()
            from .texts import confirmation_code

            mail.send_each([confirmation_code(aspirasi, code)])
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        for item in stored:
            delete_stored(tenant_id, item.nama_simpan)
        if isinstance(exc, OSError) or exc.__class__.__module__.startswith("smtplib"):
            current_app.logger.warning("aspirasi: confirmation code not sent: %s", exc)
            return Outcome(False, message=_("The confirmation code could not be sent to your email "
                                            "address. Nothing was saved; please try again later."),
                           status=503)
        raise
    return Outcome(True, aspirasi, status=201)


def confirm(aspirasi: Aspirasi, code) -> Outcome:
    """The code mailed to the contact: the aspiration goes to the unit's inbox. Wrong codes
    are counted by the limiter (MAX_CODE_TRIES an hour per aspiration), never in a row."""
    from limits import parse

    from ..accounts.throttle import EXTENSION

    if aspirasi.status != "menunggu_konfirmasi" or not aspirasi.konfirmasi_hash:
        return Outcome(False, aspirasi, message=_("This aspiration needs no confirmation."), status=409)
    limiter = current_app.extensions.get(EXTENSION)
    tries, key = parse(f"{MAX_CODE_TRIES} per hour"), f"aspirasi-kode:{aspirasi.tenant_id}:{aspirasi.id}"
    counting = limiter is not None and current_app.config.get("RATELIMIT_ENABLED", True)
    if counting and not limiter.limiter.test(tries, key):
        return Outcome(False, aspirasi, message=_("Too many wrong codes. Wait an hour, or send your "
                                                  "aspiration again."), status=429)
    text = re.sub(r"\s", "", code if isinstance(code, str) else "")
    if not (text.isdigit() and len(text) == 6 and hmac.compare_digest(
            _code_hash(aspirasi.id, text), aspirasi.konfirmasi_hash)):
        if counting:
            limiter.limiter.hit(tries, key)
        return Outcome(False, aspirasi, errors={"kode": _("This is not the code we sent.")},
                       message=_("This is not the code we sent."), status=422)
    aspirasi.status, aspirasi.terkonfirmasi, aspirasi.konfirmasi_hash = "masuk", True, None
    _history(aspirasi, CITIZEN, "konfirmasi", {"status": ["menunggu_konfirmasi", "masuk"]})
    db.session.commit()
    return Outcome(True, aspirasi)


# ---- what an operator sees and does --------------------------------------------------------------

def may_act(user: User, aspirasi: Aspirasi) -> bool:
    """The operators of the aspiration's unit and of the units above it."""
    if user.role != Role.OPERATOR.value or user.wilayah is None:
        return False
    code = user.wilayah.kode
    return aspirasi.wilayah_kode == code or aspirasi.wilayah_kode.startswith(code + ".")


def visible_clause(user: User):
    """The aspirations a user reads: Bappeda and viewers the region's, operators their subtree;
    never one still waiting for its confirmation code."""
    base = [Aspirasi.tenant_id == user.tenant_id, Aspirasi.status != "menunggu_konfirmasi"]
    if user.role in (Role.BAPPEDA.value, Role.VIEWER.value):
        return base
    if user.role == Role.OPERATOR.value and user.wilayah is not None:
        code = user.wilayah.kode
        return base + [or_(Aspirasi.wilayah_kode == code,
                           Aspirasi.wilayah_kode.startswith(code + ".", autoescape=True))]
    return base + [Aspirasi.id.is_(None)]


def may_read(user: User) -> bool:
    return user.role in (Role.BAPPEDA.value, Role.VIEWER.value) or (
        user.role == Role.OPERATOR.value and user.wilayah is not None)


def get_visible(user: User, aspirasi_id: int) -> Aspirasi | None:
    return db.session.scalar(select(Aspirasi).where(Aspirasi.id == aspirasi_id, *visible_clause(user)))


def _not_open(aspirasi: Aspirasi) -> Outcome | None:
    if aspirasi.status != "masuk":
        return Outcome(False, aspirasi, message=_("This aspiration has already been handled."), status=409)
    return None


def _decided(aspirasi: Aspirasi, user: User, status: str, *, usulan_id=None, reason=None) -> None:
    old = aspirasi.status
    aspirasi.status, aspirasi.oleh_id, aspirasi.ditindaklanjuti_at = status, user.id, utcnow()
    aspirasi.usulan_id, aspirasi.alasan = usulan_id, reason
    _history(aspirasi, user, status, {"status": [old, status], "usulan_id": [None, usulan_id]}, reason)


def _follow_automatically(aspirasi: Aspirasi, usulan_id: int) -> None:
    """The proposer's own confirmed email follows the proposal from now on."""
    if aspirasi.kontak_jenis != "email" or not aspirasi.terkonfirmasi:
        return
    from .follows import follow_now

    follow_now(aspirasi.tenant_id, usulan_id, aspirasi.kontak, aspirasi_id=aspirasi.id)


def creatable_stages(user: User) -> list:
    """Stages where ``user`` may enter proposals now (window and role), as the entry form."""
    from .. import workflow
    from ..usulan.engine_adapter import actor_for, cycle_for, now_utc

    siklus = current_cycle()
    if siklus is None:
        return []
    cycle, actor, now = cycle_for(siklus), actor_for(user), now_utc()
    out = []
    for stage in cycle.stages:
        if actor.role not in stage.creators:
            continue
        unit = user.wilayah.kode if user.wilayah else None
        refusal = workflow.check_create(cycle, stage.key, actor, now, unit_code=unit)
        if refusal is None or refusal.rule in ("missing_field", "invalid_input"):
            out.append(stage)
    return out


def propose(aspirasi: Aspirasi, user: User, stage_key: str, values: dict) -> Outcome:
    """Turn the aspiration into a proposal at ``stage_key`` through ``usulan.operations.create``.

    The operator's ``values`` (bidang, volume, satuan, harga_satuan, and the texts, which start
    as the citizen's words) become the proposal; the aspiration keeps the citizen's own words
    unchanged and its link to the proposal, written in the proposal's own transaction.
    """
    from ..usulan import operations as usulan_ops
    from ..usulan.engine_adapter import cycle_for
    from ..usulan.explain import explain

    if not may_act(user, aspirasi):
        return Outcome(False, aspirasi, message=_("You may not do this."), status=403)
    refused = _not_open(aspirasi)
    if refused:
        return refused
    siklus = current_cycle()
    if siklus is None:
        return Outcome(False, aspirasi, message=_("No planning cycle is open."), status=409)
    stages = creatable_stages(user)
    if not stages:
        return Outcome(False, aspirasi, message=_("No stage lets you enter proposals now."), status=409)
    if stage_key not in {s.key for s in stages}:
        message = _("Choose one of: %(stages)s.", stages=", ".join(s.name for s in stages))
        return Outcome(False, aspirasi, errors={"tahapan": message}, message=message, status=409)
    content = {name: values.get(name) for name in ("bidang", "volume", "satuan", "harga_satuan",
                                                   "kamus_id")}
    content.update(
        permasalahan=values.get("permasalahan") or aspirasi.permasalahan,
        usulan_kegiatan=values.get("usulan_kegiatan") or aspirasi.usulan_kegiatan,
        lokasi_wilayah_id=aspirasi.wilayah_id, jalan=aspirasi.jalan, lat=aspirasi.lat, lng=aspirasi.lng,
        pengusul_nama=aspirasi.nama,
        pengusul_telepon=aspirasi.kontak if aspirasi.kontak_jenis == "telepon" else None)
    aspirasi_id = aspirasi.id
    session = db.session()
    session.info[LINK] = {"aspirasi_id": aspirasi_id, "user": user, "usulan": None}
    try:
        outcome = usulan_ops.create(siklus, stage_key, user, content)
    finally:
        session.info.pop(LINK, None)
    current = db.session.get(Aspirasi, aspirasi_id)
    if outcome.errors:
        return Outcome(False, current, errors=outcome.errors, message=_("Some fields are not valid."),
                       status=422)
    if outcome.refusal:
        return Outcome(False, current, message=explain(outcome.refusal, cycle_for(siklus), stage_key),
                       status=409)
    return Outcome(True, current, usulan=outcome.usulan)


def _after_flush(session, _context) -> None:
    link = session.info.get(LINK)
    if link is not None and link["usulan"] is None:
        link["usulan"] = next((obj for obj in session.new if isinstance(obj, Usulan)), None)


def _before_commit(session) -> None:
    """The proposal just created from an aspiration: link it, in the proposal's transaction."""
    link = session.info.pop(LINK, None)
    if not link or link["usulan"] is None:
        return
    aspirasi = session.get(Aspirasi, link["aspirasi_id"])
    usulan_id = link["usulan"].id
    _decided(aspirasi, link["user"], "diusulkan", usulan_id=usulan_id)
    _follow_automatically(aspirasi, usulan_id)


def init_listeners() -> None:
    for name, listener in (("after_flush", _after_flush), ("before_commit", _before_commit)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def merge(aspirasi: Aspirasi, user: User, kode_lacak) -> Outcome:
    """Merge into an existing proposal the operator can see (by its tracking code)."""
    from ..portal.queries import normalise_code as proposal_code
    from ..usulan.scope import scoped_usulan

    if not may_act(user, aspirasi):
        return Outcome(False, aspirasi, message=_("You may not do this."), status=403)
    refused = _not_open(aspirasi)
    if refused:
        return refused
    code = proposal_code(kode_lacak if isinstance(kode_lacak, str) else "")
    usulan = db.session.scalar(scoped_usulan(user).where(Usulan.kode_lacak == code)) if code else None
    if usulan is None:
        return Outcome(False, aspirasi, errors={"kode_lacak": _("No proposal you can see has this tracking code.")},
                       message=_("Some fields are not valid."), status=422)
    _decided(aspirasi, user, "digabung", usulan_id=usulan.id)
    _follow_automatically(aspirasi, usulan.id)
    db.session.commit()
    return Outcome(True, aspirasi, usulan=usulan)


def decline(aspirasi: Aspirasi, user: User, reason, *, spam: bool = False) -> Outcome:
    """Decline with a reason the citizen reads, or mark as spam (no reason shown)."""
    if not may_act(user, aspirasi):
        return Outcome(False, aspirasi, message=_("You may not do this."), status=403)
    refused = _not_open(aspirasi)
    if refused:
        return refused
    text = _text(reason)
    if not spam:
        bad = control_problem(text, multiline=True)
        if bad or len(text) < 5 or len(text) > 1000:
            message = bad or (_("Write at most %(n)s characters.", n=1000) if len(text) > 1000
                              else _("Give the reason the citizen will read (at least 5 characters)."))
            return Outcome(False, aspirasi, errors={"alasan": message}, message=message, status=422)
    _decided(aspirasi, user, "spam" if spam else "ditolak", reason=None if spam else text)
    db.session.commit()
    return Outcome(True, aspirasi)


def follow_up(aspirasi: Aspirasi, user: User, action: str, values: dict) -> Outcome:
    """One of ACTIONS, as the inbox's forms and the API ask for it."""
    if action == "usulkan":
        return propose(aspirasi, user, _text(values.get("tahapan")), values)
    if action == "gabung":
        return merge(aspirasi, user, values.get("kode_lacak"))
    if action in ("tolak", "spam"):
        return decline(aspirasi, user, values.get("alasan"), spam=action == "spam")
    return Outcome(False, aspirasi, errors={"tindakan": _("Choose one of: make a proposal, merge, decline, spam.")},
                   message=_("Some fields are not valid."), status=422)
