"""One-click role buttons on the demo's login page (issue 14, point 8).

On a demo instance (DEMO on) the login page has one button per demo account, and a click
logs in as that account through POST /masuk/demo (CSRF-protected, through the ordinary
password check with the demo password). On a live instance (DEMO off) there are no buttons
and the route answers 404 whatever is posted: nobody logs in without a password.
"""

from __future__ import annotations

import re

import pytest
from support.web import csrf_token

from eplanning_core.demo.seed import DEMO_PASSWORD
from eplanning_core.extensions import db

CHEAP_PASSWORD_HASHING = True


@pytest.fixture
def demo_mode(app):
    app.config["DEMO"] = True
    yield app
    app.config["DEMO"] = False


def _buttons(page: str) -> list[str]:
    form = re.search(r'<form method="post" action="/masuk/demo"[^>]*id="demo-login">(.*?)</form>', page, re.S)
    return re.findall(r'<button[^>]*name="username" value="([^"]+)"', form.group(1)) if form else []


def _logged_in_as(client) -> str | None:
    response = client.get("/")
    if response.status_code != 200:
        return None
    match = re.search(r'class="navbar-text[^"]*"[^>]*>([^<]+)</a>', response.get_data(as_text=True))
    return match.group(1) if match else None


def test_a_live_instance_has_no_buttons_and_no_door(app, client, region):
    page = client.get("/masuk").get_data(as_text=True)
    assert _buttons(page) == [] and "/masuk/demo" not in page
    token = csrf_token(client)
    for username in ("admin", "kel1", ""):
        response = client.post("/masuk/demo", data={"username": username, "csrf_token": token})
        assert response.status_code == 404
    assert _logged_in_as(client) is None


def test_the_demo_login_page_has_a_button_for_every_account(demo_mode, client, region):
    page = client.get("/masuk").get_data(as_text=True)
    assert sorted(_buttons(page)) == sorted(region["users"])
    assert "Masuk dengan satu klik sebagai:" in page


def test_one_click_logs_in_as_the_demo_account(demo_mode, client, region):
    region["users"]["kel1"].set_password(DEMO_PASSWORD)
    db.session.commit()
    response = client.post("/masuk/demo", data={"username": "kel1", "csrf_token": csrf_token(client)})
    assert response.status_code == 303 and response.headers["Location"].endswith("/")
    assert _logged_in_as(client) == region["users"]["kel1"].nama


def test_switching_roles_ends_the_first_session(demo_mode, client, region):
    for username in ("kel1", "kec1"):
        region["users"][username].set_password(DEMO_PASSWORD)
    db.session.commit()
    client.post("/masuk/demo", data={"username": "kel1", "csrf_token": csrf_token(client)})
    token = csrf_token(client, "/")
    response = client.post("/masuk/demo", data={"username": "kec1", "csrf_token": token})
    assert response.status_code == 303
    assert _logged_in_as(client) == region["users"]["kec1"].nama


def test_without_the_csrf_token_nothing_happens(demo_mode, client, region):
    region["users"]["kel1"].set_password(DEMO_PASSWORD)
    db.session.commit()
    client.get("/masuk")
    response = client.post("/masuk/demo", data={"username": "kel1"})
    assert response.status_code == 400
    assert _logged_in_as(client) is None


@pytest.mark.parametrize("username", ["nobody", "", "admin' --"])
def test_an_unknown_account_is_refused(demo_mode, client, region, username):
    response = client.post("/masuk/demo", data={"username": username, "csrf_token": csrf_token(client)})
    assert response.status_code == 303 and "/masuk" in response.headers["Location"]
    assert "Pilih salah satu akun demo." in client.get("/masuk").get_data(as_text=True)
    assert _logged_in_as(client) is None


def test_an_account_without_the_demo_password_is_refused(demo_mode, client, region):
    """The button is the demo password typed for you: a changed password still protects."""
    response = client.post("/masuk/demo", data={"username": "admin", "csrf_token": csrf_token(client)})
    assert response.status_code == 303 and "/masuk" in response.headers["Location"]
    assert "tidak lagi memakai kata sandi demo" in client.get("/masuk").get_data(as_text=True)
    assert _logged_in_as(client) is None
