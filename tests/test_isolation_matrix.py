"""The isolation matrix: every route x every role x whose object x read and write.

Generated from ``app.url_map``: each endpoint must have a rule in isolation_expectations.py
(a new route without one fails ``test_every_route_has_a_declared_rule``), and each rule is
played for every role of the region (and for the API its tokens) against an object of the
user's own unit, one of another unit of the same region, one of ANOTHER REGION served by the
same deployment, and an id that exists nowhere. What is asserted for each case:

- the outcome class declared for (endpoint, method, role, ownership): allowed, login, 403, 404;
- an id of the other region answers exactly like an id that exists nowhere (404, or the
  same refusal the role gets before any object is looked up): never 403, never the object;
- no response of Medan ever contains a word of Agam's rows, nor (for roles scoped to one
  unit, agency or dapil) of the other unit's proposals: lists leak nothing either;
- no 500, and a write (with a valid CSRF token) changes nothing in the database unless the
  rule says the endpoint writes only session state (login, language).

Run: ``.venv/bin/python -m pytest -q -p no:cacheprovider tests/test_isolation_matrix.py``.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from isolation_expectations import API_ROLES, HTML_ROLES, OWNERSHIPS, RULES, Rule, expected
from support.apps import empty_all_tables, make_app
from support.env import PASSWORD
from isolation_world import (FOREIGN_MARK, HOSTS, MISSING_ID, NOW, OTHER_MARK, OTHER_MEETING_MARK, HostBrowser,
                             seed)
from sqlalchemy import text

from eplanning_core.extensions import db

#: SQLite, PostgreSQL, and PostgreSQL through PgBouncer in transaction mode (support/engines.py).
pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql", "pgbouncer"], indirect=True)
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: Words of the other unit's rows, and the roles that must never see them outside the public portal.
HIDDEN = {OTHER_MARK: {"kec1", "kel1", "ling1", "pu", "dprd1", "setwan"},
          OTHER_MEETING_MARK: {"kec1", "kel1", "ling1", "dprd1"}}
LOGIN_RE = re.compile(r"^(https?://[^/]+)?/masuk(\?|$)")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory, password_hash):
    app = make_app(database_url, TENANT_HOSTS=HOSTS)
    app.instance_path = str(tmp_path_factory.mktemp("isolation"))
    app.extensions["eplanning.clock"] = lambda: NOW
    with app.app_context():
        built = seed(app, password_hash)
    for role in HTML_ROLES:  # every login before the first write case: a login stores a session row
        _token(built.client(role))
    yield built
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


# ---- the URL of each case -----------------------------------------------------------------------

OWN_UNIT = {"kec1": "12.71.01", "kel1": "12.71.01.1001", "ling1": "12.71.01.1001.01"}
OTHER_UNIT = {"12.71.01": "12.71.02", "12.71.01.1001": "12.71.02.1001",
              "12.71.01.1001.01": "12.71.02.1001.01"}
MEETING_STAGE = {"12.71.01": "musrenbang_kecamatan", "12.71.01.1001": "musrenbang_kelurahan",
                 "12.71.01.1001.01": "rembuk_warga"}


def _unit_code(role, ownership):
    own = OWN_UNIT.get(role, "12.71.01.1001.01")
    return own if ownership == "own" else OTHER_UNIT[own]


def values(kind: str | None, w, role: str, ownership: str) -> dict:
    """URL values of an object of ``kind`` as seen by ``role``: own, other, foreign or missing."""
    medan, agam = w.ids["medan"], w.ids["agam"]
    if kind is None:
        return {}
    if kind in ("usulan", "usulan_file", "rapat_file", "rapat_file_spare"):
        name = {"usulan": "usulan_id"}.get(kind, "lampiran_id")
        ident = {"own": lambda: medan[kind]["own"], "other": lambda: medan[kind]["other"],
                 "foreign": lambda: agam[kind.replace("_spare", "")], "missing": lambda: MISSING_ID}[ownership]()
        return {name: ident}
    if kind in ("wilayah", "meeting"):
        code = _unit_code(role, "own")
        stage = MEETING_STAGE[code]
        if ownership in ("own", "other"):
            unit = medan["units"][_unit_code(role, ownership)]
        else:
            unit = agam["units"]["kelurahan"] if ownership == "foreign" else MISSING_ID
        return {"unit_id": unit} if kind == "wilayah" else {"stage_key": stage, "wilayah_id": unit}
    tenant_wide = {  # kind: (URL value name, Medan's, Agam's, nowhere's)
        "user": ("user_id", medan["users"]["kel2"], agam["users"]["desa"], MISSING_ID),
        "agency": ("pd_id", medan["agency"]["dinkes"], agam["agency"], MISSING_ID),
        "kamus": ("item_id", medan["kamus"], agam["kamus"], MISSING_ID),
        "siklus": ("siklus_id", medan["siklus"], agam["siklus"], MISSING_ID),
        "token": ("token_id", medan["token"], agam["token"], MISSING_ID),
        "tugas": ("tugas_id", medan["tugas"], agam["tugas"], MISSING_ID),
        "realisasi_foto": ("foto_id", medan["realisasi_foto"], agam["realisasi_foto"], MISSING_ID),
        "tahun": ("tahun", 2027, 2028, 2035),
        "unit_code": ("kode", "12.71.01.1001", "13.06.01.2001", "99.99.99"),
        "agency_code": ("kode", medan["agency_code"], agam["agency_code"], "0.00.00"),
        "tracking": ("kode", medan["kode_lacak"]["own"], agam["kode_lacak"], "MDN-2027-999999"),
        "tracking_arg": ("kode", medan["kode_lacak"]["own"], agam["kode_lacak"], "MDN-2027-999999"),
    }
    if kind in tenant_wide:
        name, *idents = tenant_wide[kind]
        return {name: dict(zip(("own", "foreign", "missing"), idents))[ownership]}
    if kind in ("siklus_stage", "siklus_pagu"):
        key = "rembuk_warga" if kind == "siklus_stage" else "forum_pd"
        foreign_key = "musrenbang_nagari" if kind == "siklus_stage" else "forum_opd"
        return {"own": {"siklus_id": medan["siklus"], "kunci": key},
                "foreign": {"siklus_id": agam["siklus"], "kunci": foreign_key},
                "missing": {"siklus_id": MISSING_ID, "kunci": key}}[ownership]
    if kind == "tahun_fmt":
        return {"tahun": {"own": 2027, "foreign": 2028, "missing": 2035}[ownership], "fmt": "csv"}
    if kind == "dataset":
        return {"tahun": {"own": 2027, "foreign": 2028, "missing": 2035}[ownership], "dataset": "usulan",
                "fmt": "csv"}
    if kind == "kecamatan_arg":  # a query argument: the kecamatan Bappeda works on
        return {"kecamatan": {"own": "12.71.01", "other": "12.71.02", "foreign": "13.06.01",
                              "missing": "99.99.99"}[ownership]}
    if kind == "agency_arg":
        return {"pd": {"own": medan["agency"]["pu"], "other": medan["agency"]["dinkes"],
                       "foreign": agam["agency"], "missing": MISSING_ID}[ownership]}
    if kind in ("aspirasi", "aspirasi_foto"):  # (id, tracking code, photo id) of an aspiration
        row = {"own": lambda: medan["aspirasi"]["own"], "other": lambda: medan["aspirasi"]["other"],
               "foreign": lambda: agam["aspirasi"], "missing": lambda: (MISSING_ID, "", MISSING_ID)}[ownership]()
        return {"aspirasi_id": row[0], **({"f": row[2]} if kind == "aspirasi_foto" else {})}
    if kind == "aspirasi_kode":
        return {"kode": {"own": medan["aspirasi"]["own"][1], "foreign": agam["aspirasi"][1],
                         "missing": "ASP-2222-2222"}[ownership]}
    if kind == "send_holder":  # the holder is in the form (isolation_expectations.SEND_HOLDER)
        return {}
    if kind == "rkpd_holder":  # the cycle is Medan's; the agency in the form varies
        return {"siklus_id": medan["siklus"]}
    fixed = {"checkpoint_fmt": {"fmt": "csv"}, "lang": {"lang": "en"}, "static": {"filename": "app.css"},
             "bootstrap_static": {"filename": "css/bootstrap.min.css"}}
    return fixed[kind]


def _holder(w, ownership: str):
    """An agency id sent in a form: Medan's own, Agam's, or none."""
    return {"own": w.ids["medan"]["agency"]["pu"], "other": w.ids["medan"]["agency"]["dinkes"],
            "foreign": w.ids["agam"]["agency"], "missing": MISSING_ID}[ownership]


def ownerships(rule: Rule) -> tuple[str, ...]:
    return OWNERSHIPS.get(rule.kind, ("own",))


# ---- one request --------------------------------------------------------------------------------

def classify(response) -> str:
    status = response.status_code
    if status >= 500:
        return "500"
    if status in (301, 302, 303, 307, 308) and LOGIN_RE.search(response.headers.get("Location", "")):
        return "login"
    if status < 400:
        return "ok"
    if status in (400, 409, 422):
        return "invalid"
    return str(status)


def _token(client) -> str:
    """The session's CSRF token, read once from a page (it stays valid for the session)."""
    if getattr(client, "csrf", None) is None:
        client.csrf = _read_token(client)
    return client.csrf


