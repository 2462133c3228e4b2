"""Forgotten password (issue 14, point 7): a time-limited, single-use link by email where
SMTP is configured (a real SMTP server: aiosmtpd in the test process), the administrator
otherwise. The same answer whether or not the account exists; the password policy applies;
every session ends; the history records it."""

from __future__ import annotations

import re
import pytest
from sqlalchemy import select
from support.env import PASSWORD
from support.smtp import SmtpServer
from support.web import browser, csrf_token, login

from eplanning_core.accounts import password_reset
from eplanning_core.accounts.models import LoginSession, User
from eplanning_core.audit.models import AuditEntry
from eplanning_core.extensions import db

CHEAP_PASSWORD_HASHING = True
NEW_PASSWORD = "pagar-hijau-sungai-deli-42"
LINK = re.compile(r"https?://\S+/masuk/atur-ulang\?token=\S+")


@pytest.fixture
def smtp(app):
    with SmtpServer() as server:
        app.config.update(server.config)
        yield server


def _ask(client, login_name, lang=None):
    if lang:
        client.post("/bahasa", data={"lang": lang, "next": "/masuk/lupa", "csrf_token": csrf_token(client)})
    return client.post("/masuk/lupa", data={"login": login_name, "csrf_token": csrf_token(client, "/masuk/lupa")},
                       follow_redirects=True)


def _with_email(region, username="kel1", address="kel1@pasarbaru.test"):
    region["users"][username].email = address
    db.session.commit()
    return region["users"][username]


def test_the_login_page_offers_it_and_without_smtp_sends_people_to_the_administrator(app, region):
    client = browser(app)
    assert 'href="/masuk/lupa"' in client.get("/masuk").get_data(as_text=True)
    page = client.get("/masuk/lupa").get_data(as_text=True)
    assert 'id="ask-admin"' in page and "administrator Bappeda" in page
    assert 'name="login"' not in page  # no form that would pretend to send
    refused = client.post("/masuk/lupa", data={"login": "kel1", "csrf_token": csrf_token(client, "/masuk/lupa")})
    assert refused.status_code == 302


