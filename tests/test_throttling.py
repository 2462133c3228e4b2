"""Login throttling (issue 13, point 6; OWASP ASVS 5.0 V6.1.1, V6.3.1), as people notice it.

The finding: five wrong passwords locked any username for a minute (twenty for an hour) and
the right password was refused too; the per-address limit was shared across regions, so
after one brute force from an address the admins of both regions behind it got 429; an
office behind one NAT could be locked out by anyone in it.

Now: waits that grow per account and client, after which the right password works; a
browser that logged in before is held up by nobody else; the address counts per region;
Bappeda's administrator clears an account's waits; with Redis every worker sees the same
counters. The clock of the counters is the test's (no sleeping, no timing).
"""

from __future__ import annotations

import os
import uuid

import pytest
from support.apps import empty_all_tables, make_app
from support.env import IN_CI, PASSWORD
from support.web import browser, csrf_token, HostClient, login

from eplanning_core.accounts import throttle_store
from eplanning_core.accounts.models import User
from eplanning_core.audit.models import AuditEntry
from eplanning_core.config import defaults
from eplanning_core.extensions import db
from eplanning_core.tenancy.context import current_tenant_id, use_tenant

WRONG = "salah-sekali-123"
OFFICE, ATTACKER, HOME = "198.51.100.7", "203.0.113.9", "192.0.2.44"
REDIS_URL = os.environ.get("EPLANNING_TEST_REDIS", "redis://127.0.0.1:6379/15")
CHEAP_PASSWORD_HASHING = True  # a cheap PBKDF2 instead of scrypt in this module (support.passwords)
SHIPPED = ("LOGIN_LIMIT_PAIR", "LOGIN_LIMIT_ACCOUNT", "LOGIN_LIMIT_ADDRESS", "LOGIN_BACKOFF_SECONDS",
           "LOGIN_BACKOFF_MAX_SECONDS")


class Clock:
    """The counters' clock, moved by the test."""

    def __init__(self, monkeypatch):
        self.now = 1_800_000_000.0
        monkeypatch.setattr(throttle_store, "now", lambda: self.now)

    def forward(self, seconds: float):
        self.now += seconds


@pytest.fixture
def counters_clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture(autouse=True)
def shipped_settings(app):
    """The shipped defaults (the test apps relax them)."""
    app.config.update({key: defaults()[key] for key in SHIPPED})


def person(app, address):
    """A browser at ``address``."""
    client = browser(app)
    client.environ_base["REMOTE_ADDR"] = address
    return client


def says(page: str, indonesian: str, english: str) -> bool:
    return indonesian in page or english in page


def signed_in(client) -> bool:
    return client.get("/wilayah/").status_code == 200


def logout(client):
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/")})


# ---- waits that grow, and the right password after the wait ------------------------------

def test_after_five_failures_the_next_attempt_waits_then_the_right_password_works(app, region,
                                                                                 counters_clock):
    guesser = person(app, OFFICE)
    for _ in range(5):
        assert login(guesser, "kel1", WRONG).status_code == 200
    refused = login(guesser, "kel1")  # the right password, during the wait: not even checked
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "30"
    page = refused.get_data(as_text=True)
    assert says(page, "tunggu 30 detik", "wait 30 seconds")
    assert not signed_in(guesser)
    counters_clock.forward(31)
    assert login(guesser, "kel1").status_code == 302  # no lock: the wait is over


def test_each_further_failure_doubles_the_wait_up_to_the_cap(app, region, counters_clock):
    guesser = person(app, ATTACKER)
    waits = []
    for _ in range(5):
        login(guesser, "kel1", WRONG)
    for _ in range(7):
        refused = login(guesser, "kel1", WRONG)
        waits.append(int(refused.headers["Retry-After"]))
        counters_clock.forward(waits[-1])
        assert login(guesser, "kel1", WRONG).status_code == 200  # one more guess after the wait
    assert waits == [30, 60, 120, 240, 480, 900, 900]
    refused = login(guesser, "kel1", WRONG)
    assert says(refused.get_data(as_text=True), "tunggu 15 menit", "wait 15 minutes")


def test_the_wait_message_is_in_english_too(app, region):
    guesser = person(app, OFFICE)
    guesser.post("/bahasa", data={"lang": "en", "csrf_token": csrf_token(guesser)})
    for _ in range(5):
        login(guesser, "kel1", WRONG)
    assert "wait 30 seconds, then try again" in login(guesser, "kel1").get_data(as_text=True)


# ---- nobody else can make a person wait --------------------------------------------------