def _read_token(client) -> str:
    for url in ("/", "/masuk"):
        page = client.get(url, follow_redirects=True).get_data(as_text=True)
        match = CSRF_RE.search(page)
        if match:
            return match.group(1)
    raise AssertionError("no page with a CSRF token")


def fingerprint() -> dict:
    """Row count and version sum of every table: one query, so it can run around each write."""
    names, parts = [], []
    for table in db.metadata.sorted_tables:
        names.append(f"{table.name} rows")
        # refusals and logins are written to the history on purpose (accounts/events.py)
        where = " WHERE action NOT LIKE 'auth.%'" if table.name == "audit_entry" else ""
        parts.append(f'(SELECT count(*) FROM "{table.name}"{where})')
        if "version" in table.c:
            names.append(f"{table.name} versions")
            parts.append(f'(SELECT coalesce(sum(version), 0) FROM "{table.name}")')
    with db.engine.connect() as conn:
        return dict(zip(names, conn.execute(text("SELECT " + ", ".join(parts))).one()))


def _changes(before: dict, after: dict) -> str:
    return ", ".join(f"{k}: {before[k]} -> {after[k]}" for k in before if before[k] != after[k])


def prepare_case(w, rule: Rule, method: str, role: str, url: str, ctx: dict):
    """The request of one case, ready to send: (client, url, keyword arguments)."""
    if rule.api:
        kwargs = {"method": method}
        if role != "anon":
            kwargs["headers"] = {"Authorization": f"Bearer {w.secrets[role]}"}
        if method != "GET":
            kwargs["json"] = rule.payload(ctx) if rule.payload else {}
        return w.client("anon"), url, kwargs
    client = w.fresh_client(role) if rule.fresh_session else w.client(role)
    if method == "GET":
        return client, url, {"method": method}
    data = rule.payload(ctx) if rule.payload else {}
    return client, url, {"method": method, "data": {"csrf_token": _token(client), **data}}


