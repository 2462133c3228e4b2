"""Every operation of /api/v1/openapi.json, fuzzed by schemathesis in-process (WSGI, no server).

Valid and invalid requests (schema-derived boundary cases, missing fields, wrong types, then
random data) go to each operation as a rotating set of callers (Bappeda, a Kepala Lingkungan,
an agency, a viewer, client read and write tokens, no token) at a rotating set of moments
(Rembuk Warga open, the budgeting window of a set RKPD, between stages). Every check
schemathesis has: never a server error, every status code documented, every body and header
as the document says, invalid input refused with a 4xx, authentication enforced, and valid
input accepted: the document declares every limit the API enforces (a reference to a row the
region does not have answers 404, which is no rejection of valid input: api/references.py),
so "valid input rejected" passes only for the two refusals no document can state
(_beyond_any_document). Deterministic (derandomized, fixed seed), a bounded
number of examples per operation, on SQLite and PostgreSQL.

Run: .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_fuzz_api.py
Figures (counted, not stopping; docs/security.md):
EPLANNING_FUZZ_API_REPORT=/tmp/fuzz.jsonl .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_fuzz_api.py
"""

from __future__ import annotations

import itertools
import json
import os
from datetime import datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from requests.structures import CaseInsensitiveDict
from schemathesis.checks import load_all_checks
from schemathesis.generation.meta import negated_parameters
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi import checks as openapi_checks
from support.apps import make_app
from support.rows import planned_items
from support.web import browser

from eplanning_core.api import tokens
from eplanning_core.extensions import db
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
    "GET /api/v1/usulan/{usulan_id}/realisasi", "POST /api/v1/usulan/{usulan_id}/realisasi",
    "POST /api/v1/realisasi/impor", "GET /api/v1/ekspor/sipd/{tahun}",
    "POST /api/v1/publik/aspirasi", "GET /api/v1/publik/aspirasi/{kode}", "GET /api/v1/aspirasi",
    "POST /api/v1/aspirasi/{aspirasi_id}/tindak-lanjut",
}
#: Moments (WIB) the app's clock is set to, in turn: entry open in RKPD 2027, the budgeting
#: window of the set RKPD 2026, the Musrenbang Kelurahan of 2027.
MOMENTS = ("2026-01-20T10:00", "2025-10-10T09:00", "2026-02-05T09:00")
ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang", "usulan_kegiatan": "Pengaspalan Gang Damai",
        "volume": "150", "satuan": "m", "harga_satuan": "450000", "jalan": "Gang Damai",
        "pengusul_nama": "Siti Aminah", "pengusul_telepon": "0812-6000-1234", "pengusul_nik": "1271010101010001"}

#: Set to a file name to count instead of stop: every failing case is recorded there (one JSON
#: line each) and the run goes on; the figures in docs/security.md come from such a run.
REPORT = os.environ.get("EPLANNING_FUZZ_API_REPORT")


#: The two refusals of schema-valid input no OpenAPI document can state, and the only ones let
#: through (docs/api.md, docs/security.md): what a decision needs or takes at the stage the
#: proposal is at now (the engine's refusal rules below; the document cannot know the stage),
#: and an external_id that two lines of one budget batch share (JSON Schema cannot require a
#: value to differ between the items of a list). A 422 of the API's own validation (rule null)
#: is never let through: every limit of a field is in the document.
STATE_RULES = {"/api/v1/usulan/{usulan_id}/keputusan": {"reason_required", "missing_field", "invalid_input"},
               # a milestone's date against today, selesai against 100 percent, gagal needs a reason
               "/api/v1/usulan/{usulan_id}/realisasi": {"invalid_input", "reason_required"},
               # an execution report's content (its lines) is no part of any document
               "/api/v1/realisasi/impor": {"invalid_input"}}
BATCH_RULES = {"/api/v1/anggaran/{tahun}": "invalid_input"}


