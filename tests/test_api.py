"""The REST API (/api/v1): tokens, scope, validation, paging, the screens' refusals by rule code,
the public view without personal data, and the OpenAPI document matching the routes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from support.api import LING1, LING2, NIK, PHONE, ROAD, api_body
from support.env import PASSWORD
from support.web import post_form

from eplanning_core import __version__
from eplanning_core.api import tokens
from eplanning_core.api.models import ApiToken
from eplanning_core.audit.models import AuditEntry
from eplanning_core.extensions import db
from eplanning_core.rapat import operations as rapat_ops
from eplanning_core.siklus.operations import set_limits
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Pengiriman, Usulan
from eplanning_core.testing.meetings import hold_meeting


# ---- helpers -------------------------------------------------------------------------------

def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def token_of(region):
    """A user token of one of the region's accounts, issued directly (no password hashing)."""
    cache = {}

    def _token(username):
        if username not in cache:
            # a long life: tests move the clock across stage windows
            cache[username] = tokens.issue_user_token(region["users"][username], timedelta(days=365)).secret
        return bearer(cache[username])
    return _token


@pytest.fixture
def client_token(region):
    def _token(scope="read", **kw):
        result = tokens.create_client_token(region["users"]["admin"].tenant_id, region["users"]["admin"],
                                            f"klien-{scope}", scope, **kw)
        assert result.ok, result.errors
        return bearer(result.secret)
    return _token


def _create(siklus, region, user="ling1", unit=LING1, **overrides):
    values = dict(ROAD, harga_satuan="450.000", lokasi_wilayah_id=region["units"][unit].id, **overrides)
    outcome = ops.create(siklus, "rembuk_warga", region["users"][user], values)
    assert outcome.ok, (outcome.errors, outcome.refusal)
    return outcome.usulan


@pytest.fixture
def ling2(region, password_hash):
    """The Kepala Lingkungan of the second lingkungan of Pasar Baru."""
    from eplanning_core.accounts.models import User

    user = User(tenant_id=region["users"]["admin"].tenant_id, username="ling2", nama="Uji ling2",
                password_hash=password_hash, aktif=True, role="operator", wilayah_id=region["units"][LING2].id)
    db.session.add(user)
    db.session.commit()
    region["users"]["ling2"] = user
    return user


def _error(response, status, rule=None):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) >= {"message", "errors", "rule"} and body["message"]
    if rule is not None:
        assert body["rule"] == rule, body
    return body


def _record_rembuk(siklus, region):
    rapat_ops.save(siklus, "rembuk_warga", region["units"][LING1], region["users"]["ling1"], 0,
                   {"tempat": "Balai Lingkungan I", "mulai": "2026-01-20T08:00", "jumlah_hadir": "30",
                    "notulen": "Rembuk warga dibuka."})


# ---- health, errors, language -------------------------------------------------------------

def test_health_needs_no_token_and_says_the_database_answers(client, app):
    body = client.get("/api/v1/health").get_json()
    assert body == {"status": "ok", "version": __version__, "database": True, "region": "medan"}


def test_every_error_under_api_v1_is_json_never_an_html_page(client, app):
    for response, status in ((client.get("/api/v1/tidak-ada"), 404), (client.delete("/api/v1/health"), 405),
                             (client.post("/api/v1/auth/token", data="{bukan json",
                                          content_type="application/json"), 400)):
        assert response.mimetype == "application/json"
        _error(response, status)
    assert "GET" in client.delete("/api/v1/health").headers["Allow"]
    # the pages keep their HTML error pages
    page = client.get("/tidak-ada")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_a_server_fault_is_answered_as_json_on_the_api_only(app, client):
    def boom():
        raise RuntimeError("a bug")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/api/v1/_boom", "api_boom", boom)
    app.add_url_rule("/_boom", "page_boom", boom)
    body = _error(client.get("/api/v1/_boom"), 500)
    assert "a bug" not in str(body) and body["rule"] is None
    page = client.get("/_boom")
    assert page.status_code == 500 and page.mimetype == "text/html"


def test_the_language_follows_accept_language(client, region):
    english = client.post("/api/v1/auth/token", json={"username": "kel1", "password": "salah"},
                          headers={"Accept-Language": "en"}).get_json()["message"]
    indonesian = client.post("/api/v1/auth/token", json={"username": "kel1", "password": "salah"},
                             headers={"Accept-Language": "id"}).get_json()["message"]
    assert english == "Wrong username or password." and indonesian != english


# ---- user tokens --------------------------------------------------------------------------