def run_endpoint(w, endpoint: str) -> list[str]:
    """Every case of one endpoint; the list of what differs from the declaration."""
    rule = RULES[endpoint]
    app_rule = next(r for r in w.app.url_map.iter_rules() if r.endpoint == endpoint)
    adapter = w.app.url_map.bind("eplanning.medan.test")
    problems = []
    roles = API_ROLES if rule.api else HTML_ROLES
    methods = sorted(app_rule.methods - {"HEAD", "OPTIONS"}, key=lambda m: (m != "GET", m))
    with w.app.app_context():
        cases = [(method, role, own) for method in methods for role in roles for own in ownerships(rule)]
        # refusals first: a write that is allowed runs after every refusal of its endpoint
        cases.sort(key=lambda c: (c[0] != "GET", expected(rule, c[0], c[1], c[2]) in ("ok", "pass")))
        last = None
        answers = {}  # (method, role, ownership) -> outcome: the other region's id vs no id at all
        for method, role, own in cases:
            want = expected(rule, method, role, own)
            url_values = values(rule.kind, w, role, own)
            url = adapter.build(endpoint, url_values)
            ctx = {"w": w, "role": role, "ownership": own, "values": url_values, "holder": _holder(w, own)}
            write = method in WRITE_METHODS
            client, url, kwargs = prepare_case(w, rule, method, role, url, ctx)
            checked = write and not rule.writes_session
            if checked and last is None:
                last = fingerprint()
            before = last if checked else None
            response = client.open(url, **kwargs)
            got = classify(response)
            answers[method, role, own] = got
            label = f"{method} {url} as {role} ({own})"
            if not _matches(want, got):
                problems.append(f"{label}: expected {want}, got {got} ({response.status_code})")
            body = response.get_data().decode("utf-8", "replace")
            if FOREIGN_MARK in body:
                problems.append(f"{label}: shows data of the other region")
            for mark, scoped in HIDDEN.items():
                if role in scoped and not rule.public and mark in body:
                    problems.append(f"{label}: shows the other unit's data ({mark}) to a scoped role")
            # each write's "after" is the next write's "before": one query per write
            last = after = fingerprint() if checked else None
            if after != before and not (rule.mutates and want in ("ok", "pass")):
                problems.append(f"{label}: changed the database ({got}): {_changes(before, after)}")
    for (method, role, own), got in answers.items():
        if own == "foreign" and answers.get((method, role, "missing"), got) != got:
            problems.append(f"{method} {endpoint} as {role}: an id of the other region answers {got}, "
                            f"an id that exists nowhere {answers[method, role, 'missing']}")
    return problems