def _beyond_any_document(response, case) -> bool:
    """A 422 of STATE_RULES, or a batch refused only for external_ids it holds twice."""
    if response.status_code != 422:
        return False
    try:
        body = response.json() or {}
    except ValueError:
        return False
    rule = body.get("rule")
    if rule in STATE_RULES.get(case.path, ()):
        return True
    if rule == BATCH_RULES.get(case.path):
        messages = [m for texts in (body.get("errors") or {}).values() for m in texts]
        lines = case.body.get("baris") if isinstance(case.body, dict) else None
        ids = [str(line.get("external_id")).strip() for line in lines or () if isinstance(line, dict)]
        return bool(messages) and len(messages) == len(ids) - len(set(ids))
    return False


def positive_data_accepted(ctx, response, case):
    """schemathesis' positive_data_acceptance, except for the refusals of _beyond_any_document."""
    try:
        return openapi_checks.positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if _beyond_any_document(response, case):
            return None
        raise


def _config():
    """Which phases, modes and checks: deterministic, bounded, strict about the document.
    Every check schemathesis has is on, "valid input rejected" (positive_data_acceptance)
    included: what the API refuses, its document must declare."""
    load_all_checks()
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True,
                       "database": "none", "allow-x00": True},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True},
                   "fuzzing": {"enabled": True}, "stateful": {"enabled": False}},
        # Valid input may meet: success, no or a wrong token, a role, scope or time that does
        # not allow it, a reference to nothing in the region, a state that conflicts, the
        # login throttle. Never 422 (the document would have said) and never a 5xx.
        "checks": {"enabled": True, "positive_data_acceptance": {
            "expected-statuses": ["2xx", "401", "403", "404", "409", "429"]}},
    })


@pytest.fixture
def api_world(app, region, clock):
    """Two cycles (2027 running, 2026 with its RKPD set), a few proposals, a token per caller."""
    admin, tid = region["users"]["admin"], region["users"]["admin"].tenant_id
    clock.set_local("2025-06-01T09:00")
    old = open_cycle(tid, admin, 2026).obj
    planned_items(old, region)
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
    return {"callers": callers, "ids": ids, "codes": codes, "clock": clock,
            "agency": region["agencies"]["pu"].kode}


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
    if isinstance(body.get("baris"), list):  # budget lines of an agency the region has
        body["baris"] = [dict(line, perangkat_daerah=world["agency"]) if isinstance(line, dict) else line
                         for line in body["baris"]]
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
    # A case that leaves out or spoils the token on purpose keeps it so (missing_required_header,
    # ignored_auth); any other gets the caller's token, marked as the configured credentials
    # (as schemathesis' own auth providers do), so ignored_auth probes the operation without it.
    spoiled = any(name.lower() == "authorization" for name, _ in negated_parameters(case.meta))
    if caller and not spoiled:  # assigned, so the case re-judges itself
        headers = CaseInsensitiveDict({k: v for k, v in (case.headers or {}).items()
                                       if k.lower() != "authorization"})
        headers.update(caller)
        case.headers = headers
        case._has_explicit_auth = True
    case.operation.schema.app = app  # the checks' own probes (ignored_auth) go to this app too
    checks = {"excluded_checks": [openapi_checks.positive_data_acceptance],
              "additional_checks": [positive_data_accepted]}
    if not REPORT:
        case.call_and_validate(session=browser(app), app=app, **checks)
        return
    status = None
    try:
        response = case.call_and_validate(session=browser(app), app=app, **checks)
        status, failure = response.status_code, None
        if case.meta and case.meta.generation.mode.is_positive and _beyond_any_document(response, case):
            failure = {"kind": "beyond_any_document", "message": response.content.decode(errors="replace")[:600]}
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - counted, not raised, here
        failure = {"kind": type(exc).__name__, "message": str(exc)[:600]}
    with open(REPORT, "a", encoding="utf-8") as out:
        out.write(json.dumps({"operation": f"{case.method} {case.path}", "failure": failure, "status": status,
                              "positive": bool(case.meta and case.meta.generation.mode.is_positive),
                              "body": repr(case.body)[:300], "query": repr(case.query)[:300],
                              "path": repr(case.path_parameters)[:200]}) + "\n")


def test_every_operation_is_fuzzed():
    """The document holds exactly the known operations (so the fuzz above reaches all of them)."""
    document = DOCUMENT
    found = {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
             if method in ("get", "post", "put", "patch", "delete")}
    assert found == OPERATIONS
