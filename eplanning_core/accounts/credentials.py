"""Ending sessions when an account's credentials or rights change, and changing one's own
password: each one transaction with its history entry (callers of the helpers commit)."""

from __future__ import annotations

from dataclasses import dataclass, field

from blinker import Namespace
from flask_babel import gettext as _

from ..audit.operations import record
from ..extensions import db
from ..timeutil import utcnow
from . import passwords, sessions
from .events import event, user_event
from .models import User

#: Sent with an account whose sessions end for a change of its credentials or rights; a
#: package that issues credentials of its own (the API's tokens) ends them and returns how
#: many. So accounts needs not know the packages built on it.
access_ended = Namespace().signal("access-ended")

#: Changing any of these changes what the account may see or do.
PRIVILEGE_FIELDS = {"role", "wilayah_id", "perangkat_daerah_id", "dapil"}


@dataclass
class Outcome:
    ok: bool
    errors: dict[str, str] = field(default_factory=dict)


def _reason(user: User, changes: dict) -> str | None:
    if "aktif" in changes and not user.aktif:
        return "disabled"
    if "password" in changes:
        return "password"
    if PRIVILEGE_FIELDS & set(changes):
        return "role"
    return None


def _keep_id(user: User):
    """The session making the change stays open when it is the account's own."""
    this = sessions.current()
    return this.id if this is not None and this.user_id == user.id else None


def revoke_user_tokens(user: User) -> int:
    """The account's other credentials stop working too: every receiver of :data:`access_ended`
    (the API's own tokens, api/tokens.py) ends its own and says how many."""
    return sum(count or 0 for _receiver, count in access_ended.send(user))


def end_sessions_after_change(user: User, actor, changes: dict) -> int:
    """Disabled, new password, other role or scope: every other session of ``user`` ends."""
    reason = _reason(user, changes)
    if reason is None:
        return 0
    count = sessions.store().end_all(user.tenant_id, user.id, reason, utcnow(), keep_id=_keep_id(user))
    tokens = revoke_user_tokens(user)
    event("session.end_all", user=user, actor=actor, audit=bool(count or tokens),
          reason=f"{reason}: {count} session(s), {tokens} token(s)", sessions=count, tokens=tokens)
    return count


def end_sessions_by_admin(user: User, admin, record_id=None) -> int:
    """An administrator ends one session of ``user`` (or all of them with ``record_id=None``)."""
    now, store = utcnow(), sessions.store()
    if record_id is None:
        count = store.end_all(user.tenant_id, user.id, "admin", now)
    else:
        found = store.get(user.tenant_id, user.id, record_id)
        count = 1 if found is not None and store.end(found, "admin", now) else 0
    if count:
        event("session.end_by_admin", user=user, actor=admin, reason=f"{count} session(s)",
              sessions=count, by=getattr(admin, "username", None))
    db.session.commit()
    return count


def change_own_password(user: User, current: str, new: str) -> Outcome:
    """The signed-in person's new password; every other session of theirs ends."""
    if not user.check_password(current):
        return Outcome(False, {"current_password": _("Wrong password.")})
    refused = passwords.problem(new, user.username, passwords.region_name())
    if refused is None and user.check_password(new):
        refused = _("The new password must differ from the current one.")
    if refused:
        return Outcome(False, {"password": refused})
    user.set_password(new)
    user.version += 1
    user.harus_ganti_sandi = False  # a temporary password is replaced by one's own
    this = sessions.current()
    if this is not None:
        sessions.store().reauthenticated(this, utcnow())
    record(tenant_id=user.tenant_id, actor=user, action="user.password", obj=user,
           changes={"password": ["***", "***"]}, reason="changed by the account holder")
    user_event("auth.password_changed", user, audit=False)
    end_sessions_after_change(user, user, {"password": ["***", "***"]})
    db.session.commit()
    return Outcome(True)


def reset_password(user: User, new: str, actor=None) -> Outcome:
    """A password set for someone (``eplanning users set-password``): the policy applies, and
    every session and API token of the account ends."""
    refused = passwords.problem(new, user.username, passwords.region_name())
    if refused:
        return Outcome(False, {"password": refused})
    user.set_password(new)
    user.version += 1
    record(tenant_id=user.tenant_id, actor=actor, action="user.password", obj=user,
           changes={"password": ["***", "***"]}, reason="password reset (command line)")
    event("auth.password_changed", user=user, actor=actor, audit=False)
    end_sessions_after_change(user, actor, {"password": ["***", "***"]})
    db.session.commit()
    return Outcome(True)
