"""The layout every page shares: local assets only, the region's branding, the language
switch, the demo login page and the error pages."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select
from support.apps import make_app
from support.env import PASSWORD, TENANTS_DIR
from support.web import browser, csrf_token, login

from eplanning_core.accounts.models import User
from eplanning_core.extensions import db

DEMO_PASSWORD = "demo-eplanning-2027"


# ---- helpers -----------------------------------------------------------------------------

def says(page: str, indonesian: str, english: str) -> bool:
    """A message in Bahasa Indonesia or, while the catalogue is being filled, its English source."""
    return indonesian in page or english in page


def html_lang(page: str) -> str:
    match = re.search(r'<html[^>]*\blang="([^"]*)"', page)
    assert match, "the page has no <html lang=...>"
    return match.group(1)


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])
        elif tag in ("script", "img", "iframe", "source") and a.get("src"):
            self.urls.append(a["src"])


def asset_urls(page: str) -> list[str]:
    parser = _Assets()
    parser.feed(page)
    return parser.urls

CHEAP_PASSWORD_HASHING = True  # conftest: a cheap PBKDF2 instead of scrypt in this module


def region_app(tmp_path: Path, slug: str = "medan", edit=None, **config):
    """An application for a copy of a shipped region (optionally edited), with no database:
    the pages tested with it (login, assets, language, errors) need none."""
    tenants = tmp_path / "tenants"
    shutil.copytree(TENANTS_DIR / slug, tenants / slug)
    if edit:
        toml = tenants / slug / "tenant.toml"
        toml.write_text(edit(toml.read_text(encoding="utf-8")), encoding="utf-8")
    return make_app("sqlite:///" + str(tmp_path / "tanpa-tabel.sqlite"), TENANTS_DIR=str(tenants),
                    TENANT=slug, **config)


@pytest.fixture
def web(tmp_path):
    """A browser on Kota Medan's login page; no database needed."""
    return region_app(tmp_path).test_client()


def switch_language(client, lang: str, next_url: str = "/masuk"):
    return client.post("/bahasa", data={"lang": lang, "next": next_url,
                                        "csrf_token": csrf_token(client, next_url)})


# ---- local assets ------------------------------------------------------------------------

def assert_only_local_assets(client, page: str):
    urls = asset_urls(page)
    assert any("bootstrap" in u and u.endswith(".css") for u in urls), urls
    assert any("bootstrap" in u and u.endswith(".js") for u in urls), urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), f"not a local asset: {url}"
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.data, url
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "a remote URL in the page"


def test_login_page_uses_only_local_assets(web):
    page = web.get("/masuk").get_data(as_text=True)
    assert_only_local_assets(web, page)
    assert web.get("/bootstrap/static/css/bootstrap.min.css").mimetype == "text/css"