def _matches(want: str, got: str) -> bool:
    return any(got in (("ok", "invalid") if one == "pass" else (one,)) for one in want.split("|"))


# ---- the tests ----------------------------------------------------------------------------------

def test_every_route_has_a_declared_rule(world):
    endpoints = {r.endpoint for r in world.app.url_map.iter_rules()}
    missing = sorted(endpoints - set(RULES))
    assert not missing, ("routes without a rule in tests/isolation_expectations.py (declare who may "
                         f"read and write them): {missing}")
    stale = sorted(set(RULES) - endpoints)
    assert not stale, f"rules for routes that no longer exist: {stale}"


@pytest.mark.parametrize("endpoint", sorted(RULES))
def test_route_isolation(world, endpoint):
    if endpoint not in {r.endpoint for r in world.app.url_map.iter_rules()}:
        pytest.fail(f"{endpoint} is declared but not routed")
    problems = run_endpoint(world, endpoint)
    assert not problems, f"{len(problems)} case(s) of {endpoint} differ:\n" + "\n".join(problems)


def test_a_session_of_the_other_region_is_nobody_here(world):
    """Agam's administrator's cookie sent to Medan's host: every Medan page wants a login."""
    agam = HostBrowser(world.app, "http://eplanning.agam.test")
    response = agam.post("/masuk", data={"username": "admin", "password": PASSWORD, "csrf_token": _token(agam)})
    assert response.status_code == 302
    cookie = agam.browser.get_cookie("session", domain="eplanning.agam.test")
    medan = HostBrowser(world.app)
    medan.browser.set_cookie("session", cookie.value, domain="eplanning.medan.test")
    for path in ("/usulan/", "/admin/pengguna", "/wilayah/", "/siklus/"):
        assert classify(medan.get(path)) == "login", path


def test_a_token_of_the_other_region_is_refused_everywhere(world):
    client = world.client("anon")
    for secret in (world.secrets["agam_client"], world.secrets["agam_admin"]):
        headers = {"Authorization": f"Bearer {secret}"}
        for path in ("/api/v1/usulan", f"/api/v1/usulan/{world.ids['agam']['usulan']}", "/api/v1/wilayah"):
            assert client.get(path, headers=headers).status_code == 401, path


