"""Two application hosts behind a load balancer (docs/scaling.md): two gunicorn processes on
127.0.0.1:8481 and :8482 sharing one PostgreSQL database, one Redis and one upload folder,
behind HAProxy on 127.0.0.1:8480 (.ci/engines/hosts.sh). A person logged in on one host goes on
working on the other; a decision saved on one shows on the other's public page within a second
(PUBLIC_PAGE_HEAD_MS); failed logins are counted together. Required under CI=true, skipped with
a visible reason elsewhere.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from support.apps import make_app
from support.builders import build_medan
from support.engines import BALANCER_PORT, HOST_PORTS, exclusive, require, wait_until
from support.env import IN_CI, PASSWORD, PG_SERVER, ROOT, TENANTS_DIR, probe_postgres

from eplanning_core.extensions import db
from eplanning_core.testing.databases import fresh_database
from eplanning_core.testing.plugin import migrate

pytestmark = pytest.mark.xdist_group("two-hosts")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BALANCER = f"http://127.0.0.1:{BALANCER_PORT}"
REASON = "Sudah dibangun swadaya warga"


class Hosts:
    def __init__(self, processes, usulan_id, code, log_dir):
        self.processes, self.usulan_id, self.code, self.log_dir = processes, usulan_id, code, log_dir

    def url(self, index: int) -> str:
        return f"http://127.0.0.1:{HOST_PORTS[index]}"

    def stop(self, index: int) -> None:
        process = self.processes[index]
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def _seed(owner_url: str, password_hash: str) -> tuple[int, str]:
    """Medan in miniature, its cycle open with every window around today (the hosts run on the
    real clock), and one proposal of Lingkungan I."""
    from eplanning_core.demo.scenario import open_windows
    from eplanning_core.siklus.operations import open_cycle
    from eplanning_core.usulan import operations as ops
    from eplanning_core.usulan.engine_adapter import local_now
    from support.acting import ROAD

    app = make_app(owner_url)
    with app.app_context():
        region = build_medan(password_hash)
        db.session.commit()
        admin = region["users"]["admin"]
        siklus = open_cycle(region["units"]["12.71.01"].tenant_id, admin, 2027).obj
        open_windows(siklus, admin, local_now(), every=True)
        values = dict(ROAD, lokasi_wilayah_id=region["units"]["12.71.01.1001.01"].id)
        outcome = ops.create(siklus, "rembuk_warga", region["users"]["ling1"], values)
        assert outcome.ok, outcome.errors
        found = outcome.usulan.id, outcome.usulan.kode_lacak
        db.session.remove()
        db.engine.dispose()
    return found


def _serving(url: str) -> bool:
    try:
        return requests.get(url + "/api/v1/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def hosts(tmp_path_factory, password_hash):
    require("balancer")
    require("redis")
    problem = probe_postgres()
    if problem:
        require_pg = f"PostgreSQL not reachable at {PG_SERVER}: {problem}"
        pytest.fail(require_pg) if IN_CI else pytest.skip(require_pg)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.fail("gunicorn is not installed in the virtualenv (setup.cfg [dev]): make install")
    from eplanning_core.tenancy.approle import grant_app_role

    shared = tmp_path_factory.mktemp("shared-instance")  # the one upload folder of both hosts
    with exclusive("hosts"), fresh_database(PG_SERVER, prefix="eplanning_hosts") as owner_url:
        migrate(make_app(owner_url))
        usulan_id, code = _seed(owner_url, password_hash)
        role = f"eplanning_hosts_{uuid.uuid4().hex[:8]}"
        owner = create_engine(owner_url, poolclass=NullPool)
        with owner.begin() as conn:
            grant_app_role(conn, role, PASSWORD)
        app_url = make_url(owner_url).set(username=role, password=PASSWORD).render_as_string(hide_password=False)
        env = dict(os.environ, EPLANNING_DATABASE_URL=app_url, EPLANNING_MIGRATE_DATABASE_URL=owner_url,
                   EPLANNING_SECRET_KEY="two-hosts-" + uuid.uuid4().hex, EPLANNING_TENANT="medan",
                   EPLANNING_TENANTS_DIR=str(TENANTS_DIR), EPLANNING_INSTANCE_PATH=str(shared),
                   EPLANNING_PROXIES="1", EPLANNING_RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
                   EPLANNING_LOGIN_THROTTLE_PREFIX=f"eplanning:test-hosts:{uuid.uuid4().hex[:8]}")
        logs = tmp_path_factory.mktemp("host-logs")
        processes = []
        try:
            for index, port in enumerate(HOST_PORTS[:2]):
                log = open(logs / f"host{index + 1}.log", "wb")
                processes.append(subprocess.Popen(
                    [str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5",
                     "eplanning_core:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
            for index in range(2):
                wait_until(lambda: _serving(f"http://127.0.0.1:{HOST_PORTS[index]}") or processes[index].poll(),
                           60, f"host {index + 1} serves (log: {logs})")
                assert processes[index].poll() is None, (logs / f"host{index + 1}.log").read_text()[-3000:]
            wait_until(lambda: len({_answered_by(requests.get(BALANCER + "/api/v1/health", timeout=2))
                                    for _ in range(4)}) == 2, 30, "the balancer sends requests to both hosts")
            yield Hosts(processes, usulan_id, code, logs)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    process.wait(timeout=30)
            with owner.begin() as conn:
                conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
                conn.exec_driver_sql(f'DROP ROLE "{role}"')
            owner.dispose()


def _answered_by(response) -> str:
    return response.headers.get("X-Eplanning-Host", "")


def _token(browser, url: str) -> str:
    page = browser.get(url, timeout=10)
    assert page.status_code == 200, (url, page.status_code)
    match = CSRF_RE.search(page.text)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def _version(page: str) -> str:
    return re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)


def test_failed_logins_are_counted_together_by_both_hosts(hosts):
    """LOGIN_LIMIT_PAIR (5 free failures of one name from one address) in Redis: failures on
    either host use up the same allowance."""
    live = [i for i, p in enumerate(hosts.processes) if p.poll() is None]
    browser = requests.Session()
    answers = []
    for attempt in range(7):
        url = hosts.url(live[attempt % len(live)]) if len(live) > 1 else BALANCER
        response = browser.post(url + "/masuk", allow_redirects=False, timeout=10,
                                data={"username": "kel1", "password": "salah-sekali-123",
                                      "csrf_token": _token(browser, url + "/masuk")})
        answers.append(response.status_code)
    assert 429 in answers[5:], answers  # the sixth failure, wherever it lands, waits


def test_a_photo_uploaded_on_one_host_is_served_by_the_other(hosts):
    """One upload folder (the shared instance folder) for both hosts."""
    import io

    from PIL import Image

    browser = requests.Session()
    one, two = hosts.url(0), hosts.url(1)
    assert browser.post(one + "/masuk", allow_redirects=False, timeout=10,
                        data={"username": "ling1", "password": PASSWORD,
                              "csrf_token": _token(browser, one + "/masuk")}).status_code == 302
    detail = browser.get(one + f"/usulan/{hosts.usulan_id}", timeout=10).text
    photo = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(photo, "JPEG")
    sent = browser.post(one + f"/usulan/{hosts.usulan_id}/lampiran", allow_redirects=False, timeout=10,
                        data={"jenis": "foto", "csrf_token": CSRF_RE.search(detail).group(1)},
                        files={"berkas": ("jalan-rusak.jpg", photo.getvalue(), "image/jpeg")})
    assert sent.status_code == 303
    links = re.findall(r'href="(/usulan/lampiran/\d+)"', browser.get(two + f"/usulan/{hosts.usulan_id}", timeout=10).text)
    assert links, "the other host does not list the photo"
    served = browser.get(two + links[0], timeout=10)
    assert served.status_code == 200 and served.content[:2] == b"\xff\xd8"  # a JPEG, from the shared folder


def test_a_session_moves_between_hosts_and_a_decision_shows_on_the_other(hosts):
    browser = requests.Session()
    login = browser.post(BALANCER + "/masuk", allow_redirects=False, timeout=10,
                         data={"username": "ling1", "password": PASSWORD,
                               "csrf_token": _token(browser, BALANCER + "/masuk")})
    assert login.status_code == 302, login.text[-500:]
    first = {"host1": 0, "host2": 1}[_answered_by(login)]
    other = 1 - first

    # the other host knows the session (a login_session row) and its cookie (one secret key)
    mine = browser.get(hosts.url(other) + "/usulan/", allow_redirects=False, timeout=10)
    assert mine.status_code == 200 and hosts.code in mine.text

    public = f"/publik/lacak?kode={hosts.code}"
    assert REASON not in requests.get(hosts.url(first) + public, timeout=10).text  # kept by host 1 now
    detail = browser.get(hosts.url(other) + f"/usulan/{hosts.usulan_id}", timeout=10).text
    decided = browser.post(hosts.url(other) + f"/usulan/{hosts.usulan_id}/aksi", allow_redirects=False, timeout=10,
                           data={"aksi": "ditolak", "tahapan": "rembuk_warga", "version": _version(detail),
                                 "alasan": REASON, "csrf_token": CSRF_RE.search(detail).group(1)})
    assert decided.status_code == 303
    wait_until(lambda: REASON in requests.get(hosts.url(first) + public, timeout=10).text, 3,
               "the decision saved on one host shows on the other's public page")

    hosts.stop(first)  # the host that took the login goes away: the balancer sends all to the other
    after = browser.get(BALANCER + "/usulan/", allow_redirects=False, timeout=10)
    assert after.status_code == 200 and hosts.code in after.text
    assert _answered_by(after) == f"host{other + 1}"
