"""Text a citizen or operator typed is shown as text everywhere: never as markup, never a formula.

No user text is rendered as HTML (no markdown, no ``|safe`` on user data), so Jinja's
autoescaping is the defence; these tests prove it on every place a proposal's text appears:
the operator's list and detail pages, the public tracking page, the Excel export and the
berita acara PDF.
"""

from __future__ import annotations

import base64
import html
import io
import re
import zlib

from openpyxl import load_workbook
from support.web import post_form

from eplanning_core.extensions import db
from eplanning_core.rapat import operations as rapat_ops
from eplanning_core.usulan.models import Usulan

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(document.cookie)>"
HOSTILE = SCRIPT + IMG
ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Rusak " + HOSTILE,
        "usulan_kegiatan": HOSTILE + " Pengaspalan", "volume": "10", "satuan": "m",
        "harga_satuan": "450.000", "jalan": "Gg. " + IMG, "pengusul_nama": "Siti Aminah",
        "pengusul_telepon": "0812-6000-1234", "pengusul_nik": "1271010101010001"}


def _pdf_text(data: bytes) -> str:
    """The decoded content streams of a reportlab PDF, runs joined (see test_exports)."""
    texts = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", data, re.DOTALL):
        raw = raw.strip()
        if raw.endswith(b"~>"):
            raw = base64.a85decode(raw[:-2], ignorechars=b" \r\n")
        try:
            texts.append(zlib.decompress(raw).decode("latin-1"))
        except zlib.error:
            continue
    return "".join(texts).replace(") Tj (", "")


def _assert_escaped(page: str) -> None:
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert html.escape(SCRIPT, quote=False) in page or html.escape(SCRIPT) in page


def test_hostile_proposal_text_is_shown_as_text_everywhere(as_user, region, siklus, client):
    as_user("ling1")
    data = dict(ROAD, tahapan="rembuk_warga", lokasi_wilayah_id=str(region["units"]["12.71.01.1001.01"].id))
    assert post_form(client, "/usulan/baru", data).status_code == 302
    usulan = db.session.scalar(db.select(Usulan))
    assert usulan.usulan_kegiatan == HOSTILE + " Pengaspalan"        # stored as typed, not mangled

    for url in ("/usulan/", f"/usulan/{usulan.id}", f"/usulan/{usulan.id}/ubah"):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_escaped(response.get_data(as_text=True))

    sheet = load_workbook(io.BytesIO(client.get("/usulan/?format=xlsx").data)).active
    cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert HOSTILE + " Pengaspalan" in cells and "Rusak " + HOSTILE in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)

    rapat_ops.save(siklus, "rembuk_warga", region["units"]["12.71.01.1001.01"], region["users"]["ling1"], 0,
                   {"tempat": "Balai " + IMG, "mulai": "2026-01-20T08:00"})
    unit_id = region["units"]["12.71.01.1001.01"].id
    pdf = client.get(f"/rapat/rembuk_warga/{unit_id}/berita-acara.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    text = _pdf_text(pdf.data)
    assert "<script>alert\\(1\\)</script>" in text and "onerror=alert\\(document.cookie\\)" in text
    page = client.get(f"/rapat/rembuk_warga/{unit_id}").get_data(as_text=True)
    assert "<img src=x" not in page and "Balai &lt;img src=x" in page

    public = client.get(f"/publik/lacak?kode={usulan.kode_lacak}")
    assert public.status_code == 200
    page = public.get_data(as_text=True)
    _assert_escaped(page)


def test_a_decompression_bomb_on_the_proposal_page_is_a_message_not_a_500(as_user, region, siklus, client):
    """A 10-gigapixel PNG header of a few bytes: refused by its claimed size, page shows why."""
    import struct

    from support.web import csrf_token

    from eplanning_core.usulan.models import Lampiran

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    bomb = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
            + chunk(b"IEND", b""))
    as_user("ling1")
    data = dict(ROAD, usulan_kegiatan="Pengaspalan", tahapan="rembuk_warga",
                lokasi_wilayah_id=str(region["units"]["12.71.01.1001.01"].id))
    assert post_form(client, "/usulan/baru", data).status_code == 302
    usulan = db.session.scalar(db.select(Usulan))
    response = client.post(f"/usulan/{usulan.id}/lampiran", data={
        "csrf_token": csrf_token(client, f"/usulan/{usulan.id}"), "jenis": "foto",
        "berkas": (io.BytesIO(bomb), "../../etc/foto\x00.png")}, content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get(f"/usulan/{usulan.id}").get_data(as_text=True)
    assert "megapixel" in page.lower() or "megapiksel" in page.lower()
    assert db.session.scalar(db.select(db.func.count()).select_from(Lampiran)) == 0
