"""Login sessions held on the server, their timeouts, login rate limits, the password policy,
re-authentication before account changes and the security log, as people would notice them."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from support.apps import make_app
from support.env import PASSWORD
from support.web import browser, csrf_token, login, post_form

from eplanning_core.accounts.models import LoginSession, User
from eplanning_core.api.models import ApiToken
from eplanning_core.audit.models import AuditEntry
from eplanning_core.extensions import db

NEW_PASSWORD = "lima-kata-acak-sekali"

CHEAP_PASSWORD_HASHING = True  # conftest: a cheap PBKDF2 instead of scrypt in this module


@pytest.fixture(autouse=True)
def real_settings(app):
    """The shipped defaults (conftest relaxes them for every other test file)."""
    from eplanning_core.config import defaults

    app.config.update({key: defaults()[key] for key in (
        "SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS", "REAUTH_MINUTES",
        "LOGIN_LIMIT_ACCOUNT", "LOGIN_LIMIT_ADDRESS")})


def says(page: str, indonesian: str, english: str) -> bool:
    """Bahasa Indonesia by default; the English source text until the catalogue has it."""
    return indonesian in page or english in page


def signed_in(client) -> bool:
    return client.get("/wilayah/").status_code == 200


def copy_of(client, app):
    """Another browser holding a copy of ``client``'s session cookie (a stolen cookie)."""
    thief = browser(app)
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def audit(action: str, user=None) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    if user is not None:
        query = query.where(AuditEntry.object_type.in_(("user_account", "auth")),
                            AuditEntry.object_id == user.id)
    return list(db.session.scalars(query))


def user_form(user, **changes) -> dict:
    """What the admin form of ``user`` sends unchanged, with ``changes``."""
    data = {"username": user.username, "nama": user.nama, "email": user.email or "", "role": user.role,
            "wilayah_kode": user.wilayah.kode if user.wilayah else "",
            "perangkat_daerah_id": str(user.perangkat_daerah_id or ""), "dapil": user.dapil or "",
            "aktif": "y", "password": "", "password2": "", "version": str(user.version)}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# ---- logout and ended sessions ------------------------------------------------------------

def test_logout_ends_the_session_also_for_a_copied_cookie(app, client, region):
    login(client, "kel1")
    thief = copy_of(client, app)
    assert signed_in(thief)  # a copied cookie works while the session lives ...
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/wilayah/")})
    assert not signed_in(client)
    assert not signed_in(thief)  # ... and not a moment after the logout
    record = db.session.scalar(select(LoginSession))
    assert record.end_reason == "logout" and record.ended_at is not None


def test_disabling_an_account_ends_all_its_sessions_at_once(app, client, region, as_user):
    kel1 = region["users"]["kel1"]
    phone, laptop = browser(app), browser(app)
    login(phone, "kel1"), login(laptop, "kel1")
    admin = as_user("admin")
    response = post_form(admin, f"/admin/pengguna/{kel1.id}", user_form(kel1, aktif=None))
    assert response.status_code == 302
    assert not signed_in(phone) and not signed_in(laptop)
    page = phone.get("/masuk").get_data(as_text=True)
    assert says(page, "Sesi Anda telah berakhir", "Your session has ended")
    assert {r.end_reason for r in db.session.scalars(select(LoginSession).where(
        LoginSession.user_id == kel1.id))} == {"disabled"}
    assert audit("session.end_all", kel1)


