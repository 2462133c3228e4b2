"""Every operation of /api/v1/openapi.json, fuzzed by schemathesis in-process (WSGI, no server).

Valid and invalid requests (schema-derived boundary cases, missing fields, wrong types, then
random data) go to each operation as a rotating set of callers (Bappeda, a Kepala Lingkungan,
an agency, a viewer, client read and write tokens, no token) at a rotating set of moments
(Rembuk Warga open, the budgeting window of a set RKPD, between stages). The checks: never a
server error, every status code documented, every body and header as the document says, and
invalid input refused with a 4xx. Deterministic (derandomized, fixed seed), a bounded number
of examples per operation, on SQLite and PostgreSQL.

Run: .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_fuzz_api.py
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import schemathesis
from conftest import browser, make_app
from hypothesis import HealthCheck, settings
from requests.structures import CaseInsensitiveDict
from schemathesis.checks import load_all_checks
from schemathesis.specs.openapi import checks as openapi_checks
from sqlalchemy import insert

from eplanning_core.api import tokens
from eplanning_core.extensions import db
from eplanning_core.siklus.models import Siklus
from eplanning_core.siklus.operations import open_cycle
from eplanning_core.usulan import operations as ops
from eplanning_core.usulan.models import Usulan

#: Random (fuzzing-phase) examples per operation, on top of the coverage phase's cases.
MAX_EXAMPLES = 25
SEED = 20260120
#: The operations this file must reach: a new operation fails test_every_operation_is_fuzzed
#: until it is in the document (and so fuzzed).
OPERATIONS = {
    "GET /api/v1/health", "POST /api/v1/auth/token", "GET /api/v1/wilayah", "GET /api/v1/usulan",
    "POST /api/v1/usulan", "GET /api/v1/usulan/{usulan_id}", "POST /api/v1/usulan/{usulan_id}/keputusan",
    "POST /api/v1/usulan/kirim", "GET /api/v1/usulan/{usulan_id}/riwayat", "GET /api/v1/publik/usulan/{kode}",
    "GET /api/v1/rkpd/{tahun}", "POST /api/v1/anggaran/{tahun}", "GET /api/v1/rekonsiliasi/{tahun}",
}
#: Moments (WIB) the app's clock is set to, in turn: entry open in RKPD 2027, the budgeting
#: window of the set RKPD 2026, the Musrenbang Kelurahan of 2027.
MOMENTS = ("2026-01-20T10:00", "2025-10-10T09:00", "2026-02-05T09:00")
ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang", "usulan_kegiatan": "Pengaspalan Gang Damai",
        "volume": "150", "satuan": "m", "harga_satuan": "450000", "jalan": "Gang Damai",
        "pengusul_nama": "Siti Aminah", "pengusul_telepon": "0812-6000-1234", "pengusul_nik": "1271010101010001"}

CHECKS_ON = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
             "response_schema_conformance", "response_headers_conformance", "negative_data_rejection")


def _config():
    """Which phases, modes and checks: deterministic, bounded, strict about the document."""
    load_all_checks()
    checks = {"enabled": False}
    checks.update({name: {"enabled": True} for name in CHECKS_ON})
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True,
                       "database": "none", "allow-x00": True},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True},
                   "fuzzing": {"enabled": True}, "stateful": {"enabled": False}},
        "checks": checks,
    })


def _planned_items(siklus, region, count=3):
    """Items of a set RKPD at the budgeting stage, inserted directly (as test_budgeting does)."""
    pu, unit = region["agencies"]["pu"], region["units"]["12.71.01.1001"]
    rows = [dict(tenant_id=siklus.tenant_id, siklus_id=siklus.id, kode_lacak=f"MDN-2026-9{i:05d}",
                 sumber="kecamatan", bidang="fisik_prasarana", permasalahan="Drainase tersumbat",
                 usulan_kegiatan=f"Normalisasi drainase {i}", volume=Decimal("10"), satuan="m",
                 harga_satuan=1_000_000, total=10_000_000, lokasi_kode=unit.kode, lokasi_wilayah_id=unit.id,
                 wilayah_asal_id=region["units"]["12.71.01"].id, tahapan="penganggaran", status="belum_dibahas",
                 perangkat_daerah_id=pu.id, terkunci=True, sub_kegiatan_kode="1.03.10.2.01.0005",
                 pagu=10_000_000, target="100 m", version=1) for i in range(count)]
    db.session.execute(insert(Usulan), rows)
    db.session.commit()


@pytest.fixture
def api_world(app, region, clock):
    """Two cycles (2027 running, 2026 with its RKPD set), a few proposals, a token per caller."""
    admin, tid = region["users"]["admin"], region["users"]["admin"].tenant_id
    clock.set_local("2025-06-01T09:00")
    old = open_cycle(tid, admin, 2026).obj
    _planned_items(old, region)
    old.status, old.rkpd_ditetapkan_at = "rkpd_ditetapkan", datetime(2025, 5, 20, 3, 0)
    db.session.commit()
    clock.set_local(MOMENTS[0])
    siklus = open_cycle(tid, admin, 2027).obj
    road = ops.create(siklus, "rembuk_warga", region["users"]["ling1"],
                      dict(ROAD, lokasi_wilayah_id=region["units"]["12.71.01.1001.01"].id))
    assert road.ok, (road.errors, road.refusal)
    year = timedelta(days=365)
    callers = {name: {"Authorization": "Bearer " + tokens.issue_user_token(region["users"][name], year).secret}
               for name in ("admin", "ling1", "kel1", "pu", "viewer")}
    for scope in ("read", "write"):
        secret = tokens.create_client_token(tid, admin, f"fuzz-{scope}", scope).secret
        callers[f"client-{scope}"] = {"Authorization": "Bearer " + secret}
    callers["nobody"] = {}
    ids = list(db.session.scalars(db.select(Usulan.id).order_by(Usulan.id)))
    codes = list(db.session.scalars(db.select(Usulan.kode_lacak).order_by(Usulan.id)))
    return {"callers": callers, "ids": ids, "codes": codes, "clock": clock}


def _document() -> dict:
    """The OpenAPI document as the app serves it (building it needs no database)."""
    app = make_app("sqlite://")
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=_config())
_turn = itertools.count()


def _aim(case, world, turn: int) -> None:
    """Point every other case at things that exist (random ids, stages, units and versions
    mostly name nothing, and the request would never get past the first check)."""
    if turn % 2:
        return
    params = dict(case.path_parameters or {})
    if isinstance(params.get("usulan_id"), int):
        params["usulan_id"] = world["ids"][turn // 2 % len(world["ids"])]
    if isinstance(params.get("tahun"), int):
        params["tahun"] = (2026, 2027)[turn // 2 % 2]
    if isinstance(params.get("kode"), str) and params["kode"].isascii():
        params["kode"] = world["codes"][turn // 2 % len(world["codes"])]
    if params != case.path_parameters:
        case.path_parameters = params
    if not isinstance(case.body, dict):
        return
    body = dict(case.body)
    if isinstance(body.get("tahapan"), str):
        body["tahapan"] = ("rembuk_warga", "musrenbang_kelurahan")[turn // 2 % 2]
    if isinstance(body.get("lokasi_kode"), str):
        body["lokasi_kode"] = "12.71.01.1001.01"
    if isinstance(body.get("versi"), int) and params.get("usulan_id") in world["ids"]:
        body["versi"] = db.session.get(Usulan, params["usulan_id"]).version
    if isinstance(body.get("username"), str):
        body["username"] = ("ling1", "admin")[turn // 2 % 2]
    if body != case.body:
        case.body = body


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_operation_survives_fuzzing(case, app, api_world):
    turn = next(_turn)
    callers = list(api_world["callers"].values())
    caller = callers[turn % len(callers)]
    api_world["clock"].set_local(MOMENTS[turn // len(callers) % len(MOMENTS)])
    _aim(case, api_world, turn)
    if caller:  # the caller's token instead of a generated one (assigned, so the case re-judges itself)
        headers = CaseInsensitiveDict({k: v for k, v in case.headers.items() if k.lower() != "authorization"})
        headers.update(caller)
        case.headers = headers
    case.call_and_validate(session=browser(app), app=app)


def test_every_operation_is_fuzzed():
    """The document holds exactly the known operations (so the fuzz above reaches all of them)."""
    document = DOCUMENT
    found = {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
             if method in ("get", "post", "put", "patch", "delete")}
    assert found == OPERATIONS