def test_a_guesser_elsewhere_does_not_hold_up_the_owner(app, region):
    """Before: five wrong passwords from anywhere locked kel1 out everywhere."""
    attacker = person(app, ATTACKER)
    for _ in range(8):
        login(attacker, "kel1", WRONG)
    assert login(attacker, "kel1").status_code == 429
    assert login(person(app, OFFICE), "kel1").status_code == 302


def test_a_browser_that_logged_in_before_is_held_up_by_nobody(app, region):
    """The account-wide and address-wide counters pass over a browser the person used before,
    so a colleague behind the same office address (one NAT) cannot lock her out."""
    own = person(app, OFFICE)
    assert login(own, "kel1").status_code == 302
    logout(own)
    colleague = person(app, OFFICE)  # same address, another browser
    for _ in range(6):               # past the pair's 5
        login(colleague, "kel1", WRONG)
    for n in range(50):              # past the address's 50, all names together
        login(colleague, f"tebak{n}", WRONG)
    for n in range(20):              # and past the account's 20, from many addresses
        login(person(app, f"203.0.113.{n // 4 + 10}"), "kel1", WRONG)
    assert login(colleague, "kel1").status_code == 429
    assert login(person(app, OFFICE), "kel2").status_code == 429  # a new browser at the address waits
    assert login(person(app, HOME), "kel1").status_code == 429    # so does a new browser elsewhere
    assert login(own, "kel1").status_code == 302                  # her own browser does not


def test_a_guesser_spread_over_many_addresses_is_slowed_down_but_never_locks_for_good(app, region,
                                                                                      counters_clock):
    for n in range(20):  # four failures each from five addresses: no pair waits, the account does
        login(person(app, f"203.0.113.{n // 4 + 10}"), "kel1", WRONG)
    stranger = person(app, HOME)  # the owner on a new laptop at home
    refused = login(stranger, "kel1")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) <= 30
    counters_clock.forward(31)
    assert login(stranger, "kel1").status_code == 302


def test_a_brute_force_on_one_region_does_not_hold_up_another_regions_admin(database_url, app_database_url,
                                                                           tmp_path, password_hash):
    """Before: after one brute force from an address, both regions' admins behind it got 429."""
    hosts = {"eplanning.medan.test": "medan", "eplanning.agam.test": "agam"}
    overrides = {"MIGRATE_DATABASE_URL": database_url} if app_database_url != database_url else {}
    two = make_app(app_database_url, TENANT_HOSTS=hosts, **overrides)
    two.config.update({key: defaults()[key] for key in SHIPPED})
    two.instance_path = str(tmp_path)
    with two.app_context():
        for slug in ("medan", "agam"):
            with use_tenant(slug):
                db.session.add(User(tenant_id=current_tenant_id(), username="admin", nama=f"Admin {slug}",
                                    role="bappeda", password_hash=password_hash, aktif=True))
                db.session.commit()
        db.session.remove()
    try:
        def at(host):
            client = HostClient(two, host)
            client.client.environ_base["REMOTE_ADDR"] = OFFICE
            return client
        medan = at("eplanning.medan.test")
        for n in range(60):
            login(medan, f"admin{n}", WRONG)
        assert login(medan, "admin").status_code == 429  # this region's address counter waits
        assert login(at("eplanning.agam.test"), "admin").status_code == 302
    finally:
        with two.app_context():
            db.session.remove()
            empty_all_tables(database_url if app_database_url != database_url else None)
            db.engine.dispose()


# ---- Bappeda's administrator clears the waits ------------------------------------------

def test_the_admin_sees_the_waits_and_clears_them_with_a_history_entry(app, region):
    guesser = person(app, OFFICE)
    for _ in range(6):
        login(guesser, "kel1", WRONG)
    assert login(guesser, "kel1").status_code == 429
    admin = person(app, HOME)
    assert login(admin, "admin").status_code == 302
    kel1 = region["users"]["kel1"]
    page = admin.get(f"/admin/pengguna/{kel1.id}").get_data(as_text=True)
    assert says(page, "5 kali gagal masuk", "5 failed logins recently")  # the 6th was not tried
    token = csrf_token(admin, f"/admin/pengguna/{kel1.id}")
    response = admin.post(f"/admin/pengguna/{kel1.id}/buka-blokir", data={"csrf_token": token})
    assert response.status_code == 303
    assert login(guesser, "kel1").status_code == 302  # at once, from the address that failed
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "auth.unlocked"))
    assert entry.object_id == kel1.id and entry.actor_name == region["users"]["admin"].nama
    page = admin.get(f"/admin/pengguna/{kel1.id}/riwayat").get_data(as_text=True)
    assert "auth.unlocked" in page or "unlocked" in page.lower() or "dibuka" in page.lower()