@pytest.mark.parametrize("change", ["role", "password"])
def test_changing_role_or_password_ends_the_accounts_sessions(app, client, region, as_user, change):
    kel1 = region["users"]["kel1"]
    login(client, "kel1")
    token = client.post("/api/v1/auth/token", json={"username": "kel1", "password": PASSWORD})
    assert token.status_code == 201
    admin = browser(app)
    login(admin, "admin")
    changes = {"role": "viewer", "wilayah_kode": ""} if change == "role" else {
        "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert post_form(admin, f"/admin/pengguna/{kel1.id}", user_form(kel1, **changes)).status_code == 302
    assert not signed_in(client)
    assert signed_in(admin)  # the administrator's own session is untouched
    bearer = {"Authorization": f"Bearer {token.get_json()['token']}"}
    assert app.test_client().get("/api/v1/usulan", headers=bearer).status_code == 401


# ---- timeouts -----------------------------------------------------------------------------

def test_an_idle_session_ends_with_a_message(client, region, clock):
    login(client, "kel1")
    clock.now += timedelta(minutes=29)
    assert signed_in(client)  # activity resets the idle clock
    clock.now += timedelta(minutes=29)
    assert signed_in(client)
    clock.now += timedelta(minutes=31)
    response = client.get("/wilayah/")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
    page = client.get("/masuk").get_data(as_text=True)
    assert says(page, "30 menit", "30 minutes without activity")
    assert db.session.scalar(select(LoginSession)).end_reason == "idle"
    assert audit("auth.timeout", region["users"]["kel1"])


def test_a_session_ends_after_its_maximum_length_however_active(client, region, clock):
    login(client, "kel1")
    for _ in range(11 * 3):  # active every 20 minutes for 11 hours
        clock.now += timedelta(minutes=20)
        assert signed_in(client)
    clock.now += timedelta(minutes=61)
    assert not signed_in(client)
    page = client.get("/masuk").get_data(as_text=True)
    assert says(page, "12 jam", "maximum length of 12 hours")
    assert db.session.scalar(select(LoginSession)).end_reason == "expired"


def test_last_seen_is_written_at_most_once_a_minute(client, region, clock):
    login(client, "kel1")
    first = db.session.scalar(select(LoginSession.last_seen_at))
    clock.now += timedelta(seconds=50)
    assert signed_in(client) and signed_in(client)
    assert db.session.scalar(select(LoginSession.last_seen_at)) == first
    clock.now += timedelta(seconds=20)
    assert signed_in(client)
    assert db.session.scalar(select(LoginSession.last_seen_at)) == first + timedelta(seconds=70)


def test_the_user_and_the_session_are_loaded_in_one_query(app, client, region):
    login(client, "kel1")
    statements = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement.lower())

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        assert client.get("/akun/kata-sandi").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    loads = [s for s in statements if "login_session" in s]
    assert len(loads) == 1 and "user_account" in loads[0]
    assert not [s for s in statements if "from user_account" in s and "login_session" not in s]


# ---- session fixation ----------------------------------------------------------------------

def test_login_starts_a_new_session_so_a_planted_cookie_is_worthless(app, client, region):
    client.get("/masuk")
    planted = client.get_cookie("session").value  # what an attacker could have set beforehand
    login(client, "kel1")
    assert client.get_cookie("session").value != planted
    attacker = browser(app)
    attacker.set_cookie("session", planted)
    assert not signed_in(attacker) and signed_in(client)
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/wilayah/")})
    login(client, "kel1")
    hashes = db.session.scalars(select(LoginSession.token_hash)).all()
    assert len(hashes) == len(set(hashes)) == 2  # a fresh random id at every login


def test_the_session_records_address_and_browser(client, region):
    client.get("/masuk")
    client.post("/masuk", data={"username": "kel1", "password": PASSWORD,
                                "csrf_token": csrf_token(client)},
                headers={"User-Agent": "Mozilla/5.0 (Uji) Chromium"},
                environ_base={"REMOTE_ADDR": "10.1.2.3"})
    record = db.session.scalar(select(LoginSession))
    assert record.ip == "10.1.2.3" and "Chromium" in record.user_agent


# ---- login rate limits ----------------------------------------------------------------------

