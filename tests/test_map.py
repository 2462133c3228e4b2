"""Maps and photos (issue 14 point 5): the region's tile server in tenant.toml and its one host
in the CSP, the map picker on the proposal form, the proposal's place and photo thumbnails
(made on first request, under the photo's own access rule), the Command Center's basemap.

No test reaches the internet: the test apps have no basemap (MAP_TILES = "", support/apps.py)
unless a test sets one, and nothing here fetches a tile."""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import replace

import pytest
from PIL import Image
from support.env import TENANTS_DIR
from support.forms import new_proposal
from support.web import csrf_token

from eplanning_core import security
from eplanning_core.extensions import db
from eplanning_core.tenancy.loader import TenantConfigError, load_tenant
from eplanning_core.uploads import THUMBNAIL_BOX, path_of, thumbnail_path
from eplanning_core.usulan.models import Lampiran, Usulan

OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


# ---- the region's setting ----------------------------------------------------------------------

@pytest.fixture
def medan_folder(tmp_path):
    """A copy of Medan's folder whose tenant.toml has no [peta] table: each test writes its own."""
    folder = tmp_path / "medan"
    shutil.copytree(TENANTS_DIR / "medan", folder)
    toml = folder / "tenant.toml"
    text = re.sub(r"\n\[peta\]\n(?:[^\[\n][^\n]*\n|\n)*?(?=\n|\[)", "\n", toml.read_text(encoding="utf-8"))
    assert "[peta]" not in text
    toml.write_text(text, encoding="utf-8")
    return folder


def _with_peta(folder, body: str):
    toml = folder / "tenant.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[peta]\n" + body + "\n", encoding="utf-8")
    return load_tenant(folder)


def test_a_region_gets_openstreetmap_with_attribution_by_default(medan_folder):
    config = load_tenant(medan_folder)
    assert config.map_tiles == OSM and config.map_attribution == "© OpenStreetMap contributors"
    assert config.tile_origin == "https://tile.openstreetmap.org" and config.map_center is None
    shipped = load_tenant(TENANTS_DIR / "medan")
    assert shipped.map_tiles == OSM and shipped.map_center == (3.5952, 98.6722) and shipped.map_zoom == 13


def test_a_region_names_its_own_tile_server_or_none(medan_folder):
    own = _with_peta(medan_folder, 'tiles = "https://peta.medan.go.id:8443/osm/{z}/{x}/{y}{r}.png?v=2"\n'
                                   'attribution = "© OpenStreetMap contributors, Diskominfo Medan"')
    assert own.tile_origin == "https://peta.medan.go.id:8443"
    assert own.map_attribution.endswith("Diskominfo Medan")


def test_no_tiles_is_the_plain_map(medan_folder):
    assert _with_peta(medan_folder, 'tiles = ""').tile_origin is None


@pytest.mark.parametrize("tiles, reason", [
    ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "must name one host"),
    ("ftp://tiles.example.org/{z}/{x}/{y}.png", "must start with https://"),
    ("https://tiles.example.org/{z}/{x}.png", "must contain {y}"),
    ("https://tiles.example.org/{z}/{x}/{y}.png?key={apikey}", "unknown placeholder {apikey}"),
    ("https://tiles.example.org/{z}/{x}/{y}.png; script-src *", "without spaces, quotes"),
    ("https://user:secret@tiles.example.org/{z}/{x}/{y}.png", "user name or password"),
    ("https://tiles_example!.org/{z}/{x}/{y}.png", "is not a host name"),
])
def test_a_tile_url_the_csp_cannot_name_exactly_is_refused_with_the_reason(medan_folder, tiles, reason):
    with pytest.raises(TenantConfigError, match=re.escape(reason)) as refused:
        _with_peta(medan_folder, f'tiles = "{tiles}"')
    assert "peta.tiles" in str(refused.value)


def test_tiles_need_their_attribution_and_the_centre_lies_in_indonesia(medan_folder):
    with pytest.raises(TenantConfigError, match="peta.attribution: is required with tiles"):
        _with_peta(medan_folder, 'attribution = ""')
    (medan_folder / "tenant.toml").write_text(
        (medan_folder / "tenant.toml").read_text(encoding="utf-8").rsplit("\n[peta]\n", 1)[0], encoding="utf-8")
    with pytest.raises(TenantConfigError, match="peta.center: must lie inside Indonesia"):
        _with_peta(medan_folder, "center = [48.85, 2.35]")


# ---- the Content-Security-Policy ---------------------------------------------------------------

def _set_tiles(app, tiles: str) -> None:
    """The region's [peta] tiles changed, as a restart with another tenant.toml would."""
    config = replace(app.extensions["eplanning.tenants"]["medan"], map_tiles=tiles)
    app.extensions["eplanning.tenants"]["medan"] = app.extensions["eplanning.tenant"] = config


