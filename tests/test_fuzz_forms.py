"""Every HTML form of the app, fed hostile values by hypothesis: never a 500, and a refused
form changes nothing.

The POST routes are enumerated from app.url_map: each is either in ROUTES (who may use it,
where its form is) or in EXCLUDED with a reason, so a new form without fuzz coverage fails
test_every_post_route_is_fuzzed. For each route the test logs in as a role that may use it,
reads the page holding the form (its fields, options and CSRF token), and posts, per
example, each field either missing, its page value, one of its options, or a hostile value
(huge, NUL, unicode, negative or huge numbers, SQL/HTML injection, several values), files
with random bytes and names. The CSRF token is always valid, so the handler itself runs.

The checks: no 5xx; an answer that is not a redirect (a refusal shown in the page, 4xx)
left every table exactly as it was (a snapshot of all rows), and a 200 page names its error.

Run: .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_fuzz_forms.py
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Callable
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.snapshots import changed_tables, snapshot
from support.web import browser, login

from eplanning_core.extensions import db

MAX_EXAMPLES = 8
MISSING = object()


# ---- where each form is, and who may send it ------------------------------------------------

@dataclass(frozen=True)
class Route:
    role: str                                   # a username of the region fixture
    target: Callable[[dict], str]               # the URL the form posts to
    source: Callable[[dict], str] | None = None  # the page holding the form (default: target)
    moment: str | None = None                   # the app's clock (WIB), default Rembuk Warga
    #: The fields the handler reads, for a form the page shows only in another state (a batch
    #: ready to send, ranked items, the Penetapan window): the handler still gets them.
    fields: tuple[str, ...] = ()


KEL = "2026-02-05T09:00"      # Musrenbang Kelurahan
KEC = "2026-02-20T09:00"      # Musrenbang Kecamatan
ROUTES: dict[str, Route] = {
    "auth.login": Route("", lambda w: "/masuk"),
    "auth.reauth": Route("kel1", lambda w: "/masuk/ulang"),
    "auth.change_password": Route("kel1", lambda w: "/akun/kata-sandi"),
    "password_reset.request_link": Route("", lambda w: "/masuk/lupa", fields=("login",)),
    "password_reset.reset": Route("", lambda w: "/masuk/atur-ulang", fields=("token", "password", "password2")),
    "notifications.mark_read": Route("kel1", lambda w: "/notifikasi/baca", lambda w: "/notifikasi/", fields=("id",)),
    "notifications.email": Route("kel1", lambda w: "/notifikasi/email"),
    "auth.logout": Route("kel1", lambda w: "/keluar", lambda w: "/"),
    "i18n.switch_language": Route("kel1", lambda w: "/bahasa", lambda w: "/"),
    "admin.new_user": Route("admin", lambda w: "/admin/pengguna/baru"),
    "admin.edit_user": Route("admin", lambda w: f"/admin/pengguna/{w['user_id']}"),
    "admin.end_sessions": Route("admin", lambda w: f"/admin/pengguna/{w['user_id']}/sesi",
                                lambda w: f"/admin/pengguna/{w['user_id']}", fields=("sesi",)),
    "admin.clear_login_waits": Route("admin", lambda w: f"/admin/pengguna/{w['user_id']}/buka-blokir",
                                     lambda w: f"/admin/pengguna/{w['user_id']}"),
    "admin.new_agency": Route("admin", lambda w: "/admin/perangkat-daerah/baru"),
    "admin.edit_agency": Route("admin", lambda w: f"/admin/perangkat-daerah/{w['pd_id']}"),
    "api_admin.create": Route("admin", lambda w: "/admin/token/baru"),
    "api_admin.revoke": Route("admin", lambda w: f"/admin/token/{w['token_id']}/cabut", lambda w: "/admin/token/"),
    "kamus.new": Route("admin", lambda w: "/kamus/baru"),
    "kamus.edit": Route("admin", lambda w: f"/kamus/{w['kamus_id']}"),
    "kamus.set_status": Route("admin", lambda w: f"/kamus/{w['kamus_id']}/status", lambda w: f"/kamus/{w['kamus_id']}"),
    "kamus.import_kamus": Route("admin", lambda w: "/kamus/impor"),
    "kamus.import_nomenklatur": Route("admin", lambda w: "/kamus/nomenklatur/impor"),
    "anggaran.upload": Route("admin", lambda w: "/anggaran/2027/impor"),
    # Its form (shown once the RKPD is set) holds nothing but the CSRF token, sent valid anyway.
    "anggaran.prepare": Route("admin", lambda w: "/anggaran/2027/rkpd.csv", lambda w: "/anggaran/2027",
                              fields=("csrf_token",)),
    # The printed RKPD: a job for the region, or for the agency named by ``pd`` (its buttons
    # are on the RKPD page; read from a page without them, so that ``pd`` gets hostile values).
    "anggaran.prepare_pdf": Route("admin", lambda w: "/anggaran/2027/rkpd-pdf", lambda w: "/anggaran/2027",
                                  fields=("pd",)),
    "siklus.index": Route("admin", lambda w: "/siklus/"),
    "siklus.budget": Route("admin", lambda w: f"/siklus/{w['siklus_id']}/anggaran"),
    "siklus.limits": Route("admin", lambda w: f"/siklus/{w['siklus_id']}/pagu/musrenbang_kelurahan"),
    "siklus.penetapan": Route("admin", lambda w: f"/siklus/{w['siklus_id']}/penetapan", fields=("konfirmasi",)),
    "siklus.rkpd_send": Route("admin", lambda w: f"/siklus/{w['siklus_id']}/rkpd/kirim",
                              lambda w: f"/siklus/{w['siklus_id']}/rkpd", fields=("holder",)),
    "siklus.reschedule": Route("admin", lambda w: f"/siklus/{w['siklus_id']}/tahapan/musrenbang_kecamatan/jadwal",
                               lambda w: f"/siklus/{w['siklus_id']}"),
    "siklus.extend": Route("admin", lambda w: f"/siklus/{w['siklus_id']}/tahapan/rembuk_warga/perpanjang",
                           lambda w: f"/siklus/{w['siklus_id']}"),
    "usulan.create": Route("ling1", lambda w: "/usulan/baru?tahapan=rembuk_warga"),
    "usulan.edit": Route("ling1", lambda w: f"/usulan/{w['usulan_id']}/ubah"),
    "usulan.act": Route("ling1", lambda w: f"/usulan/{w['usulan_id']}/aksi", lambda w: f"/usulan/{w['usulan_id']}"),
    "usulan.upload": Route("ling1", lambda w: f"/usulan/{w['usulan_id']}/lampiran",
                           lambda w: f"/usulan/{w['usulan_id']}"),
    "usulan.send": Route("ling1", lambda w: "/usulan/kirim", fields=("tahapan", "holder")),
    # the work list's bulk form (a preview) and the preview's confirmation form
    "usulan.bulk_preview": Route("ling1", lambda w: "/usulan/massal?tahapan=rembuk_warga",
                                 lambda w: "/usulan/?tahapan=rembuk_warga"),
    "usulan.bulk_apply": Route("ling1", lambda w: "/usulan/massal/jalankan?tahapan=rembuk_warga",
                               lambda w: "/usulan/?tahapan=rembuk_warga",
                               fields=("tahapan", "aksi", "alasan", "pilih", "semua", "jumlah", "sidik")),
    "rapat.save": Route("ling1", lambda w: f"/rapat/rembuk_warga/{w['ling1_unit']}"),
    "rapat.upload": Route("ling1", lambda w: f"/rapat/rembuk_warga/{w['ling1_unit']}/lampiran",
                          lambda w: f"/rapat/rembuk_warga/{w['ling1_unit']}"),
    "rapat.remove": Route("ling1", lambda w: f"/rapat/lampiran/{w['lampiran_id']}/hapus",
                          lambda w: f"/rapat/rembuk_warga/{w['ling1_unit']}"),
    "ranking.score": Route("kec1", lambda w: "/peringkat/skor", lambda w: "/peringkat/", KEC),
    "ranking.route": Route("kec1", lambda w: "/peringkat/rute", lambda w: "/peringkat/", KEC,
                           fields=("v-1", "v-2", "v-999999999999", "seen")),
    "ranking.accept": Route("kec1", lambda w: "/peringkat/terima", lambda w: "/peringkat/", KEC,
                            fields=("n", "alasan", "v-1", "v-2", "seen")),
    "wilayah.edit_profile": Route("kel1", lambda w: f"/wilayah/{w['kel1_unit']}/profil"),
    # the execution of a funded item of the agency (realisasi/): a milestone, its funding, a report
    "realisasi.item": Route("pu", lambda w: f"/realisasi/{w['funded_id']}"),
    "realisasi.plan": Route("pu", lambda w: f"/realisasi/{w['funded_id']}/rencana"),
    "realisasi.upload": Route("pu", lambda w: "/realisasi/impor"),
    # e-Aspirasi (aspirasi/): the citizen's form and code, following by email, the unit's inbox
    "aspirasi_publik.form": Route("", lambda w: "/publik/aspirasi", lambda w: "/publik/aspirasi?induk=12.71.01.1001"),
    "aspirasi_publik.confirm": Route("", lambda w: f"/publik/aspirasi/{w['aspirasi_wait']}/konfirmasi"),
    # without mail the page offers no form (it says why); the handler still gets the field
    "aspirasi_publik.follow": Route("", lambda w: f"/publik/usulan/{w['kode_lacak']}/ikuti",
                                    lambda w: "/publik/aspirasi?induk=12.71.01.1001", fields=("email",)),
    "aspirasi_publik.follow_confirm": Route("", lambda w: "/publik/ikuti/konfirmasi",
                                            lambda w: "/publik/ikuti/konfirmasi?t=x"),
    "aspirasi.follow_up": Route("ling1", lambda w: f"/aspirasi/{w['aspirasi_id']}/tindak-lanjut",
                                lambda w: f"/aspirasi/{w['aspirasi_id']}"),
}
#: POST routes not fuzzed here, each with the reason.
EXCLUDED: dict[str, str] = {
    "password_reset.temporary": "no field but the CSRF token; on success it answers 200 with the temporary "
                                "password shown once (never put in a cookie for a redirect); "
                                "tests/test_password_reset.py covers it",
    "demo_login.login": "answers 404 unless the instance runs in demo mode (this world is a live instance); "
                        "tests/test_demo_login.py posts hostile usernames in demo mode",
}


# ---- hostile values --------------------------------------------------------------------------

NASTY = ["", " ", "\x00", "a\x00b", "A" * 70_000, "' OR '1'='1' --", "1; DROP TABLE usulan; --",
         "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "-1", "0", "-0", "1.5", "1e309",
         "NaN", "Infinity", "99999999999999999999999", "-9223372036854775809", "2147483648", "１２３",
         "٣", "😀" * 50, "\u202egnp.exe", "\ud7ff\ue000", "2026-13-45T25:61", "0000-00-00", "../../etc/passwd",
         "%00", "null", "None", "true", "[]", "{}", "Rp -5.000", "1.000.000.000.000.000.000", "\r\n\t"]
HOSTILE = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
FILE_NAMES = ["a.csv", "a.xlsx", "a.pdf", "a.jpg", "a.png", "x.exe", "", "../../a.csv", "a.CSV", "a",
              "\x00.csv", "😀.pdf"]
FILES = st.tuples(
    st.one_of(st.binary(max_size=3000),
              st.sampled_from([b"kode,nama\n\x00,\xff\xfe\n", b"PK\x03\x04garbage", b"%PDF-1.4\n%%EOF",
                               b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", "kode,nama\n1,é\n".encode("utf-16"),
                               b"a,b\n" * 20_000])),
    st.sampled_from(FILE_NAMES))


@dataclass
class Field:
    name: str
    kind: str             # text, select, checkbox, file, hidden ...
    value: str | None     # what the page holds
    options: tuple[str, ...] = ()


def find_form(html: str, base: str, target: str, fallback: tuple[str, ...] = ()) -> list[Field]:
    """The fields of the page's POST form whose action is ``target`` (its path); else the
    ``fallback`` names as text fields."""
    page = lxml.html.fromstring(html)
    wanted = urlsplit(target)
    for form in page.forms:
        if (form.method or "get").lower() != "post":
            continue
        action = urlsplit(urljoin(base, form.get("action") or base))
        if action.path != wanted.path:
            continue
        fields = []
        for element in form.inputs:
            name = element.get("name")
            if not name or name == "csrf_token":
                continue
            tag = element.tag
            if tag == "select":
                options = tuple(o.get("value", o.text_content()) for o in element.iter("option"))
                fields.append(Field(name, "select", element.value if not element.multiple else None, options))
            elif tag == "textarea":
                fields.append(Field(name, "textarea", element.value))
            else:
                kind = (element.get("type") or "text").lower()
                if kind in ("submit", "button", "image", "reset"):
                    fields.append(Field(name, "submit", element.get("value")))
                else:
                    fields.append(Field(name, kind, element.get("value")))
        return fields
    assert fallback, f"no POST form to {target} on {base}"
    return [Field(name, "text", None) for name in fallback]


def field_values(field: Field):
    """Strategy for one field: missing, its page value, an option, hostile, or several values."""
    if field.kind == "file":
        return st.one_of(st.just(MISSING), FILES)
    choices = [st.just(MISSING), HOSTILE, st.lists(HOSTILE, min_size=2, max_size=3)]
    if field.value is not None:
        choices.append(st.just(field.value))
    if field.options:
        choices.append(st.sampled_from(field.options))
    return st.one_of(choices)


# ---- what the database holds -------------------------------------------------------------------


ERROR_MARKS = ("is-invalid", "invalid-feedback", "alert-danger", "alert-warning", "text-danger")


# ---- the world the forms act on -------------------------------------------------------------

ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang", "usulan_kegiatan": "Pengaspalan Gang Damai",
        "volume": "150", "satuan": "m", "harga_satuan": "450000", "jalan": "Gang Damai",
        "pengusul_nama": "Siti Aminah", "pengusul_telepon": "0812-6000-1234", "pengusul_nik": "1271010101010001"}


@pytest.fixture
def world(app, region, siklus, clock):
    """One proposal, a kamus entry, a client token and a meeting attachment to act on."""
    from eplanning_core.api import tokens
    from eplanning_core.kamus.models import KamusUsulan
    from eplanning_core.rapat import operations as rapat_ops
    from eplanning_core.usulan import operations as ops
    from eplanning_core.usulan.models import Lampiran

    users, units = region["users"], region["units"]
    admin, tid = users["admin"], users["admin"].tenant_id
    ling1_unit = units["12.71.01.1001.01"]
    road = ops.create(siklus, "rembuk_warga", users["ling1"], dict(ROAD, lokasi_wilayah_id=ling1_unit.id))
    assert road.ok, (road.errors, road.refusal)
    kamus = KamusUsulan(tenant_id=tid, kode="FP-001", nama="Pembangunan jalan lingkungan",
                        bidang="fisik_prasarana", satuan="m", harga_satuan=1_250_000)
    db.session.add(kamus)
    db.session.commit()
    token = tokens.create_client_token(tid, admin, "fuzz", "read").token
    saved = rapat_ops.save(siklus, "rembuk_warga", ling1_unit, users["ling1"], 0,
                           {"tempat": "Balai", "mulai": "2026-01-20T08:00", "jumlah_hadir": "30",
                            "notulen": "Dibuka."})
    assert saved.ok, saved
    rapat = rapat_ops.get_rapat(siklus, "rembuk_warga", ling1_unit)
    lampiran = Lampiran(tenant_id=tid, rapat_id=rapat.id, jenis="foto", nama_asli="foto.jpg",
                        nama_simpan="0" * 32 + ".jpg", mime="image/jpeg", ukuran=10, sha256="0" * 64,
                        user_id=users["ling1"].id)
    db.session.add(lampiran)
    db.session.commit()
    lampiran_id = lampiran.id
    from support.budget import bulk_planned

    from eplanning_core.usulan.models import Usulan

    funded = bulk_planned(siklus, region, 1, status="didanai", anggaran_jumlah=9_000_000)[0]
    funded_id = db.session.scalar(db.select(Usulan.id).where(Usulan.kode_lacak == funded))
    from eplanning_core.aspirasi.models import Aspirasi

    asp = {status: Aspirasi(tenant_id=tid, kode=f"ASP-FUZZ-{n}AAA", wilayah_id=ling1_unit.id,
                            wilayah_kode=ling1_unit.kode, permasalahan="Saluran tersumbat di gang",
                            usulan_kegiatan="Normalisasi saluran gang", kontak="081200000000",
                            kontak_jenis="telepon", terkonfirmasi=False, status=status, konfirmasi_hash="0" * 64)
           for n, status in ((2, "masuk"), (3, "menunggu_konfirmasi"))}
    db.session.add_all(asp.values())
    db.session.commit()
    return {"aspirasi_id": asp["masuk"].id, "aspirasi_wait": asp["menunggu_konfirmasi"].kode,
            "kode_lacak": road.usulan.kode_lacak,
            "usulan_id": road.usulan.id, "funded_id": funded_id, "kamus_id": kamus.id, "token_id": token.id,
            "user_id": users["viewer"].id, "pd_id": region["agencies"]["dinkes"].id, "siklus_id": siklus.id,
            "ling1_unit": ling1_unit.id, "kel1_unit": units["12.71.01.1001"].id, "lampiran_id": lampiran_id,
            "clock": clock}


# ---- the tests ---------------------------------------------------------------------------------

def _post_routes(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and not rule.rule.startswith("/api/")}


def test_every_post_route_is_fuzzed(app):
    """A new form route fails here until it is in ROUTES (fuzzed) or EXCLUDED (with a reason)."""
    routes = _post_routes(app)
    assert routes - set(ROUTES) - set(EXCLUDED) == set(), "POST routes without fuzz coverage"
    assert (set(ROUTES) | set(EXCLUDED)) - routes == set(), "ROUTES or EXCLUDED name routes that are gone"
    assert not set(ROUTES) & set(EXCLUDED)


def _multipart(values: dict) -> dict:
    data = {}
    for name, value in values.items():
        if isinstance(value, tuple):
            data[name] = (BytesIO(value[0]), value[1])
        else:
            data[name] = value
    return data


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_form_refuses_hostile_input_cleanly(endpoint, app, world):
    route = ROUTES[endpoint]
    world["clock"].set_local(route.moment or "2026-01-20T10:00")
    client = browser(app)
    if route.role:
        assert login(client, route.role).status_code == 302, f"login of {route.role} failed"
    target = route.target(world)
    source = route.source(world) if route.source else target
    page = client.get(source)
    assert page.status_code == 200, f"{source}: {page.status_code}"
    html = page.get_data(as_text=True)
    fields = find_form(html, source, target, route.fields)
    token = lxml.html.fromstring(html).xpath("//input[@name='csrf_token']/@value")[0]
    strategy = st.fixed_dictionaries({f.name: field_values(f) for f in fields})

    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(values=strategy)
    def send(values):
        data = {name: value for name, value in values.items() if value is not MISSING}
        data["csrf_token"] = token
        before = snapshot()
        response = client.post(target, data=_multipart(data), content_type="multipart/form-data")
        status = response.status_code
        assert status < 500, f"{endpoint}: {status} for {data!r:.2000}"
        if status in (301, 302, 303):
            if "/tugas/" in response.headers.get("Location", ""):
                from support.jobs import wait_for_job

                wait_for_job(client, response)  # a background job: ended before the next snapshot
            return  # accepted, or refused with a message shown on the next page
        changed = changed_tables(before, snapshot())
        assert not changed, f"{endpoint}: answered {status} but changed {changed} for {data!r:.2000}"
        if status == 200:
            body = response.get_data(as_text=True)
            assert any(mark in body for mark in ERROR_MARKS), \
                f"{endpoint}: 200 without a visible error for {data!r:.2000}"

    send()
