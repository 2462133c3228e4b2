"""The Bappeda administrator manages accounts and agencies in the browser; every change is
checked, written with its history entry, and refused whole when it is wrong or stale."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select
from support.env import PASSWORD
from support.web import browser, csrf_token, login

from eplanning_core.accounts.models import PerangkatDaerah, Role, User
from eplanning_core.audit.models import AuditEntry
from eplanning_core.extensions import db
from eplanning_core.tenancy.models import Tenant
from eplanning_core.wilayah.models import Wilayah

# Not containing "baru", the username of new_user(): the password policy refuses that.
NEW_PASSWORD = "sandi-anyar-yang-panjang-1"


# ---- fast password hashing ---------------------------------------------------------------
# scrypt takes ~0.1 s on purpose; these tests hash and check passwords in nearly every test.
# They use a cheap PBKDF2 instead; test_passwords_are_stored_with_scrypt checks the real one.

CHEAP_PASSWORD_HASHING = True  # conftest: a cheap PBKDF2 instead of scrypt in this module


# ---- helpers -----------------------------------------------------------------------------

def says(page: str, indonesian: str, english: str) -> bool:
    """A message shown in Bahasa Indonesia (the default) or, while the catalogue is being
    filled, in its English source text."""
    return indonesian in page or english in page


class _Forms(HTMLParser):
    """The values a browser would send for each <form> of a page."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._select_first: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"attrs": a, "values": {}})
        elif not self.forms:
            return
        values = self.forms[-1]["values"] if self.forms else {}
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "checkbox":
                if "checked" in a:
                    values[a["name"]] = a.get("value") or "on"
            elif kind not in ("submit", "button"):
                values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select, self._select_first = a.get("name"), None
        elif tag == "option" and self._select:
            if self._select_first is None:
                self._select_first = a.get("value", "")
                values.setdefault(self._select, self._select_first)
            if "selected" in a:
                values[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def form_values(page: str, field: str) -> dict:
    """Values of the form on the page that has `field` (the page's main form)."""
    parser = _Forms()
    parser.feed(page)
    forms = [f["values"] for f in parser.forms if field in f["values"]]
    assert forms, f"no form with field {field!r} on the page"
    return dict(forms[0])


def submit(client, url: str, changes: dict, field: str = "version"):
    """Open the form at `url`, change some fields like a user would, send it.
    A change to None leaves the field out (an unticked check box)."""
    page = client.get(url)
    assert page.status_code == 200, f"GET {url}: {page.status_code}"
    data = form_values(page.get_data(as_text=True), field)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return client.post(url, data=data)


def new_user(client, **changes):
    data = {"username": "baru", "nama": "Pengguna Baru", "email": "", "role": "viewer",
            "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    data.update(changes)
    return submit(client, "/admin/pengguna/baru", data)


def invalid_fields(page: str) -> set[str]:
    """The fields the form marks as wrong (Bootstrap's is-invalid)."""
    return set(re.findall(r'<(?:input|select)[^>]*class="[^"]*\bis-invalid\b[^"]*"[^>]*\bid="([^"]+)"',
                          page))


def listed_usernames(page: str) -> list[str]:
    return re.findall(r'href="/admin/pengguna/\d+">([^<]+)</a>', page)


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def agency_count() -> int:
    return db.session.scalar(select(func.count()).select_from(PerangkatDaerah))


def fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def user_named(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def audit_for(obj) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == obj.__tablename__, AuditEntry.object_id == obj.id)
        .order_by(AuditEntry.id)))


def can_log_in(app, username: str, password: str) -> bool:
    other = browser(app)
    response = login(other, username, password)
    return response.status_code == 302 and other.get("/wilayah/").status_code == 200


# ---- the list of users -------------------------------------------------------------------

def test_user_list_shows_every_account_of_the_region(as_user, region):
    page = as_user("admin").get("/admin/pengguna").get_data(as_text=True)
    assert sorted(listed_usernames(page)) == sorted(region["users"])
    assert "Uji kel1" in page
    assert "Pasar Baru" in page  # a unit operator's scope
    assert "Dinas Pekerjaan Umum" in page  # an agency operator's scope
    assert "Medan 1" in page  # a DPRD member's dapil by name


def test_user_list_filters_by_role(as_user, region):
    client = as_user("admin")
    page = client.get("/admin/pengguna?role=operator").get_data(as_text=True)
    assert sorted(listed_usernames(page)) == ["kec1", "kec2", "kel1", "kel2", "ling1"]
    page = client.get("/admin/pengguna?role=dprd").get_data(as_text=True)
    assert listed_usernames(page) == ["dprd1"]
    page = client.get("/admin/pengguna?role=bukan-peran").get_data(as_text=True)
    assert len(listed_usernames(page)) == len(region["users"])  # unknown role: no filter