def test_failed_logins_are_limited_per_account_even_with_the_right_password(app, client, region):
    app.config["LOGIN_LIMIT_ACCOUNT"] = "3 per hour"
    for _ in range(3):
        assert login(client, "kel1", "salah-sekali-123").status_code == 200
    refused = login(client, "kel1")  # the right password, too late
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert says(refused.get_data(as_text=True), "Terlalu banyak", "Too many failed attempts")
    assert not signed_in(client)
    assert login(client, "kel2").status_code == 302  # another account from the same address
    # An unknown username is limited the same way: the answer never tells who exists.
    for _ in range(3):
        login(browser(app), "tidak-ada", "salah-sekali-123")
    assert login(browser(app), "tidak-ada", "salah-sekali-123").status_code == 429


def test_failed_logins_are_limited_per_client_address(app, region):
    app.config.update(LOGIN_LIMIT_ACCOUNT="100 per hour", LOGIN_LIMIT_ADDRESS="4 per hour")
    attacker = browser(app)
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for name in ("kel1", "kel2", "kec1", "pu"):
        assert login(attacker, name, "salah-sekali-123").status_code == 200
    assert login(attacker, "viewer").status_code == 429
    office = browser(app)
    office.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert login(office, "viewer").status_code == 302


def test_successful_logins_do_not_count(app, region):
    app.config["LOGIN_LIMIT_ACCOUNT"] = "2 per hour"
    for _ in range(4):
        assert login(browser(app), "kel1").status_code == 302


def test_the_api_token_endpoint_is_limited_too(app, client, region):
    app.config["LOGIN_LIMIT_ACCOUNT"] = "2 per hour"
    for _ in range(2):
        assert client.post("/api/v1/auth/token", json={"username": "kel1", "password": "x"}).status_code == 401
    response = client.post("/api/v1/auth/token", json={"username": "kel1", "password": PASSWORD})
    assert response.status_code == 429 and response.headers["Retry-After"]
    assert response.get_json()["rule"] == "rate_limited" and response.get_json()["message"]
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_unknown_usernames_add_no_rows_and_known_ones_only_as_many_as_the_limit(app, region):
    app.config["LOGIN_LIMIT_ACCOUNT"] = "3 per hour"
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    for n in range(6):
        login(browser(app), f"penyerang{n}", "salah-sekali-123")
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before
    for _ in range(8):
        login(browser(app), "kel1", "salah-sekali-123")
    kel1 = region["users"]["kel1"]
    assert len(audit("auth.login_failed", kel1)) == 3 and len(audit("auth.locked", kel1)) == 1


def test_unknown_user_and_wrong_password_get_the_same_answer_after_the_same_work(
        app, client, region, monkeypatch):
    from werkzeug import security

    checks = []
    real = security.check_password_hash
    monkeypatch.setattr(security, "check_password_hash", lambda h, p: checks.append(h) or real(h, p))
    from eplanning_core.accounts import models

    monkeypatch.setattr(models, "check_password_hash", security.check_password_hash)
    answers = []
    for name in ("kel1", "tidak-ada"):
        response = login(browser(app), name, "salah-sekali-123")
        page = response.get_data(as_text=True)
        answers.append((response.status_code, re.sub(r'value="[^"]*"', "", page).replace(name, "")))
    assert answers[0] == answers[1]
    assert len(checks) == 2  # a password hash checked in both cases


# ---- the password policy --------------------------------------------------------------------

@pytest.mark.parametrize("password, english, indonesian", [
    ("pendek-1", "at least 10 characters", "minimal 10 karakter"),
    ("password123", "common passwords", "kata sandi umum"),
    ("Qwertyuiop", "common passwords", "kata sandi umum"),
    ("ani.lestari-2027", "contain the username", "memuat nama pengguna"),
    ("kota-medan-2027", "name of the region", "memuat nama daerah"),
])
def test_weak_passwords_are_refused_in_the_admin_form(client, region, as_user, password, english,
                                                      indonesian):
    admin = as_user("admin")
    response = post_form(admin, "/admin/pengguna/baru", {
        "username": "ani.lestari", "nama": "Ani Lestari", "role": "viewer", "aktif": "y",
        "wilayah_kode": "", "perangkat_daerah_id": "", "dapil": "",
        "password": password, "password2": password})
    assert response.status_code == 422
    assert says(response.get_data(as_text=True), indonesian, english)
    assert db.session.scalar(select(User).where(User.username == "ani.lestari")) is None