# ---- ids sent in a form or a JSON body --------------------------------------------------------------

PROPOSAL = {"tahapan": "rembuk_warga", "bidang": "fisik_prasarana", "permasalahan": "Jalan lingkungan berlubang",
            "usulan_kegiatan": "Perbaikan jalan lingkungan", "volume": "1", "satuan": "m", "harga_satuan": 1000}


def _body_cases(w):
    """(label, role, screen or api, path, data, expected status): ids of another unit or region in the body."""
    medan, agam = w.ids["medan"], w.ids["agam"]
    other_unit, agam_unit = medan["units"]["12.71.02.1001.01"], agam["units"]["kelurahan"]
    screen_proposal = {**PROPOSAL, "harga_satuan": "1000", "pengusul_nama": "Budi"}
    return [
        ("API proposal in another kecamatan", "ling1", "api", "/api/v1/usulan",
         {**PROPOSAL, "lokasi_kode": "12.71.02.1001.01"}, 403),
        ("API proposal in the other region", "ling1", "api", "/api/v1/usulan",
         {**PROPOSAL, "lokasi_kode": "13.06.01.2001"}, 404),  # as a unit code that exists nowhere
        ("API proposal with the other region's catalogue item", "ling1", "api", "/api/v1/usulan",
         {**PROPOSAL, "lokasi_kode": "12.71.01.1001.01", "kamus_id": agam["kamus"]}, 404),
        ("API send of another unit's batch", "ling1", "api", "/api/v1/usulan/kirim",
         {"tahapan": "rembuk_warga", "holder": "12.71.02.1001.01", "dry_run": True}, 403),
        ("API send of a batch of the other region", "ling1", "api", "/api/v1/usulan/kirim",
         {"tahapan": "rembuk_warga", "holder": "13.06.01.2001", "dry_run": True}, 403),
        ("screen proposal in another kecamatan", "ling1", "screen", "/usulan/baru",
         {**screen_proposal, "lokasi_wilayah_id": str(other_unit)}, 422),
        ("screen proposal in the other region", "ling1", "screen", "/usulan/baru",
         {**screen_proposal, "lokasi_wilayah_id": str(agam_unit)}, 422),
        ("agency operator of the other region's agency", "admin", "screen", "/admin/pengguna/baru",
         {"username": "baru.pd", "nama": "Baru", "role": "operator_pd", "perangkat_daerah_id": str(agam["agency"]),
          "aktif": "y"}, 422),
        ("unit operator of the other region's unit", "admin", "screen", "/admin/pengguna/baru",
         {"username": "baru.op", "nama": "Baru", "role": "operator", "wilayah_kode": "13.06.01.2001", "aktif": "y"},
         422),
        ("catalogue item of the other region's agency", "admin", "screen", "/kamus/baru",
         {"kode": "K.99", "nama": "Item baru", "bidang": "ekonomi", "satuan": "m", "harga_satuan": "1000",
          "perangkat_daerah_id": str(agam["agency"])}, 422),
    ]


def test_ids_of_another_unit_or_region_sent_in_a_body_are_refused(world):
    """Ids in a form or JSON body are checked like ids in the URL: refused, nothing stored."""
    problems = []
    with world.app.app_context():
        for label, role, kind, path, data, status in _body_cases(world):
            if kind == "api":
                client, kwargs = world.client("anon"), {
                    "json": data, "headers": {"Authorization": f"Bearer {world.secrets[role]}"}}
            else:
                client = world.client(role)  # logged in before the count: a login is stored
                kwargs = {"data": {"csrf_token": _token(client), **data}}
            before = fingerprint()
            response = client.post(path, **kwargs)
            after = fingerprint()
            if response.status_code != status:
                problems.append(f"{label}: expected {status}, got {response.status_code}")
            if after != before:
                problems.append(f"{label}: changed the database: {_changes(before, after)}")
    assert not problems, "\n".join(problems)