def test_a_user_logs_in_for_a_short_lived_token_of_his_own_scope(client, region, clock):
    response = client.post("/api/v1/auth/token", json={"username": "KEL1", "password": PASSWORD})
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token"].startswith("epl_") and body["token_type"] == "Bearer" and body["scope"] == "write"
    assert body["user"] == {"username": "kel1", "nama": "Uji kel1", "role": "operator",
                            "wilayah_kode": "12.71.01.1001", "perangkat_daerah_id": None}
    assert body["expires_at"] == "2026-01-20T11:00:00+07:00"  # one hour, in WIB with its offset
    stored = db.session.scalar(db.select(ApiToken))
    assert stored.token_hash != body["token"] and body["token"] not in str(stored.__dict__)
    assert client.get("/api/v1/wilayah", headers=bearer(body["token"])).status_code == 200


def test_wrong_credentials_and_disabled_accounts_get_401(client, region):
    unknown = _error(client.post("/api/v1/auth/token", json={"username": "siapa", "password": "x"}), 401,
                     "credentials_invalid")
    wrong = _error(client.post("/api/v1/auth/token", json={"username": "kel1", "password": "x"}), 401,
                   "credentials_invalid")
    assert unknown["message"] == wrong["message"]
    region["users"]["kel2"].aktif = False
    db.session.commit()
    _error(client.post("/api/v1/auth/token", json={"username": "kel2", "password": PASSWORD}), 401,
           "account_disabled")
    body = _error(client.post("/api/v1/auth/token", json={"username": "kel1"}), 422)
    assert list(body["errors"]) == ["password"]
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0


# ---- which tokens are refused ---------------------------------------------------------------

def test_missing_bad_revoked_and_expired_tokens_get_401(client, region, client_token, clock):
    assert _error(client.get("/api/v1/usulan"), 401, "token_invalid")
    assert client.get("/api/v1/usulan").headers["WWW-Authenticate"].startswith("Bearer")
    _error(client.get("/api/v1/usulan", headers=bearer("epl_tidak-ada")), 401, "token_invalid")
    _error(client.get("/api/v1/usulan", headers={"Authorization": "Basic a2VsMTp4"}), 401, "token_invalid")
    headers = client_token("read")
    assert client.get("/api/v1/usulan", headers=headers).status_code == 200
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id.is_(None)))
    tokens.revoke(token, region["users"]["admin"])
    _error(client.get("/api/v1/usulan", headers=headers), 401, "token_invalid")
    user = bearer(tokens.issue_user_token(region["users"]["kel1"]).secret)  # one hour
    assert client.get("/api/v1/usulan", headers=user).status_code == 200
    clock.now += timedelta(hours=1, seconds=1)
    _error(client.get("/api/v1/usulan", headers=user), 401, "token_invalid")
    expiring = client_token("read", expires_at=(clock.now + timedelta(days=1)).replace(tzinfo=None))
    assert client.get("/api/v1/usulan", headers=expiring).status_code == 200
    clock.now += timedelta(days=1)
    _error(client.get("/api/v1/usulan", headers=expiring), 401, "token_invalid")


def test_a_disabled_user_token_stops_working(client, region, token_of):
    headers = token_of("kel1")
    region["users"]["kel1"].aktif = False
    db.session.commit()
    _error(client.get("/api/v1/usulan", headers=headers), 401, "token_invalid")


def test_last_use_is_written_at_most_once_a_minute(client, region, client_token, clock):
    headers = client_token("read")
    client.get("/api/v1/wilayah", headers=headers)
    first = db.session.scalar(db.select(ApiToken.last_used_at))
    assert first is not None
    clock.now += timedelta(seconds=30)
    client.get("/api/v1/wilayah", headers=headers)
    assert db.session.scalar(db.select(ApiToken.last_used_at)) == first
    clock.now += timedelta(seconds=31)
    client.get("/api/v1/wilayah", headers=headers)
    assert db.session.scalar(db.select(ApiToken.last_used_at)) > first


def test_the_session_cookie_of_a_logged_in_browser_means_nothing_to_the_api(as_user, region, siklus):
    browser = as_user("admin")
    assert browser.get("/usulan/").status_code == 200
    response = browser.get("/api/v1/usulan")
    _error(response, 401, "token_invalid")
    assert "Set-Cookie" not in response.headers
    response = browser.post("/api/v1/usulan", json=api_body())
    _error(response, 401, "token_invalid")
    assert db.session.scalar(db.select(db.func.count()).select_from(Usulan)) == 0


# ---- wilayah ----------------------------------------------------------------------------------

