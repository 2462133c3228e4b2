"""Login throttling (OWASP ASVS 5.0 V6.1.1, V6.3.1): slow password guessing down without
letting anyone lock a colleague out.

Only failures count, and none of them locks an account for good. Three counters, each with
a few free failures and then a wait that doubles with every further failure (capped):

``pair``     one username from one client: the client is the browser's trusted-device
             cookie for that username when it has one, else the address. This is what a
             guesser meets first (LOGIN_LIMIT_PAIR, e.g. 5 free failures).
``account``  one username from every untrusted client together: slows a guesser spread over
             many addresses (LOGIN_LIMIT_ACCOUNT, more free failures).
``address``  one address of one region, every username: slows spraying one password over
             many names (LOGIN_LIMIT_ADDRESS). Counted per region, so a brute force against one
             region's instance never holds up another region's people behind the same address.

During a wait every attempt of that counter is refused without checking the password (HTTP
429 with Retry-After and a message saying how long); after the wait the right password works
again. A browser in which the person logged in successfully before carries a signed
trusted-device cookie for that username: it meets only its own ``pair`` counter, so neither
an attacker elsewhere nor a colleague behind the same office address (one NAT) can make it
wait. The username counts as typed, known or not, so the answer never tells who exists.
Bappeda's administrator can clear an account's counters (admin.py, with a history entry).

Counters live in Redis when RATELIMIT_STORAGE_URI is redis:// (shared by every worker and
server), else in the memory of each worker process (throttle_store.py).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse_many

from . import throttle_store
from .throttle_store import Rule

EXTENSION = "eplanning.limiter"
STORE = "eplanning.login_throttle"
DEVICE_COOKIE = "eplanning_perangkat"
DEVICE_DAYS = 180
#: Usernames one browser is trusted for (the most recent logins).
DEVICE_NAMES = 5


def init_app(app) -> Limiter:
    """One Limiter and one counter store per app (tests build many apps)."""
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    limiter = Limiter(get_remote_address, app=app, storage_uri=uri, default_limits=[],
                      key_prefix="eplanning")
    app.extensions[EXTENSION] = limiter
    app.extensions[STORE] = throttle_store.store_for(
        uri, app.config.get("LOGIN_THROTTLE_PREFIX") or "eplanning:login")
    return limiter


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the refused attempt may be tried again

    @property
    def minutes(self) -> int:
        return max(1, -(-self.retry_after // 60))

    @property
    def message(self) -> str:
        """How long to wait, in the user's language."""
        if self.retry_after < 120:
            return ngettext("Too many failed attempts. For your security, wait %(num)d second, "
                            "then try again.",
                            "Too many failed attempts. For your security, wait %(num)d seconds, "
                            "then try again.", self.retry_after)
        return _("Too many failed attempts. For your security, wait %(minutes)s minutes and try again.",
                 minutes=self.minutes)


# ---- the rules and the keys -------------------------------------------------------------------

def _rule(setting: str, fallback: str) -> Rule:
    config = current_app.config
    try:
        limit = parse_many(config.get(setting) or fallback)[0]
    except (ValueError, IndexError):
        limit = parse_many(fallback)[0]
    return Rule(free=max(1, limit.amount), window=max(1, limit.get_expiry()),
                base=max(1, int(config.get("LOGIN_BACKOFF_SECONDS") or 30)),
                cap=max(1, int(config.get("LOGIN_BACKOFF_MAX_SECONDS") or 900)))


def _rules() -> dict[str, Rule]:
    return {"pair": _rule("LOGIN_LIMIT_PAIR", "5 per 15 minutes"),
            "account": _rule("LOGIN_LIMIT_ACCOUNT", "20 per hour"),
            "address": _rule("LOGIN_LIMIT_ADDRESS", "50 per hour")}


def _name(username: str) -> str:
    return (username or "").strip().lower()[:60]


def _index(tenant_id: int, username: str) -> str:
    return f"user|{tenant_id}|{_name(username)}"


def _keys(tenant_id: int, username: str) -> dict[str, str]:
    """The counters this attempt meets: a trusted browser only its own pair."""
    name, address = _name(username), client_address()
    device = trusted_device(tenant_id, name)
    if device:
        return {"pair": f"pair|{tenant_id}|d:{device}|{name}"}
    return {"pair": f"pair|{tenant_id}|a:{address}|{name}",
            "account": f"account|{tenant_id}|{name}",
            "address": f"address|{tenant_id}|{address}"}