def test_only_bappeda_clears_waits(as_user, region):
    client = as_user("kec1")
    kel1 = region["users"]["kel1"]
    token = csrf_token(client, "/")
    assert client.post(f"/admin/pengguna/{kel1.id}/buka-blokir", data={"csrf_token": token}).status_code == 403
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "auth.unlocked")) is None


# ---- the API token endpoint ------------------------------------------------------------

def test_the_api_token_endpoint_waits_the_same_way(app, region, counters_clock):
    api = person(app, ATTACKER)
    for _ in range(5):
        assert api.post("/api/v1/auth/token", json={"username": "kel1", "password": WRONG}).status_code == 401
    refused = api.post("/api/v1/auth/token", json={"username": "kel1", "password": PASSWORD})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "30"
    assert refused.get_json()["rule"] == "rate_limited" and "30" in refused.get_json()["message"]
    counters_clock.forward(31)
    assert api.post("/api/v1/auth/token", json={"username": "kel1", "password": PASSWORD}).status_code == 201


# ---- shared by every worker with Redis ---------------------------------------------------

@pytest.fixture
def redis_prefix():
    """A key prefix of this test on the real Redis; skipped (failed under CI) without it."""
    try:
        import redis

        server = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
        server.ping()
    except Exception as exc:  # any import, network or auth problem: no Redis here
        message = f"Redis not reachable at {REDIS_URL}: {exc}"
        if IN_CI:
            pytest.fail(message + " (CI=true: the Redis tests are required)", pytrace=False)
        pytest.skip(message + " - Redis tests skipped")
    prefix = f"eplanning-test:{uuid.uuid4().hex[:12]}"
    yield prefix
    keys = list(server.scan_iter(f"{prefix}:*"))
    if keys:
        server.delete(*keys)


def test_with_redis_every_worker_sees_the_same_waits(app_database_url, database_url, region, redis_prefix,
                                                     counters_clock, tmp_path):
    overrides = {"MIGRATE_DATABASE_URL": database_url} if app_database_url != database_url else {}
    workers = []
    for _ in range(2):
        worker = make_app(app_database_url, RATELIMIT_STORAGE_URI=REDIS_URL, LOGIN_THROTTLE_PREFIX=redis_prefix,
                          **overrides)
        worker.config.update({key: defaults()[key] for key in SHIPPED})
        worker.instance_path = str(tmp_path)
        workers.append(worker)
    first, second = (person(w, ATTACKER) for w in workers)
    for n in range(5):  # the guesser's requests land on either worker
        assert login(first if n % 2 else second, "kel1", WRONG).status_code == 200
    assert login(first, "kel1").status_code == 429
    assert login(second, "kel1").status_code == 429
    counters_clock.forward(31)
    assert login(second, "kel1").status_code == 302
    for worker in workers:
        with worker.app_context():
            db.engine.dispose()


# ---- the trusted-device cookie ------------------------------------------------------------

def test_the_trusted_device_cookie_is_signed_httponly_and_per_username(app, region):
    own = person(app, OFFICE)
    assert login(own, "kel2").status_code == 302
    cookie = own.get_cookie("eplanning_perangkat")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    logout(own)
    for _ in range(5):  # trusted for kel2, not for kel1: kel1 waits in this browser
        login(own, "kel1", WRONG)
    assert login(own, "kel1").status_code == 429
    forger = person(app, ATTACKER)
    for _ in range(5):
        login(forger, "kel1", WRONG)
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("a guessed key", salt="login-device").dumps(
        {"id": "palsu", "names": [f"{region['users']['kel1'].tenant_id}|kel1"]})
    forger.set_cookie("eplanning_perangkat", forged)
    assert login(forger, "kel1").status_code == 429  # a cookie not signed by the app is not trusted


def test_while_redis_is_down_each_worker_still_counts_and_nobody_gets_an_error(app_database_url, database_url,
                                                                                region, counters_clock, tmp_path):
    overrides = {"MIGRATE_DATABASE_URL": database_url} if app_database_url != database_url else {}
    worker = make_app(app_database_url, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", **overrides)
    worker.config.update({key: defaults()[key] for key in SHIPPED})
    worker.instance_path = str(tmp_path)
    guesser = person(worker, ATTACKER)
    for _ in range(5):
        assert login(guesser, "kel1", WRONG).status_code == 200
    assert login(guesser, "kel1").status_code == 429
    counters_clock.forward(31)
    assert login(guesser, "kel1").status_code == 302
    with worker.app_context():
        db.engine.dispose()