def test_units_filtered_by_level_and_parent_within_the_callers_scope(client, region, token_of, client_token):
    everything = client.get("/api/v1/wilayah?per_page=100", headers=client_token()).get_json()
    assert everything["total"] == len(region["units"]) and everything["page"] == 1
    kecamatan = client.get("/api/v1/wilayah?tingkat=1", headers=client_token()).get_json()["items"]
    assert [u["kode"] for u in kecamatan] == ["12.71.01", "12.71.02"]
    assert kecamatan[0]["tingkat_nama"] and kecamatan[0]["parent_kode"] is None
    children = client.get("/api/v1/wilayah?parent=12.71.01.1001", headers=client_token()).get_json()["items"]
    assert [u["kode"] for u in children] == [LING1, LING2]
    assert {u["parent_kode"] for u in children} == {"12.71.01.1001"}
    mine = client.get("/api/v1/wilayah", headers=token_of("kel1")).get_json()["items"]
    assert {u["kode"] for u in mine} == {"12.71.01.1001", LING1, LING2}


def test_paging_has_limits_and_one_envelope(client, region, client_token):
    headers = client_token()
    page = client.get("/api/v1/wilayah?per_page=2&page=2", headers=headers).get_json()
    assert set(page) == {"items", "page", "per_page", "total", "pages"}
    assert (page["page"], page["per_page"], len(page["items"])) == (2, 2, 2)
    assert page["pages"] == -(-page["total"] // 2)
    assert client.get("/api/v1/wilayah?page=99", headers=headers).get_json()["items"] == []
    for query, name in (("per_page=101", "per_page"), ("per_page=0", "per_page"), ("page=0", "page"),
                        ("tingkat=x", "tingkat")):
        body = _error(client.get(f"/api/v1/wilayah?{query}", headers=headers), 422)
        assert list(body["errors"]) == [name]


# ---- reading proposals ------------------------------------------------------------------------

def test_proposals_are_listed_in_the_callers_scope_and_filtered_like_the_screens(
        client, region, siklus, token_of, client_token, ling2):
    mine = _create(siklus, region)
    other = _create(siklus, region, user="ling2", unit=LING2, usulan_kegiatan="Perbaikan drainase Gang Mawar")
    kel2 = client.get("/api/v1/usulan", headers=token_of("kel2")).get_json()
    assert kel2["total"] == 0
    kel1 = client.get("/api/v1/usulan", headers=token_of("kel1")).get_json()
    assert [u["id"] for u in kel1["items"]] == [other.id, mine.id]
    item = kel1["items"][1]
    assert item["total"] == 67_500_000 and item["harga_satuan"] == 450_000 and item["volume"] == "150.00"
    assert item["kode_lacak"] == mine.kode_lacak and item["versi"] == mine.version
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$", item["created_at"])
    assert "pengusul_nik" not in item and "pengusul_telepon" not in item
    headers = client_token()
    for query, ids in ((f"wilayah={LING2}", [other.id]), ("q=drainase", [other.id]),
                       ("status=ditolak", []), ("tahapan=rembuk_warga", [other.id, mine.id]),
                       ("sumber=lingkungan&per_page=1", [other.id])):
        assert [u["id"] for u in client.get(f"/api/v1/usulan?{query}", headers=headers).get_json()["items"]] == ids
    _error(client.get("/api/v1/usulan?status=bukan", headers=headers), 422)
    body = _error(client.get("/api/v1/usulan?siklus=999999", headers=headers), 404)
    assert list(body["errors"]) == ["siklus"]  # a reference to nothing: not found, naming the field


def test_a_proposal_outside_the_callers_scope_is_not_found(client, region, siklus, token_of, client_token):
    usulan = _create(siklus, region)
    _error(client.get(f"/api/v1/usulan/{usulan.id}", headers=token_of("kel2")), 404)
    _error(client.get(f"/api/v1/usulan/{usulan.id}/riwayat", headers=token_of("kel2")), 404)
    _error(client.get("/api/v1/usulan/999999", headers=token_of("admin")), 404)
    detail = client.get(f"/api/v1/usulan/{usulan.id}", headers=token_of("kel1")).get_json()
    assert detail["pengusul_nik"] == NIK and detail["pengusul_telepon"] == PHONE  # as on the screens
    by_client = client.get(f"/api/v1/usulan/{usulan.id}", headers=client_token()).get_json()
    assert by_client["id"] == usulan.id and by_client["aksi"] == []
    assert "pengusul_nik" not in by_client and "pengusul_telepon" not in by_client
    viewer = client.get(f"/api/v1/usulan/{usulan.id}", headers=token_of("viewer")).get_json()
    assert "pengusul_nik" not in viewer
    ling1 = client.get(f"/api/v1/usulan/{usulan.id}", headers=token_of("ling1")).get_json()
    assert {a["keputusan"] for a in ling1["aksi"]} >= {"ditolak", "survei_selesai"}


# ---- entering proposals --------------------------------------------------------------------

def test_a_kepala_lingkungan_enters_a_proposal(client, region, siklus, token_of):
    response = client.post("/api/v1/usulan", json=api_body(), headers=token_of("ling1"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    usulan = db.session.get(Usulan, body["id"])
    assert response.headers["Location"].endswith(f"/api/v1/usulan/{usulan.id}")
    assert body["kode_lacak"] == usulan.kode_lacak and usulan.total == 67_500_000
    assert usulan.lokasi_kode == LING1 and usulan.created_by_id == region["users"]["ling1"].id
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "usulan.buat")) == 1


def test_invalid_fields_get_422_naming_them_and_nothing_is_saved(client, region, siklus, token_of):
    headers = token_of("ling1")
    body = _error(client.post("/api/v1/usulan", json=api_body(bidang=None, volume="-3", harga_satuan=1.5,
                                                          tambahan="x"), headers=headers), 422)
    assert set(body["errors"]) == {"bidang", "volume", "harga_satuan", "tambahan"}
    body = _error(client.post("/api/v1/usulan", json=api_body(harga_satuan="450.000"), headers=headers), 422)
    assert list(body["errors"]) == ["harga_satuan"]  # money is a JSON integer
    body = _error(client.post("/api/v1/usulan", json=api_body(pengusul_nik="123", permasalahan="abc"),
                              headers=headers), 422)
    assert set(body["errors"]) == {"pengusul_nik", "permasalahan"}
    _error(client.post("/api/v1/usulan", json=[1, 2], headers=headers), 422)
    assert db.session.scalar(db.select(db.func.count()).select_from(Usulan)) == 0


def test_a_reference_to_nothing_in_the_region_is_404_naming_the_field(client, region, siklus, token_of):
    """Valid input naming a row the region does not have: not found, not "invalid" (the document
    cannot know each region's rows); the field is named and nothing is saved."""
    headers = token_of("ling1")
    for overrides, field, rule in (({"lokasi_kode": "99.99"}, "lokasi_kode", None),
                                   ({"tahapan": "tidak_ada"}, "tahapan", "unknown_stage"),
                                   ({"kamus_id": 999999}, "kamus_id", None),
                                   ({"siklus": 999999}, "siklus", None)):
        body = _error(client.post("/api/v1/usulan", json=api_body(**overrides), headers=headers), 404, rule)
        assert list(body["errors"]) == [field] and body["errors"][field] == [body["message"]]
    body = _error(client.post("/api/v1/usulan/kirim", json={"tahapan": "tidak_ada"}, headers=headers), 404,
                  "unknown_stage")
    assert list(body["errors"]) == ["tahapan"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Usulan)) == 0