def test_a_cycle_of_the_other_region_named_in_the_query_is_like_no_cycle(world):
    """Pages pick their cycle by ?siklus=<id>: the other region's id answers like an unknown one."""
    problems = []
    adapter = world.app.url_map.bind("eplanning.medan.test")
    routed = {r.endpoint for r in world.app.url_map.iter_rules() if "GET" in r.methods}
    with world.app.app_context():
        for endpoint, rule in sorted(RULES.items()):
            if rule.get is None or endpoint not in routed or rule.kind not in (None, "agency_arg", "kecamatan_arg"):
                continue
            role = next((r for r in ("admin", "anon", "viewer", "kec1", "pu")
                         if expected(rule, "GET", r, "own") == "ok"), None)
            if role is None or rule.api:
                continue
            base = values(rule.kind, world, role, "own")
            answers = {}
            for name, ident in (("foreign", world.ids["agam"]["siklus"]), ("missing", MISSING_ID)):
                response = world.client(role).get(adapter.build(endpoint, {**base, "siklus": ident}))
                answers[name] = classify(response)
                if FOREIGN_MARK in response.get_data().decode("utf-8", "replace"):
                    problems.append(f"{endpoint} as {role}: ?siklus= of the other region shows its data")
            if answers["foreign"] != answers["missing"] or "500" in answers.values():
                problems.append(f"{endpoint} as {role}: other region's cycle {answers['foreign']}, "
                                f"unknown cycle {answers['missing']}")
    assert not problems, "\n".join(problems)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return " ".join(book.read(name).decode("utf-8", "replace") for name in book.namelist()
                        if name.endswith(".xml"))


def test_spreadsheet_exports_hold_only_what_the_page_shows(world):
    """?format=xlsx of every list a role may open: the other region's rows never, the other
    unit's proposals not for a role scoped to one unit, agency or dapil (compressed, so the
    page check above cannot see into them)."""
    problems, exported, seen_by_admin = [], 0, ""
    adapter = world.app.url_map.bind("eplanning.medan.test")
    routed = {r.endpoint for r in world.app.url_map.iter_rules() if "GET" in r.methods}
    with world.app.app_context():
        for endpoint, rule in sorted(RULES.items()):
            if rule.api or rule.get is None or endpoint not in routed or rule.kind not in (
                    None, "agency_arg", "kecamatan_arg", "siklus", "tahun"):
                continue
            for role in HTML_ROLES[1:]:
                if expected(rule, "GET", role, "own") != "ok":
                    continue
                url = adapter.build(endpoint, {**values(rule.kind, world, role, "own"), "format": "xlsx"})
                response = world.client(role).get(url)
                if response.status_code >= 500:
                    problems.append(f"{url} as {role}: {response.status_code}")
                if response.mimetype != XLSX:
                    continue
                exported += 1
                text_ = _xlsx_text(response.get_data())
                if endpoint == "usulan.index" and role == "admin":
                    seen_by_admin = text_
                if FOREIGN_MARK in text_:
                    problems.append(f"{url} as {role}: the export holds rows of the other region")
                for mark, scoped in HIDDEN.items():
                    if role in scoped and mark in text_:
                        problems.append(f"{url} as {role}: the export holds the other unit's rows ({mark})")
    assert exported >= 10, f"only {exported} spreadsheet exports reached: the test lost its subject"
    assert OTHER_MARK in seen_by_admin, "the check cannot read the exports: Bappeda's list must hold every unit"
    assert not problems, "\n".join(problems)


def test_a_forwarded_host_header_does_not_switch_the_region(world):
    """Without EPLANNING_PROXIES the X-Forwarded-Host header is not trusted: still Medan."""
    client = HostBrowser(world.app)
    page = client.get("/masuk", headers={"X-Forwarded-Host": "eplanning.agam.test"}).get_data(as_text=True)
    assert "Kota Medan" in page and "Kabupaten Agam" not in page
    admin = world.client("admin")
    response = admin.get(f"/admin/pengguna/{world.ids['agam']['users']['desa']}",
                         headers={"X-Forwarded-Host": "eplanning.agam.test"})
    assert response.status_code == 404