def test_user_list_filters_by_text_in_name_or_username(as_user, region):
    client = as_user("admin")
    page = client.get("/admin/pengguna?q=KEL").get_data(as_text=True)
    assert sorted(listed_usernames(page)) == ["kel1", "kel2"]
    region["users"]["pu"].nama = "Siti Rahmawati"
    db.session.commit()
    page = client.get("/admin/pengguna?q=rahma").get_data(as_text=True)
    assert listed_usernames(page) == ["pu"]
    page = client.get("/admin/pengguna?q=kec&role=viewer").get_data(as_text=True)
    assert listed_usernames(page) == []
    assert says(page, "Tidak ada akun yang cocok.", "No account matches.")
    # LIKE wildcards typed by the user are not wildcards
    page = client.get("/admin/pengguna?q=%25").get_data(as_text=True)
    assert len(listed_usernames(page)) == len(region["users"])


def test_user_list_pages_through_every_account_keeping_the_filter(app, as_user, region):
    app.config["PAGE_SIZE"] = 2
    client = as_user("admin")
    seen = []
    for number in (1, 2, 3):
        page = client.get(f"/admin/pengguna?role=operator&page={number}").get_data(as_text=True)
        names = listed_usernames(page)
        assert len(names) == (2 if number < 3 else 1)
        seen += names
        assert says(page, f"Halaman {number} dari 3", f"Page {number} of 3")
        if number < 3:  # the "next" link keeps the role filter
            assert re.search(rf'href="/admin/pengguna\?[^"]*role=operator[^"]*page={number + 1}"',
                             page.replace("&amp;", "&")) or re.search(
                rf'href="/admin/pengguna\?[^"]*page={number + 1}[^"]*role=operator"',
                page.replace("&amp;", "&"))
    assert sorted(seen) == ["kec1", "kec2", "kel1", "kel2", "ling1"]  # each once
    beyond = client.get("/admin/pengguna?role=operator&page=9")
    assert beyond.status_code == 200 and listed_usernames(beyond.get_data(as_text=True)) == []


# ---- creating accounts -------------------------------------------------------------------

ROLE_SCOPES = {
    "bappeda": ({}, {}),
    "operator": ({"wilayah_kode": "12.71.01.1002"}, {"wilayah": "12.71.01.1002"}),
    "operator_pd": ({"perangkat_daerah_id": "dinkes"}, {"perangkat_daerah": "dinkes"}),
    "dprd": ({"dapil": "MDN-2"}, {"dapil": "MDN-2"}),
    "viewer": ({}, {}),
}


def test_admin_creates_each_role_with_its_scope(as_user, region):
    client = as_user("admin")
    roles = [r.value for r in Role]  # every role the core knows, also ones added later
    assert set(ROLE_SCOPES) <= set(roles)
    for role in roles:
        form_scope, expected = ROLE_SCOPES.get(role, ({}, {}))  # other roles: region-wide
        if form_scope.get("perangkat_daerah_id"):
            form_scope = {"perangkat_daerah_id": str(region["agencies"]["dinkes"].id)}
        before = user_count()
        response = new_user(client, username=f"baru-{role}", nama=f"Baru {role}", role=role, **form_scope)
        assert response.status_code == 302, (role, invalid_fields(response.get_data(as_text=True)))
        assert response.headers["Location"].endswith("/admin/pengguna")
        assert user_count() == before + 1, role
        user = user_named(f"baru-{role}")
        assert (user.role, user.nama, user.aktif) == (role, f"Baru {role}", True)
        assert user.tenant_id == region["users"]["admin"].tenant_id
        unit = region["units"].get(expected.get("wilayah"))
        assert user.wilayah_id == (unit.id if unit else None), role
        agency = region["agencies"].get(expected.get("perangkat_daerah"))
        assert user.perangkat_daerah_id == (agency.id if agency else None), role
        assert user.dapil == expected.get("dapil"), role
        assert user.password_hash != NEW_PASSWORD and user.check_password(NEW_PASSWORD)
        page = client.get("/admin/pengguna").get_data(as_text=True)
        assert says(page, f"Akun baru-{role} disimpan.", f"Account baru-{role} saved.")


def test_passwords_are_stored_with_scrypt(as_user, region, monkeypatch):
    monkeypatch.undo()  # the real hashing of the application
    response = new_user(as_user("admin"))
    assert response.status_code == 302
    user = user_named("baru")
    assert user.password_hash.startswith("scrypt:")
    assert NEW_PASSWORD not in user.password_hash and user.check_password(NEW_PASSWORD)


def test_new_account_can_log_in_with_the_password_set(app, as_user, region):
    response = new_user(as_user("admin"), username="operator.baru", role="operator",
                        wilayah_kode="12.71.02.1001")
    assert response.status_code == 302
    assert can_log_in(app, "operator.baru", NEW_PASSWORD)
    assert not can_log_in(app, "operator.baru", PASSWORD)


