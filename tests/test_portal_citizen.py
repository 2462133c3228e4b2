"""The portal for citizens (issue 16 point 6): cards with the proposal's photo, status and
place; a map of the proposals by status on the region's basemap; browsing by kecamatan then
kelurahan; a page on the tamper-evident history written for a citizen, hashes one click deeper.
The pages keep the page cache and the query budget; photos are public thumbnails of
proposals' photos only (never a meeting's file, never a document)."""

from __future__ import annotations

import io
import re
import secrets

from PIL import Image
from support.rows import add_rows
from support.snapshots import count_queries

from eplanning_core.extensions import db
from eplanning_core.portal import pagecache
from eplanning_core.uploads import path_of
from eplanning_core.usulan.models import Lampiran, Usulan


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (200, 140, 40)).save(out, "JPEG")
    return out.getvalue()


def _file(tid: int, jenis: str = "foto", **owner) -> Lampiran:
    """A stored file as the upload writes it (uploads.store_upload is tested in test_uploads)."""
    name = secrets.token_hex(16) + (".jpg" if jenis == "foto" else ".pdf")
    path = path_of(tid, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = _jpeg() if jenis == "foto" else b"%PDF-1.4\n%%EOF\n"
    path.write_bytes(body)
    row = Lampiran(tenant_id=tid, jenis=jenis, nama_asli="foto.jpg", nama_simpan=name,
                   mime="image/jpeg" if jenis == "foto" else "application/pdf", ukuran=len(body),
                   sha256="0" * 64, **owner)
    db.session.add(row)
    db.session.commit()
    return row


def _proposals(siklus, region, count=6, start=700000):
    add_rows(siklus, region, [{"unit": ("12.71.01.1001.01", "12.71.02.1001.01")[n % 2],
                               "status": ("diterima", "ditolak", "belum_dibahas")[n % 3],
                               "lat": 3.5901 + n / 10000, "lng": 98.6712 + n / 10000} for n in range(count)],
             start=start)
    return db.session.scalars(db.select(Usulan).order_by(Usulan.id)).all()


def test_cards_show_the_photo_the_status_label_and_the_place_with_its_parent(client, siklus, region):
    rows = _proposals(siklus, region)
    photo = _file(siklus.tenant_id, usulan_id=rows[0].id)
    page = client.get("/publik/usulan").get_data(as_text=True)
    cards = re.findall(r'<li class="card">.*?</li>', page, re.S)
    assert len(cards) == len(rows)
    with_photo = next(c for c in cards if rows[0].kode_lacak in c)
    assert f'src="/publik/foto/{photo.id}"' in with_photo and 'loading="lazy"' in with_photo
    assert sum('class="card-photo none"' in c for c in cards) == len(rows) - 1
    assert re.search(r'<span class="st st-diterima">[Dd]iterima</span>', with_photo)  # the status's label
    assert "Lingkungan I, Pasar Baru" in with_photo  # the place names its parent


def test_a_public_photo_is_a_thumbnail_of_a_proposals_photo_only(client, siklus, region):
    rows = _proposals(siklus, region, count=1)
    photo = _file(siklus.tenant_id, usulan_id=rows[0].id)
    response = client.get(f"/publik/foto/{photo.id}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert "public" in response.headers["Cache-Control"]
    assert Image.open(io.BytesIO(response.get_data())).size == (480, 360)
    document = _file(siklus.tenant_id, jenis="dokumen", usulan_id=rows[0].id)
    assert client.get(f"/publik/foto/{document.id}").status_code == 404
    from eplanning_core.rapat.models import Rapat

    rapat = db.session.scalar(db.select(Rapat))
    if rapat is not None:  # a meeting's photo is never public here
        meeting_photo = _file(siklus.tenant_id, rapat_id=rapat.id)
        assert client.get(f"/publik/foto/{meeting_photo.id}").status_code == 404
    assert client.get("/publik/foto/999999").status_code == 404


def test_the_map_shows_the_listed_proposals_by_status_rounded_and_without_names(client, siklus, region):
    _proposals(siklus, region)
    page = client.get("/publik/usulan?kecamatan=12.71.01").get_data(as_text=True)
    holder = re.search(r'<div id="portal-map"[^>]*>', page).group(0)
    source = re.search(r'data-source="([^"]+)"', holder).group(1).replace("&amp;", "&")
    assert "kecamatan=12.71.01" in source and 'id="peta"' in page
    assert 'src="/static/vendor/leaflet/leaflet.js"' not in page  # Leaflet only when the map is opened
    data = client.get(source).get_json()
    assert {p[2] for p in data["points"]} == {"diterima", "belum_dibahas", "ditolak"}
    assert sum(p[3] for p in data["points"]) == 3  # the filter's half
    assert all(round(p[0], 3) == p[0] for p in data["points"]) and data["labels"]["belum_dibahas"] != "belum_dibahas"
    everything = client.get("/publik/peta.json").get_json()
    assert sum(p[3] for p in everything["points"]) == 6
    assert "Siti" not in str(everything) and "pengusul" not in str(everything)


def test_browsing_by_kecamatan_then_kelurahan(client, siklus, region):
    _proposals(siklus, region)
    start = client.get("/publik/").get_data(as_text=True)
    assert 'id="near-me"' in start and 'data-kecamatan="12.71.01"' in start
    assert 'src="/static/map/portal.js"' in start
    page = client.get("/publik/usulan?kecamatan=12.71.01&kelurahan=12.71.01.1001").get_data(as_text=True)
    kelurahan = re.search(r'<select name="kelurahan".*?</select>', page, re.S).group(0)
    assert re.search(r'<optgroup label="Medan Kota" data-kecamatan="12.71.01">', kelurahan)
    assert 'value="12.71.01.1001" selected' in kelurahan
    assert page.count('<li class="card">') == 3  # the kelurahan's own


def test_the_history_page_says_what_is_guaranteed_and_how_to_check_hashes_one_click_deeper(client, siklus, region):
    page = client.get("/publik/jejak-audit").get_data(as_text=True)
    before_details = page.split('<details class="deeper" id="fingerprints">')[0]
    assert '<code class="hash">' not in before_details  # the fingerprints are one click deeper
    assert 'href="/publik/data/jejak-audit.json"' in before_details
    assert "eplanning audit verify --checkpoints jejak-audit.json" in before_details
    inside = page.split('<details class="deeper" id="fingerprints">')[1]
    assert '<code class="hash">' in inside and 'id="audit-head"' in inside


URLS = ("/publik/", "/publik/usulan", "/publik/usulan?kecamatan=12.71.01", "/publik/peta.json",
        "/publik/jejak-audit")


def _statements(client) -> dict:
    counts = {}
    for url in URLS:
        assert client.get(url).status_code == 200, url
        pagecache.KEPT.clear()  # computed, not taken from the page cache
        pagecache.forget_heads()
        with count_queries() as queries:
            client.get(url)
        counts[url] = list(queries)
    return counts


def test_the_citizen_pages_keep_the_page_cache_and_the_query_budget(client, siklus, region):
    for row in _proposals(siklus, region, count=30)[:10]:
        _file(siklus.tenant_id, usulan_id=row.id)
    small = _statements(client)
    for row in _proposals(siklus, region, count=60, start=710000)[-20:]:
        _file(siklus.tenant_id, usulan_id=row.id)
    large = _statements(client)
    for url in URLS:
        assert len(large[url]) <= 12 and len(small[url]) == len(large[url]), (url, len(small[url]), large[url])
    client.get("/publik/usulan")
    with count_queries() as kept:  # kept by the history head: one primary-key read at most
        client.get("/publik/usulan")
    assert len(kept) <= 1