def test_rules_across_fields_are_refused_as_the_document_declares(client, app, region, siklus, token_of):
    """lat with lng or neither; the unit price within the limit of the volume's size. Both
    stand in the OpenAPI document, which is what a client (and the fuzz test) goes by."""
    headers = token_of("ling1")
    body = _error(client.post("/api/v1/usulan", json=api_body(lat="3.59", lng=None), headers=headers), 422)
    assert list(body["errors"]) == ["lat"]
    body = _error(client.post("/api/v1/usulan", json=api_body(volume="1000000", harga_satuan=1_000_000_000),
                              headers=headers), 422)
    assert list(body["errors"]) == ["harga_satuan"] and "Rp 99.999.999." in body["errors"]["harga_satuan"][0]
    assert db.session.scalar(db.select(db.func.count()).select_from(Usulan)) == 0
    response = client.post("/api/v1/usulan", json=api_body(volume="999999", harga_satuan=999_999_999, lat="3.59",
                                                           lng="98.67"), headers=headers)
    assert response.status_code == 201, response.get_json()
    rules = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["UsulanCreate"]["allOf"]
    prices = {tier["properties"]["volume"]["pattern"]: tier["properties"]["harga_satuan"]["maximum"]
              for tier in rules[0]["anyOf"]}
    assert prices["^[0-9]{1,6}(\\.[0-9]{1,2})?$"] == 999_999_999
    assert rules[1]["anyOf"][0]["required"] == ["lat", "lng"]


