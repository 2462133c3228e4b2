"""Creating and changing users and agencies: each one transaction with its history entry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit.operations import diff, record
from ..conflicts import claim_version
from ..extensions import db
from ..wilayah.models import Wilayah
from . import passwords
from .credentials import end_sessions_after_change
from .models import PerangkatDaerah, Role, User

USER_FIELDS = ["username", "nama", "email", "role", "wilayah_id", "perangkat_daerah_id", "dapil", "aktif"]
PD_FIELDS = ["kode", "nama", "singkatan", "aktif"]


@dataclass
class Outcome:
    ok: bool
    obj: object = None
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message
    message: str = ""


STALE = "stale"
#: The same rule as the web form's (forms.USERNAME), so the CLI cannot create what the form refuses.
USERNAME_PATTERN = re.compile(r"^[a-z0-9._-]{3,60}$")


def _scope_errors(tenant_id: int, values: dict, dapil_codes: set[str]) -> dict[str, str]:
    """The role decides which one scope field is required; the others are cleared."""
    role = values["role"]
    errors = {}
    if role not in {r.value for r in Role}:
        return {"role": _("Choose a role.")}
    kode = (values.pop("wilayah_kode", None) or "").strip()
    if role == Role.OPERATOR.value:
        unit = db.session.scalar(select(Wilayah).where(Wilayah.tenant_id == tenant_id,
                                                       Wilayah.kode == kode)) if kode else None
        if unit is None and kode:
            errors["wilayah_kode"] = _("No unit with code %(code)s in this region.", code=kode)
        elif unit is None:
            errors["wilayah_kode"] = _("A unit operator needs a unit of this region: type its name and choose it.")
        values["wilayah_id"] = unit.id if unit else None
    else:
        values["wilayah_id"] = None
    if role == Role.OPERATOR_PD.value:
        from ..ids import parse_id

        pd_id = parse_id(values.get("perangkat_daerah_id")) or 0  # beyond a database integer: none
        values["perangkat_daerah_id"] = pd_id or None
        pd = db.session.get(PerangkatDaerah, pd_id) if pd_id else None
        if pd is None or pd.tenant_id != tenant_id:
            errors["perangkat_daerah_id"] = _("An agency operator needs an agency of this region.")
    else:
        values["perangkat_daerah_id"] = None
    if role == Role.DPRD.value:
        if values.get("dapil") not in dapil_codes:
            errors["dapil"] = _("A DPRD member needs one of the region's dapil.")
    else:
        values["dapil"] = None
    return errors


def _username_taken(tenant_id: int, username: str, except_id: int | None = None) -> bool:
    query = select(User.id).where(User.tenant_id == tenant_id,
                                  func.lower(User.username) == username.lower())
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(query) is not None


def save_user(tenant_id: int, actor, values: dict, dapil_codes: set[str], *, user: User | None = None,
              password: str | None = None, expected_version=None) -> Outcome:
    values = dict(values)
    values["username"] = values["username"].strip().lower()
    values["email"] = (values.get("email") or "").strip() or None
    errors = _scope_errors(tenant_id, values, dapil_codes)
    if not USERNAME_PATTERN.match(values["username"]):
        errors["username"] = _("3-60 characters: lower-case letters, digits, '.', '_' or '-'.")
    if _username_taken(tenant_id, values["username"], user.id if user else None):
        errors["username"] = _("This username is already taken.")
    if user is None and not password:
        errors["password"] = _("A new account needs a password.")
    if password:
        refused = passwords.problem(password, values["username"], passwords.region_name())
        if refused:
            errors["password"] = refused
    if user is not None and str(user.version) != str(expected_version):
        return Outcome(False, user, {}, STALE)
    if user is not None and user.id == getattr(actor, "id", None) and (
            values["role"] != Role.BAPPEDA.value or not values["aktif"]):
        errors["role"] = _("You cannot remove your own administrator rights or disable yourself.")
    if errors:
        return Outcome(False, user, errors)
    if user is None:
        user = User(tenant_id=tenant_id, **values)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        record(tenant_id=tenant_id, actor=actor, action="user.create", obj=user,
               changes={k: [None, v] for k, v in values.items()})
    else:
        changes = diff(user, USER_FIELDS, values)
        if (changes or password) and not claim_version(user, expected_version):
            db.session.rollback()                          # a concurrent save came first
            return Outcome(False, user, {}, STALE)
        for key, value in values.items():
            setattr(user, key, value)
        if password:
            user.set_password(password)
            changes["password"] = ["***", "***"]  # dropped by record(); marks the reset below
        if changes:
            action = "user.password" if set(changes) == {"password"} else "user.update"
            record(tenant_id=tenant_id, actor=actor, action=action, obj=user,
                   changes=changes, reason=_("password reset") if password else None)
            end_sessions_after_change(user, actor, changes)
    db.session.commit()
    return Outcome(True, user)


def save_perangkat_daerah(tenant_id: int, actor, values: dict, *, pd: PerangkatDaerah | None = None,
                          expected_version=None) -> Outcome:
    values = dict(values)
    values["kode"] = values["kode"].strip()
    values["singkatan"] = (values.get("singkatan") or "").strip() or None
    if pd is not None and str(pd.version) != str(expected_version):
        return Outcome(False, pd, {}, STALE)
    clash = select(PerangkatDaerah.id).where(PerangkatDaerah.tenant_id == tenant_id,
                                             PerangkatDaerah.kode == values["kode"])
    if pd is not None:
        clash = clash.where(PerangkatDaerah.id != pd.id)
    if db.session.scalar(clash) is not None:
        return Outcome(False, pd, {"kode": _("Another agency already has this code.")})
    if pd is None:
        pd = PerangkatDaerah(tenant_id=tenant_id, **values)
        db.session.add(pd)
        db.session.flush()
        record(tenant_id=tenant_id, actor=actor, action="perangkat_daerah.create", obj=pd,
               changes={k: [None, v] for k, v in values.items()})
    else:
        changes = diff(pd, PD_FIELDS, values)
        if changes:
            if not claim_version(pd, expected_version):     # a concurrent save came first
                db.session.rollback()
                return Outcome(False, pd, {}, STALE)
            for key, value in values.items():
                setattr(pd, key, value)
            record(tenant_id=tenant_id, actor=actor, action="perangkat_daerah.update", obj=pd,
                   changes=changes)
    db.session.commit()
    return Outcome(True, pd)