def _img_src(response) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    return next(part for part in policy.split("; ") if part.startswith("img-src")).split()[1:]


def test_the_csp_allows_images_from_exactly_the_regions_tile_host(app, client, region):
    app.config["MAP_TILES"] = None  # the region's own setting (the tests' default is none)
    assert _img_src(client.get("/publik/")) == ["'self'", "data:", "blob:", "https://tile.openstreetmap.org"]
    assert "tile.openstreetmap.org" not in client.get("/publik/").headers["Content-Security-Policy"].replace(
        "img-src 'self' data: blob: https://tile.openstreetmap.org", "")  # no other directive gains it
    _set_tiles(app, "https://peta.medan.go.id/{z}/{x}/{y}.png")
    assert _img_src(client.get("/masuk")) == ["'self'", "data:", "blob:", "https://peta.medan.go.id"]
    _set_tiles(app, "")
    assert client.get("/masuk").headers["Content-Security-Policy"] == security.CSP


def test_the_deployment_setting_overrides_every_region_and_is_checked_at_start(app, client, region, database_url):
    app.config["MAP_TILES"] = "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png"  # a local cache (or nothing listening)
    assert _img_src(client.get("/publik/"))[-1] == "http://127.0.0.1:9"
    app.config["MAP_TILES"] = ""
    assert client.get("/publik/").headers["Content-Security-Policy"] == security.CSP
    from support.apps import make_app

    from eplanning_core.config import SettingError

    with pytest.raises(SettingError, match="EPLANNING_MAP_TILES must name one host"):
        make_app(database_url, MAP_TILES="https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")


def test_uploaded_files_keep_their_own_stricter_policy(app, as_user, region, siklus, client):
    app.config["MAP_TILES"] = None
    usulan, photo = _proposal_with_photo(as_user, region, client)
    response = client.get(f"/usulan/lampiran/{photo.id}/kecil")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


# ---- the map picker ----------------------------------------------------------------------------

def test_the_form_has_a_map_picker_beside_the_typed_coordinates(app, as_user, region, siklus):
    app.config["MAP_TILES"] = None
    page = as_user("ling1").get("/usulan/baru").get_data(as_text=True)
    holder = re.search(r'<div id="location-map"[^>]*>', page).group(0)
    assert f'data-tiles="{OSM}"' in holder and 'data-attribution="© OpenStreetMap contributors"' in holder
    assert 'data-center="3.5952,98.6722"' in holder and 'data-lat="lat"' in holder and 'data-lng="lng"' in holder
    assert 'id="use-location"' in page and 'name="lat"' in page and 'name="lng"' in page
    for script in ("vendor/leaflet/leaflet.js", "map/basemap.js", "map/picker.js"):
        assert f'src="/static/{script}"' in page
    assert "<script>" not in page  # no inline script (CSP)


def test_typed_coordinates_are_saved_and_bad_ones_refused_per_field(as_user, region, siklus, client):
    as_user("ling1")
    refused = new_proposal(client, region, lat="48,85", lng="2,35")
    assert refused.status_code == 422 and db.session.scalar(db.select(db.func.count()).select_from(Usulan)) == 0
    assert new_proposal(client, region, lat="3,589412", lng="98.671003").status_code == 302
    usulan = db.session.scalar(db.select(Usulan))
    assert (str(usulan.lat), str(usulan.lng)) == ("3.589412", "98.671003")


# ---- the proposal's place and photos -----------------------------------------------------------

def _jpeg(width=1600, height=1200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 60)).save(out, "JPEG", quality=90)
    return out.getvalue()


