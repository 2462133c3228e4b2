"""Who may reach what: the declared expectation of every route, for tests/test_isolation_matrix.py.

One ``Rule`` per endpoint of ``app.url_map``. A rule names the kind of object its URL
points at (``kind``, see ``OWNERSHIPS``) and, for reading (GET) and for writing (POST and
the other write methods), the outcome of each role::

    "ok"     2xx or 3xx (not to the login page): the role reaches the page or the action
    "pass"   a write that passes the access check and is then refused for its (deliberately
             incomplete) content: 2xx/3xx, or 400/409/422; nothing is stored
    "login"  a redirect to the login page (anonymous on the screens)
    "401"    no valid token (the API)
    "403"    the role may not do this at all, whatever the object
    "404"    the object is not there for this role (another unit's, another region's)

A value "a/b" is the outcome for an object of the role's own unit (a) and of another unit
of the same region (b). An object of ANOTHER REGION, and an id that exists nowhere, always
get the same answer: 404, or the refusal the role gets for its own object when that refusal
(login, 401, 403) does not depend on the object; a third part "a/b/c" names it where the
role ignores the id (an operator's page is always its own unit's). "x|y": either outcome.
``"*"`` is every role not named.

Roles: anonymous, the region's accounts (``isolation_world.USERS``: Bappeda admin, operators of a
kecamatan, kelurahan and lingkungan, an agency operator, a DPRD member, Setwan, a viewer) and,
on /api/v1, their user tokens plus a client token that reads and one that may write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from isolation_world import USERS

HTML_ROLES = ("anon",) + USERS
API_ROLES = ("anon",) + USERS + ("client_read", "client_write")

UNIT_SCOPED = ("own", "other", "foreign", "missing")
TENANT_WIDE = ("own", "foreign", "missing")
#: Which ownerships an object kind has: unit-scoped objects exist in the user's own unit and
#: in another; region-wide objects (users, agencies, catalogue, cycles, tokens) only per region.
OWNERSHIPS = {
    "usulan": UNIT_SCOPED, "usulan_file": UNIT_SCOPED, "rapat_file": UNIT_SCOPED,
    "rapat_file_spare": UNIT_SCOPED, "wilayah": UNIT_SCOPED, "meeting": UNIT_SCOPED,
    "user": TENANT_WIDE, "agency": TENANT_WIDE, "kamus": TENANT_WIDE, "siklus": TENANT_WIDE,
    "siklus_stage": TENANT_WIDE, "siklus_pagu": TENANT_WIDE, "token": TENANT_WIDE, "tahun": TENANT_WIDE,
    "tahun_fmt": TENANT_WIDE, "dataset": TENANT_WIDE, "unit_code": TENANT_WIDE, "agency_code": TENANT_WIDE,
    "tracking": TENANT_WIDE, "kecamatan_arg": UNIT_SCOPED, "agency_arg": UNIT_SCOPED,
    "rkpd_holder": TENANT_WIDE, "send_holder": UNIT_SCOPED, "tracking_arg": TENANT_WIDE,
    "tugas": TENANT_WIDE, "realisasi_foto": TENANT_WIDE,
    "aspirasi": UNIT_SCOPED, "aspirasi_foto": UNIT_SCOPED, "aspirasi_kode": TENANT_WIDE,
}


@dataclass(frozen=True)
class Rule:
    kind: str | None = None
    get: dict | None = None
    write: dict | None = None
    #: form fields (screens) or JSON body (API) of a write, from the case's context
    payload: Callable[[dict], dict] | None = None
    api: bool = False
    public: bool = False          # a public page: shows every unit's public data to anyone
    mutates: bool = False         # an allowed write really changes rows (on a spare object)
    writes_session: bool = False  # writes only the session (login, language) or a login log
    fresh_session: bool = False   # the write ends the session: each case logs in anew


def roles(rest: str, **named: str) -> dict:
    return {"*": rest, **named}


def expected(rule: Rule, method: str, role: str, ownership: str) -> str:
    table = rule.get if method == "GET" else rule.write
    if table is None:
        return f"undeclared {method}"
    anon = "401" if rule.api else "login"
    raw = table.get(role, anon if role == "anon" and "anon" not in table else table["*"])
    own, other, elsewhere = (raw.split("/") + [None, None])[:3]
    other = other or own
    if ownership == "own":
        return own
    if ownership == "other":
        return other
    if elsewhere:  # the role's own object whatever id it sends (an ignored query argument)
        return elsewhere
    return "404" if own in ("ok", "pass", "404") else f"404|{own}"


EVERYONE = roles("ok", anon="ok")
ANY_USER = roles("ok")
ADMIN = roles("403", admin="ok")
ADMIN_WRITE = roles("403", admin="pass")
ADMIN_OR_VIEWER = roles("403", admin="ok", viewer="ok")
ANY_USER_WRITE = roles("pass")
#: A proposal (and its files): the whole region for Bappeda and viewers; the unit's subtree
#: for operators, the agency's for the agency; Setwan only the Pokir; the council member only
#: their own Pokir (issue 13, point 9: not the Musrenbang proposals of the dapil's kecamatan,
#: whose proposers' names and numbers these screens show; the portal shows them masked).
USULAN_READ = roles("ok/404", admin="ok", viewer="ok", setwan="404", dprd1="404")
MEETING_READ = roles("ok/404", admin="ok", viewer="ok", pu="ok", setwan="ok")
UNIT_READ = MEETING_READ
API_REGION_READ = roles("403", admin="pass", viewer="pass", client_read="pass", client_write="pass")
RANKING_WRITE = roles("403", admin="pass", kec1="pass/pass/pass")
RENJA = roles("403", admin="ok", pu="ok/ok/ok")
#: Aspirations: operators read and act on their unit's subtree; Bappeda and viewers read all.
ASPIRASI_READ = roles("403", admin="ok", viewer="ok", kec1="ok", kel1="ok", ling1="ok")
ASPIRASI_ONE = roles("403", admin="ok", viewer="ok", kec1="ok/404", kel1="ok/404", ling1="ok/404")
ASPIRASI_ACT = roles("403", kec1="pass/404", kel1="pass/404", ling1="pass/404")


def _api_aspirasi(ctx):
    return {"tindakan": "tolak"}  # no reason: refused (422) once scope and role pass


def _api_budget(ctx):
    return {"baris": [{"external_id": "UJI-1", "perangkat_daerah": "1.03.01", "sub_kegiatan": "1.03.10.2.01.0005",
                       "uraian": "Uji", "jumlah": 1000}]}


def _api_milestone(ctx):
    return {"tanggal": "2026-01-02", "progres": 10, "realisasi_jumlah": 0}


def _rkpd_holder(ctx):
    return {"holder": str(ctx["holder"])}


def _usulan_action(ctx):
    return {"aksi": "tidak_ada", "tahapan": "musrenbang_kelurahan", "version": "1"}


SEND_HOLDER = {"own": "12.71.01.1001.01", "other": "12.71.02.1001.01", "foreign": "13.06.01.2001",
               "missing": "99.99.99.9999.99"}


def _send(ctx):
    return {"tahapan": "rembuk_warga", "holder": SEND_HOLDER[ctx["ownership"]]}


def _bulk(ctx):
    return {"tahapan": "musrenbang_kelurahan", "aksi": "diterima", "pilih": "999999999:1"}


def _api_decision(ctx):
    return {"keputusan": "ditolak", "versi": 0, "alasan": "uji"}


def _api_send(ctx):
    return {**_send(ctx), "dry_run": True}


RULES: dict[str, Rule] = {
    # ---- public pages and assets --------------------------------------------------------------
    "home.index": Rule(get=EVERYONE, public=True),
    "static": Rule(kind="static", get=EVERYONE, public=True),
    "bootstrap.static": Rule(kind="bootstrap_static", get=EVERYONE, public=True),
    "tenancy.branding_css": Rule(get=EVERYONE, public=True),
    "tenancy.logo": Rule(get=EVERYONE, public=True),
    "portal.start": Rule(get=EVERYONE, public=True),
    "portal.language": Rule(kind="lang", get=EVERYONE, public=True),
    "portal.data": Rule(get=EVERYONE, public=True),
    "portal.download": Rule(kind="dataset", get=EVERYONE, public=True),
    "portal.track": Rule(kind="tracking_arg", get=EVERYONE, public=True),
    "portal.agency": Rule(kind="agency_code", get=EVERYONE, public=True),
    "portal.browse": Rule(get=EVERYONE, public=True),
    "portal.unit": Rule(kind="unit_code", get=EVERYONE, public=True),
    "portal.audit_trail": Rule(get=EVERYONE, public=True),
    "portal.map_data": Rule(get=EVERYONE, public=True),
    "portal.photo": Rule(kind="usulan_file", get=EVERYONE, public=True),
    "portal.checkpoint_download": Rule(kind="checkpoint_fmt", get=EVERYONE, public=True),
    "aspirasi_publik.form": Rule(get=EVERYONE, write=roles("pass", anon="pass"), public=True),
    "aspirasi_publik.confirm": Rule(kind="aspirasi_kode", get=EVERYONE, write=roles("pass", anon="pass"),
                                    public=True),
    "aspirasi_publik.track": Rule(kind="aspirasi_kode", get=EVERYONE, public=True),
    "aspirasi_publik.follow": Rule(kind="tracking", get=EVERYONE, write=roles("pass", anon="pass"), public=True),
    # no token: the link is not valid (404); the page asking to confirm is anyone's
    "aspirasi_publik.follow_confirm": Rule(get=EVERYONE, write=roles("404", anon="404"), public=True),
    "aspirasi_publik.follow_stop": Rule(get=roles("404", anon="404"), public=True),
    "aspirasi.inbox": Rule(get=ASPIRASI_READ),
    "aspirasi.detail": Rule(kind="aspirasi", get=ASPIRASI_ONE),
    "aspirasi.photo": Rule(kind="aspirasi_foto", get=ASPIRASI_ONE),
    "aspirasi.follow_up": Rule(kind="aspirasi", write=ASPIRASI_ACT),
    "auth.login": Rule(get=EVERYONE, write=roles("pass", anon="pass"), writes_session=True, public=True),
    # one-click demo login (demo/login.py): only in demo mode; the matrix runs a live instance
    "demo_login.login": Rule(write=roles("404", anon="404"), writes_session=True, public=True),
    # logging out lands on the login page, for anyone
    "auth.logout": Rule(write=roles("login"), writes_session=True, fresh_session=True),
    "auth.reauth": Rule(get=ANY_USER, write=ANY_USER_WRITE, writes_session=True),
    "auth.change_password": Rule(get=ANY_USER, write=ANY_USER_WRITE, writes_session=True),
    "password_reset.request_link": Rule(get=EVERYONE, write=roles("pass", anon="pass"), writes_session=True,
                                        public=True),
    "password_reset.reset": Rule(get=EVERYONE, write=roles("pass", anon="pass"), writes_session=True, public=True),
    "notifications.index": Rule(get=ANY_USER),
    "notifications.mark_read": Rule(write=ANY_USER_WRITE),
    "notifications.email": Rule(get=ANY_USER, write=ANY_USER_WRITE),
    "i18n.switch_language": Rule(write=roles("ok", anon="ok"), payload=lambda c: {"lang": "en"},
                                 writes_session=True),
    # ---- administration (Bappeda) ---------------------------------------------------------------
    "admin.users": Rule(get=ADMIN),
    "health.index": Rule(get=ADMIN),  # database and read replica health
    "admin.new_user": Rule(get=ADMIN, write=ADMIN_WRITE),
    "admin.edit_user": Rule(kind="user", get=ADMIN, write=ADMIN_WRITE),
    "admin.end_sessions": Rule(kind="user", write=roles("403", admin="ok"), mutates=True),
    "admin.clear_login_waits": Rule(kind="user", write=roles("403", admin="ok"), mutates=True),
    "password_reset.temporary": Rule(kind="user", write=roles("403", admin="ok"), mutates=True),
    "admin.user_history": Rule(kind="user", get=ADMIN),
    "admin.agencies": Rule(get=ADMIN),
    "admin.new_agency": Rule(get=ADMIN, write=ADMIN_WRITE),
    "admin.edit_agency": Rule(kind="agency", get=ADMIN, write=ADMIN_WRITE),
    "api_admin.index": Rule(get=ADMIN),
    "api_admin.create": Rule(get=ADMIN, write=ADMIN_WRITE),
    "api_admin.revoke": Rule(kind="token", write=roles("403", admin="ok"), mutates=True),
    "kamus.index": Rule(get=ADMIN),
    "kamus.new": Rule(get=ADMIN, write=ADMIN_WRITE),
    "kamus.edit": Rule(kind="kamus", get=ADMIN, write=ADMIN_WRITE),
    "kamus.history": Rule(kind="kamus", get=ADMIN),
    "kamus.set_status": Rule(kind="kamus", write=ADMIN_WRITE),
    "kamus.import_kamus": Rule(get=ADMIN, write=ADMIN_WRITE),
    "kamus.import_nomenklatur": Rule(get=ADMIN, write=ADMIN_WRITE),
    "kamus.nomenklatur": Rule(get=ANY_USER),
    "kamus.lookup_kamus": Rule(get=roles("ok", anon="401")),
    "kamus.lookup_nomenklatur": Rule(get=roles("ok", anon="401")),
    # the pickers' look-ups (issue 14): JSON of the region only, units within the user's scope
    "lookup.wilayah": Rule(get=roles("ok", anon="401")),
    "lookup.pd": Rule(get=roles("ok", anon="401")),
    "lookup.katalog": Rule(get=roles("ok", anon="401")),
    "lookup.subkegiatan": Rule(get=roles("ok", anon="401")),
    "anggaran.index": Rule(get=ADMIN),
    "anggaran.cycle": Rule(kind="tahun", get=ADMIN),
    "anggaran.upload": Rule(kind="tahun", get=ADMIN, write=ADMIN_WRITE),
    "anggaran.reconcile": Rule(kind="tahun", get=ADMIN),
    "anggaran.download": Rule(kind="tahun_fmt", get=ADMIN),
    "anggaran.prepare": Rule(kind="tahun_fmt", write=ADMIN_WRITE),
    # the printed RKPD (of the region, or of one agency): a background job, so a row is written
    "anggaran.prepare_pdf": Rule(kind="tahun", write=ADMIN_WRITE, mutates=True),
    # Background jobs: the world's job is Bappeda's own (done, without a file to download).
    "tugas.mine": Rule(get=ANY_USER),
    "tugas.show": Rule(kind="tugas", get=roles("404", admin="ok")),
    "tugas.status": Rule(kind="tugas", get=roles("404", admin="ok")),
    "tugas.download": Rule(kind="tugas", get=roles("404")),
    "tugas_admin.index": Rule(get=ADMIN),
    "siklus.index": Rule(get=ADMIN, write=ADMIN_WRITE),
    "siklus.schedule": Rule(kind="siklus", get=ADMIN),
    "siklus.budget": Rule(kind="siklus", get=ADMIN_OR_VIEWER, write=ADMIN_WRITE),
    "siklus.limits": Rule(kind="siklus_pagu", get=ADMIN, write=ADMIN_WRITE),
    "siklus.penetapan": Rule(kind="siklus", get=ADMIN, write=ADMIN_WRITE),
    "siklus.rkpd": Rule(kind="siklus", get=ADMIN),
    # the agency whose batch is sent comes in the form: another region's agency is not found
    "siklus.rkpd_send": Rule(kind="rkpd_holder", write=ADMIN_WRITE, payload=_rkpd_holder),
    "siklus.reschedule": Rule(kind="siklus_stage", write=ADMIN_WRITE),
    "siklus.extend": Rule(kind="siklus_stage", write=ADMIN_WRITE),
    # ---- the work of every role -----------------------------------------------------------------
    "commandcenter.index": Rule(get=ADMIN_OR_VIEWER),
    # the interactive map's points, fetched by the page's script: the page's rule, in JSON
    "commandcenter.map_data": Rule(get=roles("403", admin="ok", viewer="ok", anon="401")),
    "wilayah.index": Rule(get=ANY_USER),
    "wilayah.detail": Rule(kind="wilayah", get=UNIT_READ),
    "wilayah.edit_profile": Rule(kind="wilayah", get=roles("403/404", admin="ok", kel1="ok/404", ling1="ok/404",
                                                           kec1="ok/404", viewer="403", pu="403", setwan="403"),
                                 write=roles("403/404", admin="pass", kel1="pass/404", ling1="pass/404",
                                             kec1="pass/404", viewer="403", pu="403", setwan="403")),
    "usulan.index": Rule(get=ANY_USER),
    "usulan.detail": Rule(kind="usulan", get=USULAN_READ),
    "usulan.edit": Rule(kind="usulan", get=USULAN_READ, write=roles("pass/404", admin="pass", viewer="pass",
                                                                    setwan="404", dprd1="404")),
    "usulan.act": Rule(kind="usulan", write=roles("pass/404", admin="pass", viewer="pass", setwan="404",
                                                  dprd1="404"),
                       payload=_usulan_action),
    "usulan.upload": Rule(kind="usulan", write=roles("403/404", admin="403", viewer="403", setwan="404",
                                                     dprd1="404"),
                          payload=lambda c: {"jenis": "foto", "version": "1"}),
    "usulan.file": Rule(kind="usulan_file", get=USULAN_READ),
    "usulan.thumbnail": Rule(kind="usulan_file", get=USULAN_READ),
    "usulan.create": Rule(get=ANY_USER, write=ANY_USER_WRITE),
    # the batch to send is named in the form (the holder's unit code): only one's own is found
    "usulan.send": Rule(kind="send_holder", get=roles("ok/ok/ok"), write=roles("403", ling1="pass/403/403"),
                        payload=_send),
    # deciding many at once: the selection names proposals by id (or the list's filter); what
    # the role may not read is "not in your list", what it may not decide the engine refuses
    # (tests/test_bulk_actions.py forges both); nothing is stored for an id found nowhere
    "usulan.bulk_preview": Rule(write=ANY_USER_WRITE, payload=_bulk),
    "usulan.bulk_apply": Rule(write=ANY_USER_WRITE, payload=_bulk),
    # the kecamatan (Bappeda chooses it by ?kecamatan=; an operator always works on its own)
    "ranking.index": Rule(kind="kecamatan_arg", get=roles("403", admin="ok", kec1="ok/ok/ok")),
    "ranking.score": Rule(kind="kecamatan_arg", write=RANKING_WRITE),
    "ranking.accept": Rule(kind="kecamatan_arg", write=RANKING_WRITE),
    "ranking.route": Rule(kind="kecamatan_arg", write=RANKING_WRITE),
    # the agency (Bappeda chooses it by ?pd=; an agency operator always works on its own)
    "renja.index": Rule(kind="agency_arg", get=RENJA),
    "renja.draft": Rule(kind="agency_arg", get=RENJA),
    # Execution (realisasi/): the agency reports on its funded items (the world's are not funded:
    # a report is refused for that, "pass"); Bappeda, readers and agencies see the progress.
    "realisasi.index": Rule(kind="agency_arg", get=roles("403", admin="ok", viewer="ok", pu="ok/ok/ok")),
    "realisasi.item": Rule(kind="usulan", get=USULAN_READ, write=roles(
        "403/404", admin="pass", pu="pass/404", viewer="403", setwan="404", dprd1="404")),
    "realisasi.plan": Rule(kind="usulan", get=roles("403/404", admin="ok", pu="ok/404", viewer="403", setwan="404",
                                                    dprd1="404"),
                           write=roles("403/404", admin="pass", pu="pass/404", viewer="403", setwan="404",
                                       dprd1="404")),
    "realisasi.upload": Rule(get=roles("403", admin="ok", pu="ok"), write=roles("403", admin="pass", pu="pass")),
    "realisasi.sipd_export": Rule(kind="tahun_fmt", get=ADMIN_OR_VIEWER),
    "realisasi.photo": Rule(kind="realisasi_foto", get=EVERYONE, public=True),
    "rapat.index": Rule(get=ANY_USER),
    "rapat.listing": Rule(get=ANY_USER),
    "rapat.detail": Rule(kind="meeting", get=MEETING_READ),
    # kecamatan and kelurahan meetings are not open on the clock's day: 403 with the window
    "rapat.save": Rule(kind="meeting", write=roles("403/404", admin="403", viewer="403", pu="403", setwan="403",
                                                   ling1="pass/404")),
    "rapat.upload": Rule(kind="meeting", write=roles("403/404", admin="403", viewer="403", pu="403",
                                                     setwan="403", kec1="pass/404", kel1="pass/404",
                                                     ling1="pass/404")),
    "rapat.berita_acara": Rule(kind="meeting", get=MEETING_READ),
    "rapat.rekap": Rule(kind="meeting", get=MEETING_READ),
    "rapat.file": Rule(kind="rapat_file", get=MEETING_READ),
    "rapat.remove": Rule(kind="rapat_file_spare", write=roles("403/404", admin="403", viewer="403", pu="403",
                                                              setwan="403", ling1="ok/404"), mutates=True),
    # ---- the API ------------------------------------------------------------------------------
    "api_health.Health": Rule(api=True, get=roles("ok", anon="ok"), public=True),
    "api-docs.openapi_json": Rule(api=True, get=roles("ok", anon="ok"), public=True),
    "api_publik.PublicUsulan": Rule(kind="tracking", api=True, get=roles("ok", anon="ok"), public=True),
    # e-Aspirasi (issue 16): citizens without an account; the inbox of the unit and the units above
    "api_aspirasi.PublicAspirasiCreate": Rule(api=True, write=roles("pass", anon="pass"), public=True),
    "api_aspirasi.PublicAspirasi": Rule(kind="aspirasi_kode", api=True, get=roles("ok", anon="ok"), public=True),
    "api_aspirasi.AspirasiInbox": Rule(api=True, get=ASPIRASI_READ),
    "api_aspirasi.AspirasiFollowUp": Rule(kind="aspirasi", api=True, payload=_api_aspirasi, write=ASPIRASI_ACT),
    # a wrong password is 401 for anyone; the header's token plays no part
    "api_auth.Token": Rule(api=True, write=roles("401|429"), writes_session=True,
                           payload=lambda c: {"username": "tidak-ada", "password": "salah-sekali"}),
    "api_wilayah.WilayahList": Rule(api=True, get=roles("ok")),
    "api_usulan.UsulanList": Rule(api=True, get=roles("ok"), write=roles("pass", viewer="403",
                                                                          client_read="403",
                                                                          client_write="403")),
    "api_usulan.UsulanOne": Rule(kind="usulan", api=True, get=roles(
        "ok/404", admin="ok", viewer="ok", setwan="404", dprd1="404", client_read="ok", client_write="ok")),
    "api_usulan.History": Rule(kind="usulan", api=True, get=roles(
        "ok/404", admin="ok", viewer="ok", setwan="404", dprd1="404", client_read="ok", client_write="ok")),
    "api_usulan.Decision": Rule(kind="usulan", api=True, payload=_api_decision, write=roles(
        "pass/404", admin="pass", viewer="403", setwan="404", dprd1="404", client_read="403",
        client_write="403")),
    "api_usulan.Send": Rule(kind="send_holder", api=True, payload=_api_send, write=roles(
        "403", ling1="pass/403/403")),
    # the RKPD of 2027 is not set yet: 409 ("pass") for those who may read it
    "api_realisasi.Execution": Rule(kind="usulan", api=True, payload=_api_milestone, get=roles(
        "ok/404", admin="ok", viewer="ok", setwan="404", dprd1="404", client_read="ok", client_write="ok"),
        write=roles("pass/404", admin="pass", viewer="403", setwan="404", dprd1="404", client_read="403",
                    client_write="403")),
    "api_realisasi.ExecutionImport": Rule(api=True, write=roles("403", admin="pass", pu="pass")),
    "api_realisasi.SipdExport": Rule(kind="tahun", api=True, get=roles(
        "403", admin="ok", viewer="ok", client_read="ok", client_write="ok")),
    "api_anggaran.RkpdView": Rule(kind="tahun", api=True, get=API_REGION_READ),
    "api_anggaran.RekonsiliasiView": Rule(kind="tahun", api=True, get=API_REGION_READ),
    "api_anggaran.AnggaranView": Rule(kind="tahun", api=True, payload=_api_budget,
                                      write=roles("403", admin="pass", client_write="pass")),
}