def test_pages_of_a_logged_in_administrator_use_only_local_assets(as_user, region):
    client = as_user("admin")
    for url in ("/", "/wilayah/", "/admin/pengguna", "/admin/perangkat-daerah/baru"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_only_local_assets(client, response.get_data(as_text=True))


# ---- branding ----------------------------------------------------------------------------

def test_login_page_carries_the_regions_name(web):
    page = web.get("/masuk").get_data(as_text=True)
    assert re.search(r"<title>[^<]*e-Perencanaan Kota Medan</title>", page)
    assert "<span>e-Perencanaan Kota Medan</span>" in page
    assert "Kota Medan" in page and "Sumatera Utara" in page
    assert '<img src="/wilayah-aset/logo"' in page


def test_branding_css_has_the_regions_colours(web):
    response = web.get("/wilayah-aset/branding.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    css = response.get_data(as_text=True)
    assert "--brand-primary: #0b5394" in css and "--brand-secondary: #f1c232" in css
    assert "/wilayah-aset/branding.css" in asset_urls(web.get("/masuk").get_data(as_text=True))


def test_logo_is_served_as_svg(web):
    response = web.get("/wilayah-aset/logo")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data == (TENANTS_DIR / "medan" / "logo.svg").read_bytes()


def test_another_region_brings_its_own_name_colours_and_logo(tmp_path):
    client = region_app(tmp_path, "agam").test_client()
    page = client.get("/masuk").get_data(as_text=True)
    assert "e-Perencanaan Kabupaten Agam" in page and "Kota Medan" not in page
    css = client.get("/wilayah-aset/branding.css").get_data(as_text=True)
    assert "#1e7b34" in css and "#0b5394" not in css
    assert client.get("/wilayah-aset/logo").data == (TENANTS_DIR / "agam" / "logo.svg").read_bytes()


def test_colours_and_name_come_from_tenant_toml(tmp_path):
    client = region_app(tmp_path, edit=lambda t: t.replace("#0b5394", "#7a1f3d").replace(
        'app_name = "e-Perencanaan Kota Medan"', 'app_name = "SIPERA Medan"')).test_client()
    assert "SIPERA Medan" in client.get("/masuk").get_data(as_text=True)
    assert "--brand-primary: #7a1f3d" in client.get("/wilayah-aset/branding.css").get_data(as_text=True)


def test_region_without_a_logo(tmp_path):
    client = region_app(tmp_path, edit=lambda t: t.replace('logo = "logo.svg"\n', "")).test_client()
    page = client.get("/masuk").get_data(as_text=True)
    assert "/wilayah-aset/logo" not in page
    assert client.get("/wilayah-aset/logo").status_code == 404


def test_png_logo_is_served_as_png(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16

    def edit(text):
        (tmp_path / "tenants" / "medan" / "lambang.png").write_bytes(png)
        return text.replace('logo = "logo.svg"', 'logo = "lambang.png"')
    client = region_app(tmp_path, edit=edit).test_client()
    response = client.get("/wilayah-aset/logo")
    assert response.mimetype == "image/png" and response.data == png


# ---- language ----------------------------------------------------------------------------

def test_default_language_is_bahasa_indonesia(web):
    page = web.get("/masuk").get_data(as_text=True)
    assert html_lang(page) == "id"
    assert says(page, ">Masuk</h1>", ">Log in</h1>")
    assert 'value="id" title="Bahasa Indonesia" aria-current="true"' in page


def test_default_language_follows_the_region(tmp_path):
    client = region_app(tmp_path, edit=lambda t: t.replace('default_language = "id"',
                                                           'default_language = "en"')).test_client()
    page = client.get("/masuk").get_data(as_text=True)
    assert html_lang(page) == "en" and ">Log in</h1>" in page


def test_language_switch_to_english_stays_across_requests(web):
    response = switch_language(web, "en")
    assert response.status_code == 302 and response.headers["Location"].endswith("/masuk")
    for _ in range(2):
        page = web.get("/masuk").get_data(as_text=True)
        assert html_lang(page) == "en"
        assert ">Log in</h1>" in page and "Username" in page
    assert html_lang(web.get("/tidak-ada").get_data(as_text=True)) == "en"
    assert html_lang(web.get("/masuk?next=/wilayah/").get_data(as_text=True)) == "en"


def test_language_switch_back_to_indonesian(web):
    switch_language(web, "en")
    switch_language(web, "id")
    page = web.get("/masuk").get_data(as_text=True)
    assert html_lang(page) == "id"
    assert says(page, ">Masuk</h1>", ">Log in</h1>")


def test_language_switch_without_csrf_token_is_refused(web):
    response = web.post("/bahasa", data={"lang": "en", "next": "/masuk"})
    assert response.status_code == 400
    assert html_lang(web.get("/masuk").get_data(as_text=True)) == "id"


def test_unknown_language_is_ignored(web):
    response = switch_language(web, "fr")
    assert response.status_code == 302
    assert html_lang(web.get("/masuk").get_data(as_text=True)) == "id"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "javascript:alert(1)"])
def test_language_switch_does_not_redirect_elsewhere(web, target):
    response = web.post("/bahasa", data={"lang": "en", "next": target,
                                         "csrf_token": csrf_token(web)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_chosen_language_survives_logging_in(client, region):
    switch_language(client, "en")
    assert login(client, "kel1").status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert html_lang(page) == "en" and "Log out" in page


# ---- demo mode ---------------------------------------------------------------------------

def demo_rows(page: str) -> list[str]:
    table = re.search(r'<table[^>]*id="demo-accounts".*?</table>', page, re.S)
    if not table:
        return []
    return re.findall(r"<tr><td><code>([^<]+)</code></td>", table.group(0))


@pytest.fixture
def agam_app(app, database_url):
    """Kabupaten Agam on the same test database (conftest's `app` empties it afterwards).
    Its demo seed is the one every region without a demo story gets: one account per role."""
    agam = make_app(database_url, TENANT="agam")
    with agam.app_context():  # the test reads Agam's rows as Agam's app does (not Medan's role)
        yield agam
        db.session.remove()
        db.engine.dispose()


def test_demo_login_page_lists_one_account_for_every_role(agam_app):
    from eplanning_core.accounts.models import Role
    from eplanning_core.demo.seed import seed_demo

    with agam_app.app_context():
        seed_demo()
    agam_app.config["DEMO"] = True
    client = browser(agam_app)
    page = client.get("/masuk").get_data(as_text=True)
    usernames = demo_rows(page)
    db.session.expire_all()
    active = db.session.scalars(select(User).where(User.aktif.is_(True)).order_by(User.id)).all()
    assert usernames == [u.username for u in active]  # every demo account, in a stable order
    by_name = {u.username: u for u in active}
    # exactly one account for every role; the unit operator once on each of the three levels
    assert sorted(by_name[n].role for n in usernames) == sorted(
        [r.value for r in Role] + ["operator", "operator"])
    assert sorted(by_name[n].wilayah.tingkat for n in usernames if by_name[n].wilayah) == [1, 2, 3]
    assert by_name["admin"].role == "bappeda"
    assert "Nagari" in page and "Jorong" in page  # the region's own level names in the roles
    assert page.count(DEMO_PASSWORD) == 1  # shown once, for all of them
    assert says(page, "Instans demo", "Demo instance")
    for name in usernames:  # the password shown really opens each account
        assert login(browser(agam_app), name, DEMO_PASSWORD).status_code == 302, name

    agam_app.config["DEMO"] = False
    page = client.get("/masuk").get_data(as_text=True)
    assert demo_rows(page) == [] and 'id="demo-accounts"' not in page
    assert DEMO_PASSWORD not in page
    assert not says(page, "Instans demo", "Demo instance")


def test_without_demo_mode_real_accounts_are_not_listed(client, region):
    page = client.get("/masuk").get_data(as_text=True)
    assert demo_rows(page) == [] and "kel1" not in page and PASSWORD not in page


# ---- error pages -------------------------------------------------------------------------

def test_404_page_in_indonesian_by_default(web):
    response = web.get("/halaman-yang-tidak-ada")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert html_lang(page) == "id"
    assert says(page, "Halaman tidak ditemukan", "Page not found")
    assert "e-Perencanaan Kota Medan" in page  # the layout, not a bare server page


def test_404_page_in_english_after_switching(web):
    switch_language(web, "en")
    response = web.get("/halaman-yang-tidak-ada")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert html_lang(page) == "en" and "Page not found" in page
    assert "Halaman tidak ditemukan" not in page


def test_404_page_for_a_logged_in_user_in_the_chosen_language(client, region):
    login(client, "admin")
    switch_language(client, "en", "/")
    response = client.get("/admin/pengguna/987654")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert html_lang(page) == "en" and "Page not found" in page


def test_403_page_explains_in_indonesian(client, region):
    login(client, "viewer")
    response = client.get("/admin/pengguna")
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and html_lang(page) == "id"
    assert says(page, "Anda tidak boleh membuka halaman ini", "You may not open this page")


def test_expired_form_page_says_nothing_was_saved(web):
    response = web.post("/masuk", data={"username": "x", "password": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert says(page, "Tidak ada yang disimpan", "Nothing was saved")


def test_405_page(web):
    response = web.get("/bahasa")
    assert response.status_code == 405
    assert says(response.get_data(as_text=True), "Tindakan ini tidak diizinkan di sini",
                "This action is not allowed here")


def test_behind_a_proxy_the_forwarded_host_and_scheme_are_trusted_only_when_configured(database_url):
    """With EPLANNING_PROXIES=1 behind nginx the public scheme and host are used; without it a
    client cannot claim them."""
    from flask import request

    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "eplanning.medan.go.id"}
    with make_app(database_url).test_client() as client:
        client.get("/masuk", headers=headers)
        assert (request.scheme, request.host) == ("http", "localhost")
    with make_app(database_url, PROXIES=1).test_client() as client:
        client.get("/masuk", headers=headers)
        assert (request.scheme, request.host) == ("https", "eplanning.medan.go.id")


def test_every_page_carries_the_security_headers(client, database_url):
    response = client.get("/masuk")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http: no HSTS
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    secure = make_app(database_url, PROXIES=1, SESSION_COOKIE_SECURE=True).test_client().get(
        "/masuk", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" in secure.headers.get("Set-Cookie", "")


def test_no_page_template_has_an_inline_script():
    """The CSP forbids inline scripts: a template that had one would break silently in browsers."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "eplanning_core" / "templates"
    offenders = []
    for path in templates.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{path.name}: {tag}")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{path.name}: inline event handler")
    assert offenders == []


def test_a_request_larger_than_any_upload_gets_the_413_page(client):
    big = b"x" * (11 * 1024 * 1024 + 2 * 1024 * 1024)
    response = client.post("/masuk", data=big, content_type="application/octet-stream")
    assert response.status_code == 413
    assert "Berkas terlalu besar" in response.get_data(as_text=True)
