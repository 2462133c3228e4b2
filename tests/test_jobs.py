"""Background jobs (jobs/): exports and imports with a progress page, retried or failed when
their worker dies, expired on schedule; in a thread without Redis, in RQ workers with it.

The Redis tests start real `eplanning jobs worker` processes and SIGKILL one mid-job. They
need Redis at EPLANNING_TEST_REDIS (default redis://127.0.0.1:6379/0): required under
CI=true, skipped with a visible reason elsewhere.
"""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.budget import bulk_planned
from support.env import IN_CI, TENANTS_DIR
from support.jobs import DEADLINE_SECONDS, job_url, wait_for_job
from support.web import csrf_token

from eplanning_core.extensions import db
from eplanning_core.jobs import operations, records
from eplanning_core.jobs.models import Tugas
from eplanning_core.timeutil import utcnow

REDIS_URL = os.environ.get("EPLANNING_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _lock(siklus):
    from datetime import datetime

    siklus.status, siklus.rkpd_ditetapkan_at = "rkpd_ditetapkan", datetime(2026, 5, 20, 3, 0)
    db.session.commit()


@pytest.fixture
def plan(siklus, region, clock):
    """A set RKPD 2027 of 300 planned items, in the budgeting window."""
    bulk_planned(siklus, region, 300)
    _lock(siklus)
    clock.set_local("2026-10-10T09:00")
    return siklus


def _start_export(client, fmt="csv"):
    return client.post(f"/anggaran/2027/rkpd.{fmt}", data={"csrf_token": csrf_token(client, "/anggaran/2027")})


def _job(tugas_id) -> Tugas:
    db.session.expire_all()
    return db.session.get(Tugas, tugas_id)


def _job_id(response) -> int:
    return int(re.search(r"/tugas/(\d+)", response.headers["Location"]).group(1))


# ---- in the web process (no Redis) ----------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_the_rkpd_export_runs_as_a_job_and_gives_the_same_file(plan, as_user, fmt):
    client = as_user("admin")
    started = _start_export(client, fmt)
    assert started.status_code == 303
    status = wait_for_job(client, started)
    assert status["status"] == "done" and status["percent"] == 100
    assert status["done"] == status["total"] == 300
    page = client.get(job_url(started)).get_data(as_text=True)
    assert 'id="job-download"' in page and f"rkpd-medan-2027.{fmt}" in page
    file = client.get(status["download"])
    assert file.status_code == 200 and f"rkpd-medan-2027.{fmt}" in file.headers["Content-Disposition"]
    direct = client.get(f"/anggaran/2027/rkpd.{fmt}").data
    if fmt == "csv":
        assert file.data == direct
        assert len(list(csv.DictReader(io.StringIO(file.data.decode("utf-8-sig"))))) == 300
    elif fmt == "json":
        assert file.data == direct
    else:
        from openpyxl import load_workbook

        assert len(list(load_workbook(io.BytesIO(file.data), read_only=True).active.iter_rows())) == 301
    mine = client.get("/tugas/").get_data(as_text=True)
    assert f'data-id="{_job_id(started)}"' in mine
    admin = client.get("/admin/tugas/").get_data(as_text=True)
    assert f'data-id="{_job_id(started)}" data-status="done"' in admin


def test_a_job_is_seen_by_its_starter_and_bappeda_only(plan, as_user, region, app):
    from support.web import browser, login

    admin = as_user("admin")
    started = _start_export(admin)
    status = wait_for_job(admin, started)
    url = job_url(started)
    other = browser(app)
    login(other, "kel1")
    for path in (url, url + "/status", status["download"]):
        assert other.get(path).status_code == 404, path
    assert other.get("/admin/tugas/").status_code == 403
    assert _job_id(started) and f'data-id="{_job_id(started)}"' not in other.get("/tugas/").get_data(as_text=True)


def test_an_export_refused_by_the_plan_fails_with_its_reason_in_the_starters_language(siklus, region, app):
    from flask_babel import force_locale

    from eplanning_core.tenancy.context import use_tenant

    with app.test_request_context(), use_tenant("medan"), force_locale("en"):
        tugas = operations.start("rkpd_export", {"tahun": 2027, "fmt": "csv"}, region["users"]["admin"])
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not _job(tugas.id).finished:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    job = _job(tugas.id)
    assert job.status == "failed" and "is not set yet" in job.error and job.file_path is None


def test_a_bad_import_fails_whole_and_a_good_one_reports(plan, as_user):
    from support.budget import apbd_csv, count_rows

    from eplanning_core.budgeting.models import AnggaranBaris

    client = as_user("admin")

    def upload(data):
        form = {"csrf_token": csrf_token(client, "/anggaran/2027/impor"), "file": (io.BytesIO(data), "apbd.csv")}
        return client.post("/anggaran/2027/impor", data=form, content_type="multipart/form-data")

    bad = upload(apbd_csv("S-1,,1.03.01,1.03.10.2.01.0005,Jalan,satu juta"))
    status = wait_for_job(client, bad)
    assert status["status"] == "failed" and status["report"]["problems"][0]["kind"] == "jumlah"
    assert count_rows(AnggaranBaris) == 0
    good = upload(apbd_csv("S-1,MDN-2027-900001,1.03.01,1.03.10.2.01.0005,Jalan,7000000"))
    status = wait_for_job(client, good)
    assert status["status"] == "done" and status["report"]["lines"] == 1 and count_rows(AnggaranBaris) == 1
    assert not any((Path(client.application.instance_path) / "jobs").rglob("input"))  # uploads removed


def _stale(tugas_id, attempt):
    """A run that claimed the job and then died: running, with no heartbeat for long."""
    from sqlalchemy import update

    records.side_write(_job(tugas_id).tenant_id, update(Tugas).where(Tugas.id == tugas_id).values(
        status="running", attempt=attempt, heartbeat_at=utcnow() - timedelta(hours=1)))


def _queued_job(app, user, siklus):
    """A job recorded but never handed to a worker (as if its worker took it and died)."""
    tugas = Tugas(tenant_id=siklus.tenant_id, user_id=user.id, jenis="rkpd_export",
                  params='{"tahun": 2027, "fmt": "csv"}', locale="en", attempt=1)
    db.session.add(tugas)
    db.session.commit()
    return tugas.id


def test_a_run_left_by_a_dead_worker_is_retried_then_failed_and_leaves_nothing(plan, region, as_user, app):
    from eplanning_core.jobs import files

    client = as_user("admin")
    tugas_id = _queued_job(app, region["users"]["admin"], plan)
    _stale(tugas_id, 1)
    part = files.part_path("medan", tugas_id, 1, "rkpd-medan-2027.csv")
    part.write_bytes(b"half a fi")  # what a worker killed mid-write leaves
    status = wait_for_job(client, f"/tugas/{tugas_id}")  # the page finds the dead run and retries it
    job = _job(tugas_id)
    assert status["status"] == "done" and job.attempt == 2 and not part.exists()
    assert client.get(status["download"]).data == client.get("/anggaran/2027/rkpd.csv").data
    app.config["JOBS_MAX_ATTEMPTS"] = 2
    second = _queued_job(app, region["users"]["admin"], plan)
    _stale(second, 2)
    files.part_path("medan", second, 2, "rkpd-medan-2027.csv").write_bytes(b"half")
    result = CliRunner().invoke(app.cli, ["jobs", "sweep"], catch_exceptions=False)
    assert "failed 1" in result.output
    job = _job(second)
    assert job.status == "failed" and "stopped" in job.error and job.file_path is None
    assert not list(files.job_dir("medan", second).glob("*"))
    admin = client.get("/admin/tugas/").get_data(as_text=True)
    assert f'data-id="{second}" data-status="failed"' in admin


def test_without_redis_a_job_whose_web_process_stopped_before_it_began_is_started_again(plan, region, as_user, app):
    from sqlalchemy import update

    client = as_user("admin")
    tugas_id = _queued_job(app, region["users"]["admin"], plan)  # recorded; its thread never ran
    records.side_write(plan.tenant_id, update(Tugas).where(Tugas.id == tugas_id).values(
        created_at=utcnow() - timedelta(hours=1)))
    status = wait_for_job(client, f"/tugas/{tugas_id}")
    assert status["status"] == "done" and _job(tugas_id).attempt == 1


def test_results_expire_on_schedule(plan, as_user, app):
    client = as_user("admin")
    started = _start_export(client)
    status = wait_for_job(client, started)
    tugas_id = _job_id(started)
    job = _job(tugas_id)
    assert job.expires_at - job.finished_at == timedelta(days=7)
    from eplanning_core.jobs import files

    path = files.absolute(job.file_path)
    assert path.is_file()
    runner = CliRunner()
    assert "0 job result(s) expired" in runner.invoke(app.cli, ["jobs", "expire"], catch_exceptions=False).output
    from sqlalchemy import update

    records.side_write(job.tenant_id, update(Tugas).where(Tugas.id == tugas_id).values(
        expires_at=utcnow() - timedelta(minutes=1)))
    assert "1 job result(s) expired" in runner.invoke(app.cli, ["jobs", "expire"], catch_exceptions=False).output
    assert not path.exists() and _job(tugas_id).status == "expired"
    assert client.get(status["download"]).status_code == 404
    assert 'id="job-expired"' in client.get(job_url(started)).get_data(as_text=True)


def test_redis_down_fails_the_job_at_once_with_a_reason(plan, as_user, app):
    app.config["JOBS_REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    client = as_user("admin")
    status = client.get(job_url(_start_export(client)) + "/status").get_json()
    assert status["status"] == "failed" and status["error"]


# ---- RQ workers on Redis --------------------------------------------------------------------

def _redis_or_skip():
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except RedisError as exc:
        message = f"Redis not reachable at {REDIS_URL}: {exc}"
        if IN_CI:
            pytest.fail(message + " (CI=true: the job worker tests are required)", pytrace=False)
        pytest.skip(message + " - job worker tests skipped")


@pytest.fixture
def redis_jobs(app, app_database_url):
    """The app handing jobs to Redis, and a way to start `eplanning jobs worker` processes."""
    _redis_or_skip()
    queue = f"eplanning-test-{uuid.uuid4().hex[:8]}"
    settings = {"JOBS_REDIS_URL": REDIS_URL, "JOBS_QUEUE": queue, "JOBS_STALE_SECONDS": 3,
                "JOBS_STEP_DELAY_MS": 150, "JOBS_MAX_ATTEMPTS": 2}
    app.config.update(settings)
    workers = []

    def start_worker(**extra):
        env = {**os.environ, "EPLANNING_DATABASE_URL": app_database_url, "EPLANNING_TENANTS_DIR": str(TENANTS_DIR),
               "EPLANNING_TENANT": "medan", "EPLANNING_SECRET_KEY": "test-secret",
               "EPLANNING_INSTANCE_PATH": app.instance_path}
        for key, value in {**settings, **extra}.items():
            env[f"EPLANNING_{key}"] = str(value)
        for key in ("SQLALCHEMY_ENGINE_OPTIONS",):
            env.pop(f"EPLANNING_{key}", None)
        process = subprocess.Popen([str(Path(sys.executable).with_name("eplanning")), "jobs", "worker"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        workers.append(process)
        return process

    yield app, start_worker
    for process in workers:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    from redis import Redis

    Redis.from_url(REDIS_URL).delete(f"rq:queue:{queue}")


def _wait(predicate, what: str):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


@pytest.mark.parametrize("attempts", [2, 1])
def test_a_worker_killed_mid_job_the_job_is_retried_or_failed_never_half_done(plan, as_user, redis_jobs, attempts):
    app, start_worker = redis_jobs
    app.config["JOBS_MAX_ATTEMPTS"] = attempts
    first = start_worker(JOBS_MAX_ATTEMPTS=attempts)
    client = as_user("admin")
    started = _start_export(client)
    tugas_id = _job_id(started)
    _wait(lambda: _job(tugas_id).status == "running" and _job(tugas_id).done_count > 0,
          f"the worker never moved job {tugas_id}: {first.stdout.read1().decode() if first.poll() is not None else ''}")
    os.killpg(first.pid, signal.SIGKILL)  # the worker dies mid-job (a machine lost, an OOM kill)
    first.wait()
    job = _job(tugas_id)
    assert job.status == "running" and job.file_path is None
    from eplanning_core.jobs import files

    assert not [p for p in files.job_dir("medan", tugas_id).glob("*") if not p.name.startswith(".part")]
    start_worker(JOBS_MAX_ATTEMPTS=attempts)
    _wait(lambda: _job(tugas_id).finished, f"job {tugas_id} never finished after the worker's death")
    job = _job(tugas_id)
    admin = client.get("/admin/tugas/").get_data(as_text=True)
    assert f'data-id="{tugas_id}" data-status="{job.status}"' in admin
    if attempts == 2:
        assert job.status == "done" and job.attempt == 2
        status = client.get(f"/tugas/{tugas_id}/status").get_json()
        assert client.get(status["download"]).data == client.get("/anggaran/2027/rkpd.csv").data
    else:
        assert job.status == "failed" and job.file_path is None
        assert job.error.startswith("Pekerja yang menjalankan tugas ini berhenti")  # the starter's language
        assert not list(files.job_dir("medan", tugas_id).glob("*"))


def test_a_worker_runs_an_import_and_a_second_message_for_the_same_attempt_does_nothing(plan, as_user, redis_jobs):
    from support.budget import apbd_csv, count_rows

    from eplanning_core.budgeting.models import AnggaranBaris
    from eplanning_core.jobs import queue

    app, start_worker = redis_jobs
    app.config["JOBS_STEP_DELAY_MS"] = 0
    start_worker(JOBS_STEP_DELAY_MS=0)
    client = as_user("admin")
    form = {"csrf_token": csrf_token(client, "/anggaran/2027/impor"),
            "file": (io.BytesIO(apbd_csv("S-1,MDN-2027-900001,1.03.01,1.03.10.2.01.0005,Jalan,7000000")), "apbd.csv")}
    started = client.post("/anggaran/2027/impor", data=form, content_type="multipart/form-data")
    status = wait_for_job(client, started)
    assert status["status"] == "done" and count_rows(AnggaranBaris) == 1
    tugas_id = _job_id(started)
    with app.test_request_context():
        queue.put("medan", tugas_id, 1)  # delivered twice: the attempt is no longer queued
    _wait(lambda: not queue.rq_queue().get_job_ids(), "the duplicate message was never taken")
    job = _job(tugas_id)
    assert job.status == "done" and job.attempt == 1 and count_rows(AnggaranBaris) == 1