def test_a_link_by_email_sets_a_new_password_once_and_ends_every_session(app, region, smtp):
    user = _with_email(region)
    elsewhere = browser(app)
    assert login(elsewhere, "kel1").status_code == 302  # a session in another browser

    client = browser(app)
    answer = _ask(client, "KEL1@pasarbaru.test ")
    assert "tautan untuk mengatur kata sandi baru telah dikirim" in answer.get_data(as_text=True)
    [message] = smtp.messages
    assert message.envelope_to == ["kel1@pasarbaru.test"] and message.to == "kel1@pasarbaru.test"
    assert message.subject == "e-Perencanaan Kota Medan: atur kata sandi baru"
    assert "kel1" in message.body and "60 menit" in message.body
    link = LINK.search(message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]

    form = client.get("/" + path)
    assert form.status_code == 200 and 'name="password2"' in form.get_data(as_text=True)
    token = re.search(r'name="token"[^>]*value="([^"]+)"', form.get_data(as_text=True)).group(1)
    weak = client.post("/masuk/atur-ulang", data={"token": token, "password": "kel1kel1kel1", "password2": "kel1kel1kel1",
                                                  "csrf_token": csrf_token(client, "/" + path)})
    assert weak.status_code == 422 and "is-invalid" in weak.get_data(as_text=True)  # the policy applies

    done = client.post("/masuk/atur-ulang", data={"token": token, "password": NEW_PASSWORD, "password2": NEW_PASSWORD,
                                                  "csrf_token": csrf_token(client, "/" + path)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/masuk")
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(NEW_PASSWORD)
    open_sessions = db.session.scalars(select(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))).all()
    assert open_sessions == []
    assert elsewhere.get("/notifikasi/").status_code == 302  # the other browser is logged out
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.password")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.reason == "reset by email link"

    again = client.get("/" + path)  # used once: the link no longer works
    assert 'id="link-invalid"' in again.get_data(as_text=True)
    assert login(browser(app), "kel1", NEW_PASSWORD).status_code == 302


def test_the_answer_is_the_same_for_an_unknown_account_and_nothing_is_sent(app, region, smtp):
    _with_email(region)
    known = _ask(browser(app), "kel1").get_data(as_text=True)
    unknown = _ask(browser(app), "tidak-ada@contoh.test").get_data(as_text=True)
    no_address = _ask(browser(app), "kel2").get_data(as_text=True)  # an account without email

    sentence = "Jika ada akun dengan nama pengguna atau alamat email tersebut"
    assert sentence in known and sentence in unknown and sentence in no_address
    assert [m.to for m in smtp.messages] == ["kel1@pasarbaru.test"]


def test_the_mail_is_in_the_language_of_the_page(app, region, smtp):
    _with_email(region)
    _ask(browser(app), "kel1", lang="en")
    [message] = smtp.messages
    assert message.subject == "e-Perencanaan Kota Medan: set a new password"
    assert "Open this link within 60 minutes" in message.body


def test_an_expired_or_forged_link_changes_nothing(app, region, smtp, monkeypatch):
    user = _with_email(region)
    client = browser(app)
    with app.test_request_context():
        token = password_reset.make_token(user)
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for bad in (forged, "", "x" * 500):
        page = client.post("/masuk/atur-ulang", data={"token": bad, "password": NEW_PASSWORD,
                                                      "password2": NEW_PASSWORD,
                                                      "csrf_token": csrf_token(client)})
        assert page.status_code == 400 and 'id="link-invalid"' in page.get_data(as_text=True)
    assert 'name="password2"' in client.get(f"/masuk/atur-ulang?token={token}").get_data(as_text=True)

    monkeypatch.setattr(password_reset, "RESET_MAX_AGE", -1)  # every link is older than that
    expired = client.post("/masuk/atur-ulang", data={"token": token, "password": NEW_PASSWORD,
                                                     "password2": NEW_PASSWORD, "csrf_token": csrf_token(client)})
    assert expired.status_code == 400 and 'id="link-invalid"' in expired.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_many_requests_are_slowed_down(app, region, smtp):
    _with_email(region)
    client = browser(app)
    answers = [_ask(client, "kel1").status_code for _ in range(7)]
    assert 429 in answers
    assert len(smtp.messages) <= 5  # the free requests of one address and account


def test_without_smtp_the_administrator_gives_a_temporary_password_that_must_be_replaced(app, region):
    admin = browser(app)
    assert login(admin, "admin").status_code == 302
    user = region["users"]["kel1"]
    holder = browser(app)
    assert login(holder, "kel1").status_code == 302
    page = admin.get(f"/admin/pengguna/{user.id}").get_data(as_text=True)
    assert f'action="/admin/pengguna/{user.id}/sandi-sementara"' in page

    shown = admin.post(f"/admin/pengguna/{user.id}/sandi-sementara",
                       data={"csrf_token": csrf_token(admin, f"/admin/pengguna/{user.id}")})
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    temporary = re.search(r'<code id="the-password">([^<]+)</code>', shown.get_data(as_text=True)).group(1)
    assert len(temporary) >= 10 and temporary not in str(admin.get_cookie("session"))
    assert holder.get("/notifikasi/").status_code == 302  # the old session ended
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.password")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.reason == "temporary password from the administrator"

    fresh = browser(app)
    assert login(fresh, "kel1", temporary).status_code == 302
    forced = fresh.get("/usulan/")
    assert forced.status_code == 302 and forced.headers["Location"].endswith("/akun/kata-sandi")
    changed = fresh.post("/akun/kata-sandi", data={"current_password": temporary, "password": NEW_PASSWORD,
                                                   "password2": NEW_PASSWORD,
                                                   "csrf_token": csrf_token(fresh, "/akun/kata-sandi")})
    assert changed.status_code == 302
    assert fresh.get("/notifikasi/").status_code == 200  # free to work again
    db.session.expire_all()
    assert db.session.get(User, user.id).harus_ganti_sandi is False


def test_only_the_administrator_sets_a_temporary_password(app, region):
    other = browser(app)
    assert login(other, "kec1").status_code == 302
    target = region["users"]["kel1"]
    refused = other.post(f"/admin/pengguna/{target.id}/sandi-sementara", data={"csrf_token": csrf_token(other, "/notifikasi/")})
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, target.id).check_password(PASSWORD)