def test_an_operator_proposal_without_a_place_is_at_the_operators_unit(client, region, siklus, token_of):
    body = api_body()
    body.pop("lokasi_kode", None)
    response = client.post("/api/v1/usulan", json=body, headers=token_of("ling1"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["lokasi"]["kode"] == LING1


def test_entering_is_refused_like_on_the_screens(client, region, siklus, token_of, client_token, clock):
    _error(client.post("/api/v1/usulan", json=api_body(), headers=token_of("kel2")), 403, "wrong_role")
    _error(client.post("/api/v1/usulan", json=api_body(lokasi_kode=LING2), headers=token_of("ling1")),
           403, "out_of_scope")
    _error(client.post("/api/v1/usulan", json=api_body(), headers=client_token("read")), 403, "user_token_required")
    _error(client.post("/api/v1/usulan", json=api_body(), headers=client_token("write")), 403, "user_token_required")
    _error(client.post("/api/v1/usulan", json=api_body(), headers=token_of("viewer")), 403, "token_scope")
    clock.set_local("2026-02-01T00:00")  # Rembuk Warga closed at the end of 31 January (WIB)
    body = _error(client.post("/api/v1/usulan", json=api_body(), headers=token_of("ling1")), 403)
    assert body["rule"] in ("outside_window", "entry_closed") and "2026-02-01 00:00" in body["message"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Usulan)) == 0


# ---- deciding -------------------------------------------------------------------------------

def _decide(client, usulan, headers, **body):
    body.setdefault("versi", usulan.version)
    return client.post(f"/api/v1/usulan/{usulan.id}/keputusan", json=body, headers=headers)


def test_deciding_goes_through_the_engine_and_returns_the_new_version(client, region, siklus, token_of):
    usulan = _create(siklus, region)
    seen = usulan.version
    response = _decide(client, usulan, token_of("ling1"), keputusan="survei_selesai")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["survei_selesai"] is True and body["versi"] == seen + 1
    response = _decide(client, usulan, token_of("ling1"), keputusan="ditolak", versi=body["versi"],
                       alasan="Sudah dikerjakan oleh program kota tahun lalu")
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Usulan, usulan.id).status == "ditolak"


def test_a_rejection_without_a_reason_is_refused_with_the_field(client, region, siklus, token_of):
    usulan = _create(siklus, region)
    body = _error(_decide(client, usulan, token_of("ling1"), keputusan="ditolak", alasan="  "), 422,
                  "reason_required")
    assert list(body["errors"]) == ["alasan"]
    db.session.expire_all()
    assert db.session.get(Usulan, usulan.id).status == "belum_dibahas"


def test_deciding_is_refused_by_role_scope_window_and_input(client, region, siklus, token_of, client_token, clock):
    usulan = _create(siklus, region)
    _error(_decide(client, usulan, token_of("kel1"), keputusan="ditolak", alasan="Bukan kewenangan"), 403,
           "wrong_role")
    _error(_decide(client, usulan, token_of("kel2"), keputusan="ditolak", alasan="Bukan kewenangan"), 404)
    _error(_decide(client, usulan, client_token("write"), keputusan="ditolak", alasan="Bukan kewenangan"), 403,
           "user_token_required")
    body = _error(_decide(client, usulan, token_of("ling1"), keputusan="ditolak", alasan="Duplikat", pagu=5),
                  422)
    assert list(body["errors"]) == ["pagu"]
    body = _error(_decide(client, usulan, token_of("ling1"), keputusan="terbang"), 422)
    assert list(body["errors"]) == ["keputusan"]
    body = _error(client.post(f"/api/v1/usulan/{usulan.id}/keputusan", json={"keputusan": "ditolak"},
                              headers=token_of("ling1")), 422)
    assert list(body["errors"]) == ["versi"]
    _error(_decide(client, usulan, token_of("ling1"), keputusan="diterima"), 409, "decision_not_allowed")
    _error(_decide(client, usulan, token_of("ling1"), keputusan="ditolak", alasan="Duplikat",
                   tahapan="musrenbang_kelurahan"), 409, "wrong_stage")
    clock.set_local("2026-02-03T08:00")
    body = _error(_decide(client, usulan, token_of("ling1"), keputusan="survei_selesai"), 403, "outside_window")
    assert "2026-02-01 00:00" in body["message"]
    db.session.expire_all()
    assert db.session.get(Usulan, usulan.id).survei_selesai is False


def test_a_stale_version_is_refused_with_the_current_one(client, region, siklus, token_of):
    usulan = _create(siklus, region)
    seen = usulan.version
    assert _decide(client, usulan, token_of("ling1"), keputusan="survei_selesai").status_code == 200
    body = _error(_decide(client, usulan, token_of("ling1"), keputusan="ditolak", versi=seen,
                          alasan="Duplikat usulan lain"), 409, "stale")
    db.session.expire_all()
    assert body["versi"] == db.session.get(Usulan, usulan.id).version == seen + 1
    assert db.session.get(Usulan, usulan.id).status == "belum_dibahas"