def test_policy_messages_and_the_known_good_passwords(app):
    from eplanning_core.accounts.passwords import common_passwords, problem

    with app.test_request_context():
        assert problem("pendek-1", "ani") and "10" in problem("pendek-1", "ani")
        assert problem("password123", "ani")
        assert problem("xx-Ani.Lestari-xx", "ani.lestari")
        assert problem("selamat-datang-di-medan", "ani", "Kota Medan")
        assert problem("demo-eplanning-2027", "lingkungan", "Kota Medan") is None
        assert problem(PASSWORD, "admin", "Kota Medan") is None
        assert problem(NEW_PASSWORD, "kel1", "Kota Medan") is None
        assert problem("kata-sandi-uji-123", "pu", "Kota Medan") is None  # 2 letters: not looked for
    assert len(common_passwords()) > 10_000 and "bismillah123" in common_passwords()


def test_the_cli_applies_the_policy(app, runner):
    result = runner.invoke(args=["users", "create-admin", "--username", "budi", "--nama", "Budi",
                                 "--password", "password1234"])
    assert result.exit_code != 0 and says(result.output, "kata sandi umum", "common passwords")
    assert db.session.scalar(select(User).where(User.username == "budi")) is None


def test_the_cli_sets_a_password_and_ends_the_accounts_sessions(app, client, region, runner):
    login(client, "kel1")
    weak = runner.invoke(args=["users", "set-password", "--username", "kel1", "--password", "password123"])
    assert weak.exit_code != 0 and signed_in(client)
    result = runner.invoke(args=["users", "set-password", "--username", "kel1", "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert not signed_in(client)
    assert login(browser(app), "kel1", NEW_PASSWORD).status_code == 302
    assert audit("user.password", region["users"]["kel1"])


# ---- one's own password ------------------------------------------------------------------

def test_changing_ones_password_keeps_this_session_and_ends_the_others(app, client, region):
    kel1 = region["users"]["kel1"]
    login(client, "kel1")
    other = browser(app)
    login(other, "kel1")
    wrong = post_form(client, "/akun/kata-sandi", {"current_password": "salah-sekali-123",
                                                   "password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert wrong.status_code == 422
    weak = post_form(client, "/akun/kata-sandi", {"current_password": PASSWORD,
                                                  "password": "password123", "password2": "password123"})
    assert weak.status_code == 422 and signed_in(other)
    done = post_form(client, "/akun/kata-sandi", {"current_password": PASSWORD,
                                                  "password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert signed_in(client) and not signed_in(other)
    assert db.session.get(User, kel1.id).check_password(NEW_PASSWORD)
    assert audit("user.password", kel1) and audit("auth.reauth_failed", kel1)
    assert login(browser(app), "kel1").status_code == 200  # the old password no longer opens
    assert login(browser(app), "kel1", NEW_PASSWORD).status_code == 302


def test_the_navigation_links_to_the_password_page(client, region, as_user):
    page = as_user("kel1").get("/").get_data(as_text=True)
    assert 'href="/akun/kata-sandi"' in page


# ---- re-authentication ----------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/admin/pengguna/baru", "/admin/token/baru"])
def test_sensitive_admin_pages_ask_for_the_password_again_after_five_minutes(
        client, region, as_user, clock, url):
    admin = as_user("admin")
    assert admin.get(url).status_code == 200  # the login itself counts
    clock.now += timedelta(minutes=6)
    response = admin.get(url)
    assert response.status_code == 302 and "/masuk/ulang" in response.headers["Location"]
    form_url = response.headers["Location"]
    lost = post_form(admin, url, {"name": "x", "scope": "read", "username": "x"}, token_from=form_url)
    assert lost.status_code == 302  # a POST is not carried out either
    assert post_form(admin, form_url, {"password": "salah-sekali-123"}).status_code == 422
    back = post_form(admin, form_url, {"password": PASSWORD})
    assert back.status_code == 302 and back.headers["Location"] == url
    assert admin.get(url).status_code == 200


def test_the_admin_sees_a_users_sessions_and_ends_one(app, client, region, as_user):
    kel1 = region["users"]["kel1"]
    phone, laptop = browser(app), browser(app)
    login(phone, "kel1"), login(laptop, "kel1")
    admin = as_user("admin")
    page = admin.get(f"/admin/pengguna/{kel1.id}").get_data(as_text=True)
    ids = re.findall(r'name="sesi" value="(\d+)"', page)
    assert len(ids) == 2
    phone_id = db.session.scalar(select(LoginSession.id).where(LoginSession.user_id == kel1.id)
                                 .order_by(LoginSession.id))
    response = post_form(admin, f"/admin/pengguna/{kel1.id}/sesi", {"sesi": str(phone_id)},
                         token_from=f"/admin/pengguna/{kel1.id}")
    assert response.status_code == 303
    assert not signed_in(phone) and signed_in(laptop)
    post_form(admin, f"/admin/pengguna/{kel1.id}/sesi", {"sesi": "all"}, token_from=f"/admin/pengguna/{kel1.id}")
    assert not signed_in(laptop) and signed_in(admin)
    assert len(audit("session.end_by_admin", kel1)) == 2
    operator = browser(app)
    login(operator, "kel2")
    assert operator.post(f"/admin/pengguna/{kel1.id}/sesi", data={
        "sesi": "all", "csrf_token": csrf_token(operator, "/wilayah/")}).status_code == 403


# ---- the security log ----------------------------------------------------------------------

def test_authentication_events_and_refusals_are_logged_and_kept_in_the_history(
        app, client, region, caplog):
    caplog.set_level(logging.INFO, logger="eplanning.security")
    kel1 = region["users"]["kel1"]
    login(client, "tidak-ada", "salah-sekali-123")
    login(client, "kel1", "salah-sekali-123")
    login(client, "kel1")
    assert client.get("/admin/pengguna").status_code == 403
    assert client.get("/admin/pengguna").status_code == 403  # twice: one history entry a minute
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/wilayah/")})
    logged = [r.getMessage().split()[0] for r in caplog.records if r.name == "eplanning.security"]
    assert logged.count("auth.login_failed") == 2 and "auth.login" in logged
    assert logged.count("auth.forbidden") == 2 and "auth.logout" in logged
    assert "user=tidak-ada" in caplog.text
    for action, count in (("auth.login_failed", 1), ("auth.login", 1), ("auth.forbidden", 1),
                          ("auth.logout", 1)):
        assert len(audit(action, kel1)) == count, action
    assert "tidak-ada" not in str([e.reason for e in db.session.scalars(select(AuditEntry))])


def test_a_generous_limit_keeps_other_tests_apart(database_url):
    """Each app counts on its own: another test's failures never lock this one out."""
    first, second = make_app(database_url), make_app(database_url)
    assert first.extensions["eplanning.limiter"] is not second.extensions["eplanning.limiter"]


def test_api_refusals_are_logged_with_the_caller(app, client, region, siklus, caplog):
    from support.api import api_body

    caplog.set_level(logging.INFO, logger="eplanning.security")
    token = client.post("/api/v1/auth/token", json={"username": "viewer", "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {token.get_json()['token']}"}
    response = client.post("/api/v1/usulan", json=api_body(), headers=bearer)
    assert response.status_code == 403 and response.get_json()["rule"] == "token_scope"
    assert "auth.forbidden user=viewer" in caplog.text
    assert audit("auth.forbidden", region["users"]["viewer"])