def _proposal_with_photo(as_user, region, client, **overrides):
    as_user("ling1")
    assert new_proposal(client, region, **overrides).status_code == 302
    usulan = db.session.scalar(db.select(Usulan).order_by(Usulan.id.desc()))
    response = client.post(f"/usulan/{usulan.id}/lampiran", data={
        "csrf_token": csrf_token(client, f"/usulan/{usulan.id}"), "jenis": "foto",
        "berkas": (io.BytesIO(_jpeg()), "jalan rusak.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 303
    return usulan, db.session.scalar(db.select(Lampiran).where(Lampiran.usulan_id == usulan.id))


def test_a_photo_shows_as_a_thumbnail_made_on_first_request_and_opens_large(as_user, region, siklus, client):
    usulan, photo = _proposal_with_photo(as_user, region, client)
    thumb = thumbnail_path(photo.tenant_id, photo.nama_simpan)
    assert not thumb.exists()  # not at upload: on the first request
    page = client.get(f"/usulan/{usulan.id}").get_data(as_text=True)
    assert f'<a href="/usulan/lampiran/{photo.id}" data-large' in page
    assert f'src="/usulan/lampiran/{photo.id}/kecil"' in page and 'id="photo-large"' in page
    response = client.get(f"/usulan/lampiran/{photo.id}/kecil")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "private, no-cache"
    small = Image.open(io.BytesIO(response.get_data()))
    assert small.size[0] <= THUMBNAIL_BOX[0] and small.size[1] <= THUMBNAIL_BOX[1] and small.size == (480, 360)
    assert thumb.is_file() and len(response.get_data()) < path_of(photo.tenant_id, photo.nama_simpan).stat().st_size
    made = thumb.stat().st_mtime_ns
    assert client.get(f"/usulan/lampiran/{photo.id}/kecil").get_data() == response.get_data()
    assert thumb.stat().st_mtime_ns == made  # made once
    thumb.unlink()  # lost (a restore without it): made again
    assert client.get(f"/usulan/lampiran/{photo.id}/kecil").status_code == 200 and thumb.is_file()


def test_a_thumbnail_has_exactly_the_photos_access_rule(as_user, region, siklus, client):
    usulan, photo = _proposal_with_photo(as_user, region, client)
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/usulan/")})
    assert client.get(f"/usulan/lampiran/{photo.id}/kecil").status_code == 302  # log in first
    for username, expected in (("kel2", 404), ("kel1", 200), ("viewer", 200)):
        as_user(username)
        assert client.get(f"/usulan/lampiran/{photo.id}").status_code == expected, username
        assert client.get(f"/usulan/lampiran/{photo.id}/kecil").status_code == expected, username
        client.post("/keluar", data={"csrf_token": csrf_token(client, "/usulan/")})


def test_a_document_has_no_thumbnail_and_a_deleted_photo_takes_its_thumbnail_along(as_user, region, siklus, client):
    from eplanning_core.uploads import delete_stored

    usulan, photo = _proposal_with_photo(as_user, region, client)
    client.get(f"/usulan/lampiran/{photo.id}/kecil")
    assert delete_stored(photo.tenant_id, photo.nama_simpan)
    assert not thumbnail_path(photo.tenant_id, photo.nama_simpan).exists()
    assert client.get(f"/usulan/lampiran/{photo.id}/kecil").status_code == 404
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    client.post(f"/usulan/{usulan.id}/lampiran", data={
        "csrf_token": csrf_token(client, f"/usulan/{usulan.id}"), "jenis": "dokumen",
        "berkas": (io.BytesIO(pdf), "berita acara.pdf")}, content_type="multipart/form-data")
    document = db.session.scalar(db.select(Lampiran).where(Lampiran.jenis == "dokumen"))
    assert client.get(f"/usulan/lampiran/{document.id}/kecil").status_code == 404


def test_the_proposal_page_shows_its_place_on_the_regions_basemap(app, as_user, region, siklus, client):
    app.config["MAP_TILES"] = None
    usulan, _photo = _proposal_with_photo(as_user, region, client, lat="3,589412", lng="98,671003")
    page = client.get(f"/usulan/{usulan.id}").get_data(as_text=True)
    holder = re.search(r'<div id="place-map"[^>]*>', page).group(0)
    assert 'data-point="3.589412,98.671003"' in holder and f'data-tiles="{OSM}"' in holder
    assert 'src="/static/map/place.js"' in page
    assert 'src="/static/vendor/leaflet/leaflet.js"' not in page  # fetched when the map nears the screen
    without = new_proposal(client, region)
    assert without.status_code == 302
    other = db.session.scalar(db.select(Usulan).order_by(Usulan.id.desc()))
    assert 'id="place-map"' not in client.get(f"/usulan/{other.id}").get_data(as_text=True)


# ---- the Command Center --------------------------------------------------------------------------

def test_the_command_center_map_gets_the_basemap_and_its_fallback(app, as_user, region, siklus):
    from support.rows import add_rows

    app.config["MAP_TILES"] = None
    add_rows(siklus, region, [{"lat": 3.59, "lng": 98.67}])
    page = as_user("admin").get("/command-center/").get_data(as_text=True)
    holder = re.search(r'<div id="cc-map"[^>]*>', page).group(0)
    assert f'data-tiles="{OSM}"' in holder and 'data-fallback-note="cc-map-plain"' in holder
    assert 'id="cc-map-plain"' in page and 'src="/static/map/basemap.js"' in page
    assert 'src="/static/vendor/leaflet/leaflet.js"' not in page  # still fetched later


def test_the_map_scripts_are_served_and_set_no_html_from_data(client, region):
    for name in ("basemap", "picker", "place", "photos", "portal"):
        response = client.get(f"/static/map/{name}.js")
        assert response.status_code == 200, name
        script = response.get_data(as_text=True)
        assert "innerHTML" not in script and "eval(" not in script, name