def test_the_kelurahan_accepts_and_the_kecamatan_scores_and_routes(client, region, siklus, token_of, clock):
    usulan = _create(siklus, region)
    ops.act(usulan, region["users"]["ling1"], "survei_selesai", expected_version=usulan.version,
            stage_key="rembuk_warga")
    hold_meeting(siklus, "rembuk_warga", LING1)
    assert ops.send(siklus, "rembuk_warga", LING1, region["users"]["ling1"]).ok
    db.session.expire_all()
    usulan = db.session.get(Usulan, usulan.id)
    clock.set_local("2026-02-05T09:00")
    response = _decide(client, usulan, token_of("kel1"), keputusan="diterima")
    assert response.status_code == 200 and response.get_json()["status"] == "diterima"
    hold_meeting(siklus, "musrenbang_kelurahan", "12.71.01.1001")
    assert ops.send(siklus, "musrenbang_kelurahan", "12.71.01.1001", region["users"]["kel1"]).ok
    db.session.expire_all()
    usulan = db.session.get(Usulan, usulan.id)
    clock.set_local("2026-02-20T09:00")
    headers = token_of("kec1")
    body = _error(_decide(client, usulan, headers, keputusan="skor", points={"keterdesakan": 99}), 422,
                  "invalid_input")
    assert list(body["errors"]) == ["points"]
    points = {"keterdesakan": 5, "kemiskinan": 4, "pertumbuhan_ekonomi": 3, "potensi_lokasi": 3,
              "manfaat": 4, "partisipasi": 5}
    body = _decide(client, usulan, headers, keputusan="skor", points=points).get_json()
    assert body["skor"] is not None and isinstance(body["skor"], str)
    seen = body["versi"]
    body = _error(_decide(client, usulan, headers, keputusan="rute", versi=seen, agency_id=999999), 404)
    assert list(body["errors"]) == ["agency_id"]  # a reference to nothing in the region
    body = _error(_decide(client, usulan, headers, keputusan="rute", versi=seen), 422, "missing_field")
    assert list(body["errors"]) == ["agency_id"]
    response = _decide(client, usulan, headers, keputusan="rute", versi=seen, agency_id=region["agencies"]["pu"].id)
    assert response.get_json()["perangkat_daerah"]["id"] == region["agencies"]["pu"].id


# ---- sending --------------------------------------------------------------------------------

def test_sending_over_the_quota_is_refused_and_nothing_moves(client, region, siklus, token_of):
    assert set_limits(siklus, "rembuk_warga", region["users"]["admin"],
                      [{"wilayah_id": region["units"][LING1].id, "kuota": 1}]).ok
    for _ in range(2):
        usulan = _create(siklus, region)
        ops.act(usulan, region["users"]["ling1"], "survei_selesai", expected_version=usulan.version,
                stage_key="rembuk_warga")
    _record_rembuk(siklus, region)
    body = _error(client.post("/api/v1/usulan/kirim", json={"tahapan": "rembuk_warga"},
                              headers=token_of("ling1")), 409, "quota_exceeded")
    assert "1" in body["message"]
    assert {u.tahapan for u in db.session.scalars(db.select(Usulan))} == {"rembuk_warga"}
    assert db.session.scalar(db.select(db.func.count()).select_from(Pengiriman)) == 0


def test_sending_needs_the_meeting_then_moves_the_batch(client, region, siklus, token_of):
    usulan = _create(siklus, region)
    ops.act(usulan, region["users"]["ling1"], "survei_selesai", expected_version=usulan.version,
            stage_key="rembuk_warga")
    headers = token_of("ling1")
    body = _error(client.post("/api/v1/usulan/kirim", json={"tahapan": "rembuk_warga"}, headers=headers), 409,
                  "meeting_incomplete")
    assert body["errors"]["rapat"]
    _record_rembuk(siklus, region)
    _error(client.post("/api/v1/usulan/kirim", json={"tahapan": "rembuk_warga", "holder": LING2},
                       headers=headers), 403, "out_of_scope")
    _error(client.post("/api/v1/usulan/kirim", json={"tahapan": "rembuk_warga"}, headers=token_of("kel1")),
           403, "wrong_role")
    dry = client.post("/api/v1/usulan/kirim", json={"tahapan": "rembuk_warga", "dry_run": True}, headers=headers)
    assert dry.get_json()["dikirim"] == [usulan.id] and dry.get_json()["dry_run"] is True
    assert db.session.scalar(db.select(db.func.count()).select_from(Pengiriman)) == 0
    sent = client.post("/api/v1/usulan/kirim", json={"tahapan": "rembuk_warga"}, headers=headers).get_json()
    assert sent["ke_tahapan"] == "musrenbang_kelurahan" and sent["dikirim"] == [usulan.id]
    _error(client.post("/api/v1/usulan/kirim", json={"tahapan": "rembuk_warga"}, headers=headers), 409,
           "already_sent")


# ---- history and the public view -------------------------------------------------------------