def test_scope_fields_that_do_not_fit_the_role_are_not_stored(as_user, region):
    response = new_user(as_user("admin"), role="viewer", wilayah_kode="12.71.01",
                        perangkat_daerah_id=str(region["agencies"]["pu"].id), dapil="MDN-1")
    assert response.status_code == 302
    user = user_named("baru")
    assert (user.wilayah_id, user.perangkat_daerah_id, user.dapil) == (None, None, None)


@pytest.fixture
def other_region(region, owner_session):
    """Kabupaten Agam in the same database, with a unit, an agency and an account (written as
    the owner: Medan's application role may not write another region's rows)."""
    agam = Tenant(slug="agam", kode="13.06", nama="Kabupaten Agam")
    owner_session.add(agam)
    owner_session.flush()
    unit = Wilayah(tenant_id=agam.id, kode="13.06.01", nama="Tanjung Mutiara", tingkat=1)
    agency = PerangkatDaerah(tenant_id=agam.id, kode="1.05.01", nama="Satpol PP Agam")
    owner_session.add_all([unit, agency])
    owner_session.flush()
    user = User(tenant_id=agam.id, username="admin-agam", nama="Admin Agam", role="bappeda",
                password_hash=region["users"]["admin"].password_hash)
    owner_session.add(user)
    owner_session.commit()
    return {"unit": unit, "agency": agency, "user": user}


BAD_SCOPES = [
    # (case, form values, field expected to carry the error, message in Indonesian, in English)
    ("operator without unit", {"role": "operator"}, "wilayah_kode",
     "Operator wilayah memerlukan wilayah", "A unit operator needs a unit"),
    # a wrong code is named in the message (issue 14)
    ("operator with unknown unit", {"role": "operator", "wilayah_kode": "12.71.09.1009"},
     "wilayah_kode", "Tidak ada wilayah dengan kode 12.71.09.1009", "No unit with code 12.71.09.1009"),
    ("operator with another region's unit", {"role": "operator", "wilayah_kode": "13.06.01"},
     "wilayah_kode", "Tidak ada wilayah dengan kode 13.06.01", "No unit with code 13.06.01"),
    ("agency operator without agency", {"role": "operator_pd"}, "perangkat_daerah_id",
     "Operator PD memerlukan Perangkat Daerah", "An agency operator needs an agency"),
    ("agency operator with another region's agency", {"role": "operator_pd", "perangkat_daerah_id": "AGAM"},
     "perangkat_daerah_id", "", ""),
    ("agency operator with unknown agency", {"role": "operator_pd", "perangkat_daerah_id": "99999"},
     "perangkat_daerah_id", "", ""),
    ("dprd without dapil", {"role": "dprd"}, "dapil",
     "Anggota DPRD harus memiliki salah satu dapil", "A DPRD member needs one of the region's dapil"),
    ("dprd with unknown dapil", {"role": "dprd", "dapil": "MDN-9"}, "dapil", "", ""),
    ("no role", {"role": ""}, "role", "", ""),
    ("unknown role", {"role": "superadmin"}, "role", "", ""),
]


def test_wrong_or_missing_scope_is_an_error_on_that_field(as_user, region, other_region):
    client = as_user("admin")
    before = user_count()
    for case, values, field, message_id, message_en in BAD_SCOPES:
        values = dict(values)
        if values.get("perangkat_daerah_id") == "AGAM":
            values["perangkat_daerah_id"] = str(other_region["agency"].id)
        response = new_user(client, **values)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, case
        assert invalid_fields(page) == {field}, case
        if message_id:
            assert says(page, message_id, message_en), case
        assert user_count() == before and user_named("baru") is None, case
        assert 'value="baru"' in page, case  # what the admin typed is kept


def test_disabled_agency_is_not_offered_and_not_accepted(as_user, region):
    dinkes = region["agencies"]["dinkes"]
    dinkes.aktif = False
    db.session.commit()
    client = as_user("admin")
    page = client.get("/admin/pengguna/baru").get_data(as_text=True)
    assert "Dinas Kesehatan" not in page and "Dinas Pekerjaan Umum" in page
    response = new_user(client, role="operator_pd", perangkat_daerah_id=str(dinkes.id))
    assert response.status_code == 422
    assert invalid_fields(response.get_data(as_text=True)) == {"perangkat_daerah_id"}
    assert user_named("baru") is None


def test_duplicate_username_is_refused(as_user, region):
    client = as_user("admin")
    before = user_count()
    for taken in ("kel1", "admin"):
        response = new_user(client, username=taken)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, taken
        assert invalid_fields(page) == {"username"}, taken
        assert says(page, "Nama pengguna ini sudah dipakai.", "This username is already taken.")
        assert user_count() == before


def test_username_of_another_region_is_free(as_user, region, other_region, owner_session):
    response = new_user(as_user("admin"), username="admin-agam")
    assert response.status_code == 302
    assert {u.tenant_id for u in owner_session.scalars(select(User).where(
        User.username == "admin-agam"))} == {region["users"]["admin"].tenant_id,
                                             other_region["user"].tenant_id}


