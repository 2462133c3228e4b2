"""Logging in and out, as an operator would notice it."""

from support.env import PASSWORD
from support.web import csrf_token, login

from eplanning_core.accounts.models import User
from eplanning_core.extensions import db


def test_right_password_opens_the_start_page_with_role_and_unit(client, region):
    response = login(client, "kel1")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Operator Kelurahan" in page
    assert "Pasar Baru" in page


def test_wrong_password_is_refused_with_a_message_and_no_session(client, region):
    response = login(client, "kel1", "salah-sekali-123")
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    assert client.get("/wilayah/").status_code == 302  # still sent to the login page


def test_unknown_user_gets_the_same_message_as_a_wrong_password(client, region):
    response = login(client, "tidak-ada", PASSWORD)
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)


def test_disabled_account_cannot_log_in(client, region):
    region["users"]["kel1"].aktif = False
    db.session.commit()
    response = login(client, "kel1")
    assert response.status_code == 200
    assert client.get("/wilayah/").status_code == 302


def test_login_without_csrf_token_is_refused(client, region):
    response = client.post("/masuk", data={"username": "kel1", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/wilayah/").status_code == 302


def test_logout_needs_csrf_and_ends_the_session(client, region):
    login(client, "kel1")
    assert client.post("/keluar").status_code == 400  # no token: refused, still logged in
    assert client.get("/wilayah/").status_code == 200
    token = csrf_token(client, "/wilayah/")
    assert client.post("/keluar", data={"csrf_token": token}).status_code == 302
    assert client.get("/wilayah/").status_code == 302


def test_login_records_last_login(client, region):
    login(client, "admin")
    user = db.session.get(User, region["users"]["admin"].id)
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_open_redirect_after_login_is_ignored(client, region):
    token = csrf_token(client)
    response = client.post("/masuk?next=//evil.example/", data={
        "username": "kel1", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"