def test_the_history_never_holds_the_proposers_personal_data(client, region, siklus, token_of, client_token):
    usulan = _create(siklus, region)
    edited = ops.act(usulan, region["users"]["ling1"], "ubah", expected_version=usulan.version,
                     stage_key="rembuk_warga", content=dict(ROAD, harga_satuan="450.000",
                                                            lokasi_wilayah_id=region["units"][LING1].id,
                                                            pengusul_telepon="0813-9999-0000",
                                                            pengusul_nik="1271010101019999",
                                                            pengusul_nama="Siti Aminah Lubis"))
    assert edited.ok, (edited.refusal, edited.errors)
    response = client.get(f"/api/v1/usulan/{usulan.id}/riwayat", headers=client_token())
    raw = response.get_data(as_text=True)
    body = response.get_json()
    assert [d["keputusan"] for d in body["keputusan"]] == ["buat"]
    assert body["keputusan"][0]["oleh"] and body["keputusan"][0]["waktu"].endswith("+07:00")
    assert [e["aksi"] for e in body["riwayat"]] == ["usulan.buat", "usulan.ubah"]
    for secret in (NIK, PHONE, "1271010101019999", "0813-9999-0000", "Siti Aminah"):
        assert secret not in raw


def test_the_public_view_shows_the_journey_without_personal_data(client, region, siklus):
    usulan = _create(siklus, region)
    ops.act(usulan, region["users"]["ling1"], "ditolak", expected_version=usulan.version,
            stage_key="rembuk_warga", reason="Sudah dikerjakan oleh program kota")
    response = client.get(f"/api/v1/publik/usulan/{usulan.kode_lacak.lower()}")
    assert response.status_code == 200 and "public" in response.headers["Cache-Control"]
    raw = response.get_data(as_text=True)
    body = response.get_json()
    assert body["kode_lacak"] == usulan.kode_lacak and body["status"] == "ditolak"
    assert body["pengusul"] == "S*** A*****"
    assert body["lokasi"] == ["Medan Kota", "Pasar Baru", region["units"][LING1].nama]
    assert [s["keputusan"] for s in body["timeline"]] == ["buat", "ditolak"]
    assert body["timeline"][1]["alasan"] == "Sudah dikerjakan oleh program kota"
    assert all(s["oleh"] for s in body["timeline"])
    for secret in (NIK, PHONE, "Siti Aminah", "Uji ling1", "pengusul_nik", "pengusul_telepon", "user_nama"):
        assert secret not in raw
    _error(client.get("/api/v1/publik/usulan/MDN-2027-999999"), 404)
    _error(client.get("/api/v1/publik/usulan/%3Cscript%3E"), 404)


# ---- the OpenAPI document --------------------------------------------------------------------