def _store():
    store = current_app.extensions.get(STORE)
    if store is None or not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    return store


# ---- what the login views call -------------------------------------------------------------

def check(tenant_id: int, username: str) -> Verdict:
    """May this login attempt be tried now?"""
    store = _store()
    if store is None:
        return Verdict(True)
    now, rules = _now(), _rules()
    waits = [store.get(key).current(rules[kind], now).wait_until - now
             for kind, key in _keys(tenant_id, username).items()]
    longest = max(waits, default=0)
    return Verdict(longest <= 0, max(1, -int(-longest // 1)) if longest > 0 else 0)


def failed(tenant_id: int, username: str) -> bool:
    """Count one failure; True when it started a wait (the moment worth logging)."""
    store = _store()
    if store is None:
        return False
    now, rules, started = _now(), _rules(), False
    index = _index(tenant_id, username)
    for kind, key in _keys(tenant_id, username).items():
        counter = store.fail(key, rules[kind], now, index if kind != "address" else None)
        started = started or counter.failures == rules[kind].free
    return started


def succeeded(tenant_id: int, username: str) -> None:
    """The right password: this client's failures for this account are forgotten (not the
    account's or the address's, which a guesser elsewhere may still be adding to)."""
    store = _store()
    if store is not None:
        store.clear([_keys(tenant_id, username)["pair"]])


def clear(tenant_id: int, username: str) -> int:
    """Bappeda's unlock: every counter of this username, and of the addresses it was tried
    from; the number of counters that held failures."""
    store = _store()
    if store is None:
        return 0
    index = _index(tenant_id, username)
    addresses = [f"address|{tenant_id}|{key.split('|')[2][2:]}"
                 for key in store.indexed(index) if key.split("|")[2].startswith("a:")]
    held = store.clear_index(index)
    store.clear(addresses)
    return held


@dataclass(frozen=True)
class Status:
    failures: int     # the most failures of any counter of the account
    wait_seconds: int  # the longest wait still running (0: none)
    clients: int      # addresses and browsers it failed from


def status(tenant_id: int, username: str) -> Status | None:
    """What holds this account up now, for the admin's page; None when nothing."""
    store = _store()
    if store is None:
        return None
    now, rules = _now(), _rules()
    found = []
    for key, counter in store.indexed(_index(tenant_id, username)).items():
        counter = counter.current(rules[key.split("|")[0]], now)
        if counter.failures:
            found.append((key, counter))
    if not found:
        return None
    longest = max(c.wait_until for _k, c in found) - now
    return Status(max(c.failures for _k, c in found), max(0, -int(-longest // 1)),
                  sum(1 for k, _c in found if k.startswith("pair|")))


# ---- the trusted-device cookie -------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="login-device")


def _device_cookie() -> dict:
    raw = request.cookies.get(DEVICE_COOKIE) if has_request_context() else None
    if not raw:
        return {}
    try:
        value = _serializer().loads(raw, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return {}
    return value if isinstance(value, dict) and isinstance(value.get("names"), list) else {}


def trusted_device(tenant_id: int, username: str) -> str | None:
    """This browser's device id when it logged in as ``username`` of this region before."""
    cookie = _device_cookie()
    if f"{tenant_id}|{_name(username)}" in cookie.get("names", []):
        device = str(cookie.get("id") or "")
        return device[:32] or None
    return None


def remember_device(response, tenant_id: int, username: str):
    """After a successful login: this browser is trusted for this username from now on."""
    cookie = _device_cookie()
    entry = f"{tenant_id}|{_name(username)}"
    names = [entry] + [n for n in cookie.get("names", []) if n != entry][:DEVICE_NAMES - 1]
    value = {"id": str(cookie.get("id") or secrets.token_urlsafe(16))[:32], "names": names}
    response.set_cookie(DEVICE_COOKIE, _serializer().dumps(value), max_age=DEVICE_DAYS * 86400,
                        httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


# ---- the client ----------------------------------------------------------------------------

def client_address() -> str:
    if not has_request_context():
        return "cli"  # the command line
    return (get_remote_address() or "-")[:45]


def user_agent() -> str:
    return (request.headers.get("User-Agent") or "")[:200] if has_request_context() else ""


def _now() -> float:
    return throttle_store.now()
