"""Browsing the app as a person does: a fresh application context per request, CSRF tokens
read from the page, logging in, posting forms."""

from __future__ import annotations

import re

from .env import PASSWORD

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def browser(app):
    """A browser whose every request runs in its own application context, as on a server.

    The `app` fixture keeps an application context pushed for the test body, and Flask reuses
    a pushed context for test requests: `g` would then live across requests and clients
    (Flask-Login's cached user, Flask-Babel's locale, Flask-WTF's token), hiding real bugs.
    """
    from flask import has_app_context
    from flask.testing import FlaskClient

    from eplanning_core.extensions import db

    class Browser(FlaskClient):
        def open(self, *args, **kwargs):
            with app.app_context():
                response = super().open(*args, **kwargs)
            # The request wrote through its own session: let the test read what is stored now.
            if has_app_context():
                db.session.expire_all()
            return response
    return Browser(app, app.response_class, use_cookies=True)


class HostClient:
    """A test client whose requests all go to one host name, as a browser's would."""

    def __init__(self, app, host):
        self.client, self.host = app.test_client(), host

    def get(self, path, **kw):
        return self.client.get(f"http://{self.host}{path}", **kw)

    def post(self, path, **kw):
        return self.client.post(f"http://{self.host}{path}", **kw)

    def get_cookie(self, *args, **kw):
        return self.client.get_cookie(*args, **kw)

    def set_cookie(self, *args, **kw):
        return self.client.set_cookie(*args, **kw)


def csrf_token(client, url="/masuk") -> str:
    page = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, username, password=PASSWORD):
    response = client.post("/masuk", data={"username": username, "password": password,
                                           "csrf_token": csrf_token(client)})
    return response


def post_form(client, url, data, token_from=None):
    """POST like a browser does: with the CSRF token of the page the form is on."""
    data = dict(data)
    data["csrf_token"] = csrf_token(client, token_from or url)
    return client.post(url, data=data)


CONFIRM_RE = re.compile(r'name="konfirmasi"[^>]*value="([^"]*)"')


def post_confirmed(client, url, data, token_from=None):
    """POST a form that asks for confirmation first (sending the RKPD on, penetapan): the
    first POST shows the confirm step (or the page with its confirm box), the second sends
    the confirmation it names, as a person ticking it does. The second response is returned;
    when the first shows no confirmation (a refusal), the first is."""
    first = post_form(client, url, data, token_from) if "konfirmasi" not in data else None
    page = first.get_data(as_text=True) if first is not None and first.status_code == 200 else \
        client.get(token_from or url).get_data(as_text=True)
    found = CONFIRM_RE.search(page)
    if found is None:
        return first if first is not None else post_form(client, url, data, token_from)
    return post_form(client, url, {**data, "konfirmasi": found.group(1)}, token_from)