def test_new_account_with_an_email_address(as_user, region):
    response = new_user(as_user("admin"), email="operator@pemkomedan.go.id")
    assert response.status_code == 302
    assert user_named("baru").email == "operator@pemkomedan.go.id"


BAD_FIELDS = [
    ({"password": "", "password2": ""}, "password"),
    ({"password": "pendek-1", "password2": "pendek-1"}, "password"),
    ({"password2": NEW_PASSWORD + "x"}, "password2"),
    ({"username": "Nama Besar"}, "username"),
    ({"username": "ab"}, "username"),
    ({"nama": ""}, "nama"),
]


def test_new_account_with_a_bad_field_is_refused(as_user, region):
    client = as_user("admin")
    before = user_count()
    for changes, field in BAD_FIELDS:
        response = new_user(client, **changes)
        assert response.status_code == 422, changes
        assert invalid_fields(response.get_data(as_text=True)) == {field}, changes
        assert user_count() == before, changes


def test_new_account_with_a_malformed_email_is_refused(as_user, region):
    response = new_user(as_user("admin"), email="bukan-email")
    assert response.status_code == 422
    assert invalid_fields(response.get_data(as_text=True)) == {"email"}
    assert user_named("baru") is None


def test_form_without_csrf_token_changes_nothing(as_user, region):
    client = as_user("admin")
    response = client.post("/admin/pengguna/baru", data={
        "username": "baru", "nama": "Pengguna Baru", "role": "viewer", "aktif": "y",
        "password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 400
    assert user_named("baru") is None


# ---- changing accounts -------------------------------------------------------------------

def test_admin_changes_a_role_and_the_scope_follows(as_user, region):
    kel2 = region["users"]["kel2"]
    client = as_user("admin")
    response = submit(client, f"/admin/pengguna/{kel2.id}", {"role": "dprd", "dapil": "MDN-4"})
    assert response.status_code == 302
    user = fresh(User, kel2.id)
    assert (user.role, user.wilayah_id, user.dapil, user.version) == ("dprd", None, "MDN-4", 2)
    assert user.check_password(PASSWORD)  # empty password fields keep the password
    entry = audit_for(user)[-1]
    assert entry.action == "user.update"
    assert entry.changes == {"role": ["operator", "dprd"],
                             "wilayah_id": [region["units"]["12.71.01.1002"].id, None],
                             "dapil": [None, "MDN-4"]}


def test_edit_form_shows_the_current_values(as_user, region):
    kel1 = region["users"]["kel1"]
    page = as_user("admin").get(f"/admin/pengguna/{kel1.id}").get_data(as_text=True)
    values = form_values(page, "version")
    assert values["username"] == "kel1" and values["role"] == "operator"
    assert values["wilayah_kode"] == "12.71.01.1001"
    assert values["version"] == "1" and values["aktif"]
    assert values["password"] == "" and "password_hash" not in page


def test_disabled_user_can_no_longer_log_in_nor_keep_working(app, as_user, region):
    kel1 = region["users"]["kel1"]
    working = browser(app)  # kel1, logged in before being disabled
    assert login(working, "kel1").status_code == 302
    admin = as_user("admin")
    response = submit(admin, f"/admin/pengguna/{kel1.id}", {"aktif": None})
    assert response.status_code == 302
    assert fresh(User, kel1.id).aktif is False
    assert working.get("/wilayah/").status_code == 302  # the open session ends too
    attempt = browser(app)
    page = login(attempt, "kel1").get_data(as_text=True)
    assert says(page, "Akun ini dinonaktifkan", "This account is disabled")
    assert attempt.get("/wilayah/").status_code == 302
    listing = admin.get("/admin/pengguna?q=kel1").get_data(as_text=True)
    assert says(listing, ">nonaktif<", ">disabled<")
    assert audit_for(kel1)[-1].changes == {"aktif": [True, False]}


def test_re_enabled_user_can_log_in_again(app, as_user, region):
    kel1 = region["users"]["kel1"]
    kel1.aktif = False
    db.session.commit()
    response = submit(as_user("admin"), f"/admin/pengguna/{kel1.id}", {"aktif": "y"})
    assert response.status_code == 302
    assert can_log_in(app, "kel1", PASSWORD)


def test_password_reset(app, as_user, region):
    kel1 = region["users"]["kel1"]
    old_hash = kel1.password_hash
    client = as_user("admin")
    response = submit(client, f"/admin/pengguna/{kel1.id}",
                      {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user = fresh(User, kel1.id)
    assert user.password_hash != old_hash
    assert can_log_in(app, "kel1", NEW_PASSWORD)
    assert not can_log_in(app, "kel1", PASSWORD)
    entry = audit_for(user)[-1]
    assert entry.action == "user.password"
    assert entry.reason in ("kata sandi diatur ulang", "password reset")
    stored = json.dumps(entry.changes) + (entry.reason or "")
    assert NEW_PASSWORD not in stored and user.password_hash not in stored
    assert "password" not in entry.changes and "password_hash" not in entry.changes


def test_password_reset_with_mismatched_repeat_changes_nothing(app, as_user, region):
    kel1 = region["users"]["kel1"]
    response = submit(as_user("admin"), f"/admin/pengguna/{kel1.id}",
                      {"password": NEW_PASSWORD, "password2": "lain-sekali-12345"})
    assert response.status_code == 422
    assert invalid_fields(response.get_data(as_text=True)) == {"password2"}
    user = fresh(User, kel1.id)
    assert user.check_password(PASSWORD) and user.version == 1
    assert audit_for(user) == []


def test_admin_cannot_remove_own_admin_rights_or_disable_self(as_user, region):
    admin = region["users"]["admin"]
    client = as_user("admin")
    for changes in ({"role": "viewer"}, {"role": "operator", "wilayah_kode": "12.71.01"},
                    {"aktif": None}):
        response = submit(client, f"/admin/pengguna/{admin.id}", changes)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, changes
        assert invalid_fields(page) == {"role"}, changes
        assert says(page, "Anda tidak dapat mencabut hak administrator Anda sendiri",
                    "You cannot remove your own administrator rights")
        user = fresh(User, admin.id)
        assert (user.role, user.aktif, user.version, user.wilayah_id) == ("bappeda", True, 1, None)
        assert client.get("/admin/pengguna").status_code == 200
    assert audit_for(admin) == []


def test_admin_may_rename_self(as_user, region):
    admin = region["users"]["admin"]
    response = submit(as_user("admin"), f"/admin/pengguna/{admin.id}", {"nama": "Kepala Bidang"})
    assert response.status_code == 302
    assert fresh(User, admin.id).nama == "Kepala Bidang"


def test_admin_disables_another_admin(as_user, region):
    other = User(tenant_id=region["users"]["admin"].tenant_id, username="admin2", nama="Admin Dua",
                 role="bappeda", password_hash=region["users"]["admin"].password_hash)
    db.session.add(other)
    db.session.commit()
    response = submit(as_user("admin"), f"/admin/pengguna/{other.id}", {"role": "viewer"})
    assert response.status_code == 302
    assert fresh(User, other.id).role == "viewer"


def test_renaming_to_a_taken_username_is_refused(as_user, region):
    kel2 = region["users"]["kel2"]
    response = submit(as_user("admin"), f"/admin/pengguna/{kel2.id}", {"username": "kel1"})
    assert response.status_code == 422
    assert invalid_fields(response.get_data(as_text=True)) == {"username"}
    assert fresh(User, kel2.id).username == "kel2"


def test_stale_user_form_is_refused_and_nothing_changes(as_user, region):
    kel1 = region["users"]["kel1"]
    url = f"/admin/pengguna/{kel1.id}"
    first_tab = as_user("admin")
    stale = form_values(first_tab.get(url).get_data(as_text=True), "version")
    # meanwhile the account is changed (another tab, or another administrator)
    assert submit(first_tab, url, {"nama": "Nama Pertama"}).status_code == 302
    stale.update({"nama": "Nama Kedua", "role": "viewer"})
    response = first_tab.post(url, data=stale)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    page = first_tab.get(url).get_data(as_text=True)
    assert says(page, "Akun ini diubah orang lain", "Someone else changed this account")
    assert form_values(page, "version")["nama"] == "Nama Pertama"  # the current values
    user = fresh(User, kel1.id)
    assert (user.nama, user.role, user.version) == ("Nama Pertama", "operator", 2)
    assert [e.action for e in audit_for(user)] == ["user.update"]


def test_edit_without_version_is_refused(as_user, region):
    kel1 = region["users"]["kel1"]
    client = as_user("admin")
    response = submit(client, f"/admin/pengguna/{kel1.id}", {"nama": "Tanpa Versi", "version": None})
    assert response.status_code == 302
    assert fresh(User, kel1.id).nama == "Uji kel1"


# ---- history -----------------------------------------------------------------------------

def test_each_change_writes_an_audit_entry_without_secrets(as_user, region):
    admin = region["users"]["admin"]
    client = as_user("admin")
    new_user(client, username="sejarah", nama="Nama Awal", role="operator", wilayah_kode="12.71.01")
    user = user_named("sejarah")
    submit(client, f"/admin/pengguna/{user.id}", {"nama": "Nama Akhir"})
    submit(client, f"/admin/pengguna/{user.id}", {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    entries = audit_for(user)
    assert [e.action for e in entries] == ["user.create", "user.update", "user.password"]
    assert {(e.actor_id, e.actor_name) for e in entries} == {(admin.id, "Uji admin")}
    assert all(e.tenant_id == admin.tenant_id for e in entries)
    created = entries[0].changes
    assert created["username"] == [None, "sejarah"]
    assert created["role"] == [None, "operator"]
    assert created["wilayah_id"] == [None, region["units"]["12.71.01"].id]
    assert entries[1].changes == {"nama": ["Nama Awal", "Nama Akhir"]}  # only what changed
    user = fresh(User, user.id)
    for entry in entries:
        stored = json.dumps(entry.changes) + (entry.reason or "")
        assert "password" not in entry.changes and "password_hash" not in entry.changes
        assert NEW_PASSWORD not in stored and user.password_hash not in stored
        assert user.password_hash.split("$")[-1] not in stored


def test_unchanged_save_writes_no_history(as_user, region):
    kel1 = region["users"]["kel1"]
    response = submit(as_user("admin"), f"/admin/pengguna/{kel1.id}", {})
    assert response.status_code == 302
    assert audit_for(kel1) == [] and fresh(User, kel1.id).version == 1


def test_history_page_shows_who_changed_what(as_user, region):
    kel2 = region["users"]["kel2"]
    client = as_user("admin")
    submit(client, f"/admin/pengguna/{kel2.id}", {"nama": "Rina Kelurahan"})
    submit(client, f"/admin/pengguna/{kel2.id}", {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    page = client.get(f"/admin/pengguna/{kel2.id}/riwayat").get_data(as_text=True)
    assert says(page, "Riwayat kel2", "History of kel2")
    assert "user.update" in page and "user.password" in page
    assert "Uji admin" in page
    assert "Uji kel2" in page and "Rina Kelurahan" in page
    assert says(page, "kata sandi diatur ulang", "password reset")
    assert NEW_PASSWORD not in page and fresh(User, kel2.id).password_hash not in page
    # the newest first
    assert page.index("user.password") < page.index("user.update")


def test_history_page_of_an_untouched_account(as_user, region):
    page = as_user("admin").get(f"/admin/pengguna/{region['users']['pu'].id}/riwayat").get_data(as_text=True)
    assert says(page, "Belum ada riwayat.", "No history yet.")


# ---- agencies ----------------------------------------------------------------------------

def new_agency(client, **changes):
    data = {"kode": "1.05.01", "nama": "Satuan Polisi Pamong Praja", "singkatan": "Satpol PP"}
    data.update(changes)
    return submit(client, "/admin/perangkat-daerah/baru", data, field="kode")


def agency_by_kode(kode: str) -> PerangkatDaerah | None:
    db.session.expire_all()
    return db.session.scalar(select(PerangkatDaerah).where(PerangkatDaerah.kode == kode))


def test_agency_list_and_filter(as_user, region):
    client = as_user("admin")
    page = client.get("/admin/perangkat-daerah").get_data(as_text=True)
    assert "Dinas Pekerjaan Umum" in page and "Dinas Kesehatan" in page
    page = client.get("/admin/perangkat-daerah?q=kesehatan").get_data(as_text=True)
    assert "Dinas Kesehatan" in page and "Dinas Pekerjaan Umum" not in page
    page = client.get("/admin/perangkat-daerah?q=1.03").get_data(as_text=True)
    assert "Dinas Pekerjaan Umum" in page and "Dinas Kesehatan" not in page


def test_admin_creates_an_agency(as_user, region):
    client = as_user("admin")
    response = new_agency(client)
    assert response.status_code == 302
    agency = agency_by_kode("1.05.01")
    assert (agency.nama, agency.singkatan, agency.aktif, agency.version) == (
        "Satuan Polisi Pamong Praja", "Satpol PP", True, 1)
    assert agency.tenant_id == region["users"]["admin"].tenant_id
    entry = audit_for(agency)[-1]
    assert (entry.action, entry.actor_id) == ("perangkat_daerah.create", region["users"]["admin"].id)
    assert entry.changes["kode"] == [None, "1.05.01"]
    assert "Satuan Polisi Pamong Praja" in client.get("/admin/perangkat-daerah").get_data(as_text=True)
    # and it is offered to agency operators at once
    assert "Satuan Polisi Pamong Praja" in client.get("/admin/pengguna/baru").get_data(as_text=True)


def test_duplicate_agency_code_is_refused(as_user, region):
    before = agency_count()
    response = new_agency(as_user("admin"), kode="1.03.01", nama="Dinas Kembar")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert invalid_fields(page) == {"kode"}
    assert says(page, "Kode ini sudah dipakai Perangkat Daerah lain.", "Another agency already has this code.")
    assert agency_count() == before


def test_agency_code_of_another_region_is_free(as_user, region, other_region):
    assert new_agency(as_user("admin"), kode="1.05.01").status_code == 302


def test_agency_with_a_bad_field_is_refused(as_user, region):
    client = as_user("admin")
    before = agency_count()
    for changes, field in [({"kode": ""}, "kode"), ({"kode": "1 03 01"}, "kode"), ({"nama": "ab"}, "nama")]:
        response = new_agency(client, **changes)
        assert response.status_code == 422, changes
        assert invalid_fields(response.get_data(as_text=True)) == {field}, changes
        assert agency_count() == before, changes


def test_admin_edits_an_agency(as_user, region):
    pu = region["agencies"]["pu"]
    response = submit(as_user("admin"), f"/admin/perangkat-daerah/{pu.id}",
                      {"nama": "Dinas Pekerjaan Umum dan Penataan Ruang", "singkatan": "Dinas PUPR"})
    assert response.status_code == 302
    agency = fresh(PerangkatDaerah, pu.id)
    assert (agency.nama, agency.singkatan, agency.version) == (
        "Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas PUPR", 2)
    entry = audit_for(agency)[-1]
    assert entry.action == "perangkat_daerah.update"
    assert entry.changes == {"nama": ["Dinas Pekerjaan Umum", "Dinas Pekerjaan Umum dan Penataan Ruang"],
                             "singkatan": ["Dinas PU", "Dinas PUPR"]}


def test_changing_an_agency_code_to_a_taken_one_is_refused(as_user, region):
    dinkes = region["agencies"]["dinkes"]
    response = submit(as_user("admin"), f"/admin/perangkat-daerah/{dinkes.id}", {"kode": "1.03.01"})
    assert response.status_code == 422
    assert invalid_fields(response.get_data(as_text=True)) == {"kode"}
    assert fresh(PerangkatDaerah, dinkes.id).kode == "1.02.01"


def test_admin_deactivates_an_agency(as_user, region):
    dinkes = region["agencies"]["dinkes"]
    client = as_user("admin")
    response = submit(client, f"/admin/perangkat-daerah/{dinkes.id}", {"aktif": None})
    assert response.status_code == 302
    agency = fresh(PerangkatDaerah, dinkes.id)
    assert agency.aktif is False and agency.version == 2
    assert audit_for(agency)[-1].changes == {"aktif": [True, False]}
    page = client.get("/admin/perangkat-daerah?q=kesehatan").get_data(as_text=True)
    assert says(page, ">nonaktif<", ">disabled<")


def test_stale_agency_form_is_refused_and_nothing_changes(as_user, region):
    pu = region["agencies"]["pu"]
    url = f"/admin/perangkat-daerah/{pu.id}"
    client = as_user("admin")
    stale = form_values(client.get(url).get_data(as_text=True), "kode")
    assert submit(client, url, {"nama": "Dinas PU Baru"}, field="kode").status_code == 302
    stale["nama"] = "Dinas PU Lama"
    response = client.post(url, data=stale)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    page = client.get(url).get_data(as_text=True)
    assert says(page, "Perangkat Daerah ini diubah orang lain", "Someone else changed this agency")
    agency = fresh(PerangkatDaerah, pu.id)
    assert (agency.nama, agency.version) == ("Dinas PU Baru", 2)
    assert len(audit_for(agency)) == 1


# ---- who may enter -----------------------------------------------------------------------

def _admin_urls(region):
    viewer, pu = region["users"]["viewer"], region["agencies"]["pu"]
    gets = ["/admin/pengguna", "/admin/pengguna?role=bappeda", "/admin/pengguna/baru",
            f"/admin/pengguna/{viewer.id}", f"/admin/pengguna/{viewer.id}/riwayat",
            "/admin/perangkat-daerah", "/admin/perangkat-daerah/baru", f"/admin/perangkat-daerah/{pu.id}"]
    posts = {
        "/admin/pengguna/baru": {"username": "penyusup", "nama": "Penyusup", "role": "bappeda",
                                 "aktif": "y", "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
        f"/admin/pengguna/{viewer.id}": {"username": "viewer", "nama": "Uji viewer", "role": "bappeda",
                                         "aktif": "y", "version": "1"},
        "/admin/perangkat-daerah/baru": {"kode": "9.99.99", "nama": "Dinas Siluman", "aktif": "y"},
        f"/admin/perangkat-daerah/{pu.id}": {"kode": "1.03.01", "nama": "Dinas Diganti", "aktif": "y",
                                             "version": "1"},
    }
    return gets, posts


def test_other_roles_get_403_on_every_admin_url(app, region):
    usernames = ["kec1", "kel1", "ling1", "pu", "dprd1", "viewer"]
    for role in Role:  # a role added later (without a scope) is checked too
        if role.value != "bappeda" and all(u.role != role.value for u in region["users"].values()):
            db.session.add(User(tenant_id=region["users"]["admin"].tenant_id, username=f"peran-{role.value}",
                                nama=f"Peran {role.value}", role=role.value,
                                password_hash=region["users"]["admin"].password_hash))
            usernames.append(f"peran-{role.value}")
    db.session.commit()
    gets, posts = _admin_urls(region)
    before = (user_count(), agency_count())
    for username in usernames:
        client = browser(app)
        assert login(client, username).status_code == 302
        for url in gets:
            response = client.get(url)
            assert response.status_code == 403, (username, "GET", url)
        page = response.get_data(as_text=True)
        assert says(page, "Anda tidak boleh membuka halaman ini", "You may not open this page")
        token = csrf_token(client, "/")
        for url, data in posts.items():
            response = client.post(url, data={**data, "csrf_token": token})
            assert response.status_code == 403, (username, "POST", url)
    assert (user_count(), agency_count()) == before
    assert fresh(User, region["users"]["viewer"].id).role == "viewer"
    assert fresh(PerangkatDaerah, region["agencies"]["pu"].id).nama == "Dinas Pekerjaan Umum"
    assert audit_for(region["users"]["viewer"]) == []


def test_anonymous_visitor_is_sent_to_the_login_page(client, region):
    gets, posts = _admin_urls(region)
    for url in gets:
        response = client.get(url)
        assert response.status_code == 302 and "/masuk" in response.headers["Location"], url
    token = csrf_token(client)
    for url, data in posts.items():
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code in (302, 401, 403), url
    assert user_named("penyusup") is None and agency_by_kode("9.99.99") is None


def test_admin_gets_404_for_an_account_that_does_not_exist(as_user, region):
    client = as_user("admin")
    missing = db.session.scalar(select(func.max(User.id))) + 1000
    assert client.get(f"/admin/pengguna/{missing}").status_code == 404
    assert client.get(f"/admin/pengguna/{missing}/riwayat").status_code == 404
    token = csrf_token(client, "/admin/pengguna/baru")
    response = client.post(f"/admin/pengguna/{missing}", data={
        "username": "hantu", "nama": "Hantu", "role": "viewer", "version": "1", "csrf_token": token})
    assert response.status_code == 404
    assert client.get("/admin/perangkat-daerah/987654").status_code == 404
    assert client.get("/admin/pengguna/bukan-angka").status_code == 404
    assert user_named("hantu") is None


def test_admin_gets_404_for_another_regions_account_and_agency(as_user, region, other_region, owner_session):
    client = as_user("admin")
    foreign_user, foreign_agency = other_region["user"], other_region["agency"]
    assert client.get(f"/admin/pengguna/{foreign_user.id}").status_code == 404
    assert client.get(f"/admin/pengguna/{foreign_user.id}/riwayat").status_code == 404
    assert client.get(f"/admin/perangkat-daerah/{foreign_agency.id}").status_code == 404
    token = csrf_token(client, "/admin/pengguna/baru")
    response = client.post(f"/admin/pengguna/{foreign_user.id}", data={
        "username": "admin-agam", "nama": "Diambil Alih", "role": "viewer", "version": "1",
        "csrf_token": token})
    assert response.status_code == 404
    owner_session.expire_all()
    assert owner_session.get(User, foreign_user.id).role == "bappeda"
    page = client.get("/admin/pengguna?q=agam").get_data(as_text=True)
    assert listed_usernames(page) == []


# ---- the first administrator, from the terminal -----------------------------------------

def test_cli_creates_an_admin_who_can_log_in(app, runner):
    result = runner.invoke(args=["users", "create-admin", "--username", "ani", "--nama", "Ani Lestari",
                                 "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert "ani" in result.output
    user = user_named("ani")
    assert (user.role, user.aktif, user.nama) == ("bappeda", True, "Ani Lestari")
    assert can_log_in(app, "ani", NEW_PASSWORD)
    client = browser(app)
    login(client, "ani", NEW_PASSWORD)
    assert client.get("/admin/pengguna").status_code == 200
    entry = audit_for(user)[-1]
    assert entry.action == "user.create" and entry.actor_id is None
    assert NEW_PASSWORD not in json.dumps(entry.changes)


def test_cli_asks_for_the_password_twice_when_not_given(app, runner):
    result = runner.invoke(args=["users", "create-admin", "--username", "budi", "--nama", "Budi"],
                           input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert user_named("budi").check_password(NEW_PASSWORD)


def test_cli_refuses_a_short_password(app, runner):
    result = runner.invoke(args=["users", "create-admin", "--username", "ani", "--nama", "Ani",
                                 "--password", "pendek"])
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert user_named("ani") is None


def test_cli_refuses_a_taken_username(app, runner, region):
    result = runner.invoke(args=["users", "create-admin", "--username", "KEL1", "--nama", "Kembar",
                                 "--password", NEW_PASSWORD])
    assert result.exit_code != 0
    assert "username" in result.output
    assert fresh(User, region["users"]["kel1"].id).role == "operator"


def test_cli_refuses_a_username_the_web_form_would_refuse(app, runner):
    """Otherwise the administrator could never save the own account in the browser."""
    result = runner.invoke(args=["users", "create-admin", "--username", "ani lestari", "--nama", "Ani",
                                 "--password", NEW_PASSWORD])
    assert result.exit_code != 0
    assert user_count() == 0