def _flask_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_the_openapi_document_is_valid_and_lists_exactly_the_served_routes(client, app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    from openapi_spec_validator import validate

    validate(document)
    assert document["openapi"].startswith("3.") and document["info"]["version"] == __version__
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": document["components"]["securitySchemes"][
            "bearerAuth"]["description"]}
    served = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api-docs.openapi_json":
            served.setdefault(_flask_path(rule.rule), set()).update(
                m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    documented = {path: set(ops_) - {"parameters"} for path, ops_ in document["paths"].items()}
    assert documented == served
    for path in ("/api/v1/usulan", "/api/v1/usulan/{usulan_id}/keputusan"):
        for operation in document["paths"][path].values():
            if isinstance(operation, dict) and "responses" in operation:
                assert operation["security"] == [{"bearerAuth": []}]
    assert "security" not in document["paths"]["/api/v1/health"]["get"]
    assert "security" not in document["paths"]["/api/v1/publik/usulan/{kode}"]["get"]


# ---- the Bappeda screens for client tokens ------------------------------------------------------

def test_bappeda_creates_a_token_sees_it_once_lists_and_revokes_it(as_user, region, client):
    browser = as_user("admin")
    response = post_form(browser, "/admin/token/baru", {"name": "e-Budgeting BPKAD", "scope": "write"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = re.search(r"(epl_[A-Za-z0-9_\-]+)", response.get_data(as_text=True)).group(1)
    token = db.session.scalar(db.select(ApiToken))
    assert (token.name, token.scope, token.user_id) == ("e-Budgeting BPKAD", "write", None)
    assert token.token_hash != secret and secret.startswith(token.prefix)
    api = browser.application.test_client()
    assert api.get("/api/v1/usulan", headers=bearer(secret)).status_code == 200
    listing = browser.get("/admin/token/").get_data(as_text=True)
    assert "e-Budgeting BPKAD" in listing and token.prefix in listing and secret not in listing
    assert browser.get("/admin/token/?format=xlsx").mimetype.endswith("spreadsheetml.sheet")
    assert browser.get("/admin/token/?status=dicabut").get_data(as_text=True).count("e-Budgeting BPKAD") == 0
    response = post_form(browser, f"/admin/token/{token.id}/cabut", {}, token_from="/admin/token/")
    assert response.status_code == 303
    _error(api.get("/api/v1/usulan", headers=bearer(secret)), 401, "token_invalid")
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.action.in_(("api_token.buat", "api_token.cabut")))) == 2
    bad = post_form(browser, "/admin/token/baru", {"name": "", "scope": "semua"})
    assert bad.status_code == 422


def test_only_bappeda_reaches_the_token_screens(as_user, region):
    browser = as_user("kel1")
    assert browser.get("/admin/token/").status_code == 403
    assert browser.get("/admin/token/baru").status_code == 403


# ---- nothing a client sends makes a 500 -------------------------------------------------------

def test_hostile_input_gets_4xx_never_a_server_error(client, region, siklus, token_of, client_token):
    usulan = _create(siklus, region)
    user, reader = token_of("ling1"), client_token()
    huge = 10 ** 20
    gets = ["/api/v1/usulan/99999999999999999999", f"/api/v1/usulan?pd={huge}", "/api/v1/usulan?q=%00",
            "/api/v1/wilayah?parent=%00", f"/api/v1/wilayah?page={huge}", "/api/v1/publik/usulan/" + "A" * 4000,
            f"/api/v1/rkpd/{huge}", f"/api/v1/usulan/{huge}/riwayat", "/api/v1/usulan?siklus=-1"]
    for url in gets:
        response = client.get(url, headers=reader)
        assert 400 <= response.status_code < 500 and response.get_json()["message"], url
    posts = [("/api/v1/usulan", api_body(permasalahan="Jalan\x00rusak parah")),
             ("/api/v1/usulan", api_body(harga_satuan=huge)),
             ("/api/v1/usulan", api_body(volume="999999999999.99", harga_satuan=999_999_999_999)),
             ("/api/v1/usulan", api_body(kamus_id=huge)), ("/api/v1/usulan", api_body(lokasi_kode="%")),
             ("/api/v1/usulan", api_body(lat="91.5", lng="200")), ("/api/v1/usulan", None),
             (f"/api/v1/usulan/{usulan.id}/keputusan", {"keputusan": "ditolak", "versi": huge}),
             (f"/api/v1/usulan/{usulan.id}/keputusan", {"keputusan": "ditolak", "versi": "1"}),
             (f"/api/v1/usulan/{usulan.id}/keputusan", {"keputusan": "ditolak", "versi": 1, "alasan": "x" * 3000}),
             (f"/api/v1/usulan/{usulan.id}/keputusan", {"keputusan": "skor", "versi": 1, "points": []}),
             (f"/api/v1/usulan/{usulan.id}/keputusan", {"keputusan": "rute", "versi": 1, "agency_id": huge}),
             (f"/api/v1/usulan/{usulan.id}/keputusan", {"keputusan": "didanai", "versi": 1, "amount": huge}),
             ("/api/v1/usulan/kirim", {"tahapan": "rembuk_warga", "holder": "\x00"}),
             ("/api/v1/usulan/kirim", {"tahapan": "tidak_ada"}),
             ("/api/v1/auth/token", {"username": "kel1\x00", "password": "x"}),
             ("/api/v1/auth/token", {"username": "kel1", "password": "x" * 5000})]
    for url, body in posts:
        response = client.post(url, json=body, headers=user)
        assert 400 <= response.status_code < 500 and response.get_json()["message"], (url, body)
    assert db.session.scalar(db.select(db.func.count()).select_from(Usulan)) == 1


def test_every_route_is_documented_with_its_method(client, app):
    from pathlib import Path

    docs = "".join((Path(__file__).resolve().parent.parent / "docs" / name).read_text(encoding="utf-8")
                   for name in ("api.md", "integration.md"))
    docs = re.sub(r"\{\w+\}", "{}", docs.replace("/api/v1", ""))
    for path, operations in client.get("/api/v1/openapi.json").get_json()["paths"].items():
        short = re.sub(r"\{\w+\}", "{}", path.removeprefix("/api/v1"))
        for method in set(operations) - {"parameters"}:
            assert f"{method.upper()} {short}" in docs, f"{method.upper()} {path} is not in docs/api.md"
    assert docs.count("curl ") >= 10


def test_the_document_declares_the_budget_lines_and_the_404_of_references(client):
    """What a client needs to send a valid batch and to expect a reference to nothing."""
    document = client.get("/api/v1/openapi.json").get_json()
    line = document["components"]["schemas"]["AnggaranLine"]
    assert set(line["required"]) == {"external_id", "perangkat_daerah", "sub_kegiatan", "uraian", "jumlah"}
    assert [kind["type"] for kind in line["properties"]["jumlah"]["anyOf"]] == ["integer", "string"]
    for path, method in (("/api/v1/usulan", "get"), ("/api/v1/usulan", "post"), ("/api/v1/usulan/kirim", "post"),
                         ("/api/v1/anggaran/{tahun}", "post")):
        assert "404" in document["paths"][path][method]["responses"], (path, method)
