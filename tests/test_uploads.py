"""Uploads are judged by content, stored under generated names, and served without sniffing.

No database is needed, so these tests use a bare Flask app with the instance folder in
tmp_path instead of the `app` fixture (which would run everything twice, once per backend).
"""

import hashlib
import io
import os
import struct
import zlib
from pathlib import Path

import flask
import pytest
from flask_babel import Babel
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound

from eplanning_core.uploads import (MAX_IMAGE_PIXELS, UploadRefused, delete_stored, path_of,
                                    refusal_message, send_stored, store_upload)

TENANT = 7


@pytest.fixture
def upload_app(tmp_path):
    app = flask.Flask(__name__, instance_path=str(tmp_path / "instance"))
    Babel(app)
    with app.test_request_context():
        yield app


def image_bytes(fmt, size=(4, 3), mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size, "red" if mode == "RGB" else 0).save(buffer, fmt)
    return buffer.getvalue()


def pdf_bytes():
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(100, 700, "Berita acara")
    page.save()
    return buffer.getvalue()


def upload(data, filename="file.bin", content_type="application/octet-stream"):
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


def refused(data, filename="file.bin", **kwargs) -> UploadRefused:
    with pytest.raises(UploadRefused) as info:
        store_upload(upload(data, filename), tenant_id=TENANT, **kwargs)
    return info.value


def png_header_only(width, height):
    """A PNG that claims the given size: signature, IHDR and IEND, no pixel data."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def no_temp_files(app) -> bool:
    return not list(Path(app.instance_path).rglob("*.part"))


@pytest.mark.parametrize("fmt,mime,ext", [("PNG", "image/png", ".png"), ("JPEG", "image/jpeg", ".jpg"),
                                          ("WEBP", "image/webp", ".webp")])
def test_images_are_stored_under_a_generated_name(upload_app, fmt, mime, ext):
    data = image_bytes(fmt)
    stored = store_upload(upload(data, f"foto lokasi.{fmt.lower()}", mime), tenant_id=TENANT)
    assert stored.mime == mime
    assert stored.nama_simpan.endswith(ext) and len(stored.nama_simpan) == 32 + len(ext)
    assert stored.nama_asli == f"foto lokasi.{fmt.lower()}"
    path = path_of(TENANT, stored.nama_simpan)
    assert path.parent.parent == Path(upload_app.instance_path) / "uploads" / str(TENANT)
    assert path.parent.name == stored.nama_simpan[:2]
    # re-encoded: the same picture, and size and digest describe the stored file
    with Image.open(path) as image:
        assert (image.format, image.size) == (fmt, (4, 3))
    assert stored.ukuran == path.stat().st_size
    assert stored.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert no_temp_files(upload_app)


def test_a_pdf_is_stored(upload_app):
    data = pdf_bytes()
    stored = store_upload(upload(data, "notulen.pdf"), tenant_id=TENANT, allowed=("pdf",))
    assert (stored.mime, stored.nama_simpan[-4:]) == ("application/pdf", ".pdf")
    assert path_of(TENANT, stored.nama_simpan).read_bytes() == data


def test_content_decides_not_the_name_or_mimetype(upload_app):
    png = image_bytes("PNG")
    # a PNG called .pdf where only PDFs are wanted: refused
    error = refused(png, "laporan.pdf", allowed=("pdf",))
    assert error.code == "type_not_allowed" and error.message_params == {"allowed": "PDF"}
    # where images are welcome it is stored as what it is: a PNG
    stored = store_upload(upload(png, "laporan.pdf", "application/pdf"), tenant_id=TENANT)
    assert stored.mime == "image/png" and stored.nama_simpan.endswith(".png")
    # a PDF where only images are wanted
    assert refused(pdf_bytes(), "foto.jpg", allowed="image").code == "type_not_allowed"


@pytest.mark.parametrize("data,filename", [
    (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "foto.jpg"),                 # Windows .exe
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "foto.png"),                         # Linux binary
    (b"<!doctype html><script>alert(1)</script>", "foto.png"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "logo.png"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "animasi.gif"),
    (b"PK\x03\x04" + b"\x00" * 100, "dokumen.pdf"),
])
def test_executables_markup_and_other_types_are_refused(upload_app, data, filename):
    error = refused(data, filename)
    assert error.code == "type_not_allowed"
    assert error.message_params == {"allowed": "JPEG, PNG, WebP, PDF"}
    assert no_temp_files(upload_app)


def test_broken_images_and_pdfs_are_refused(upload_app):
    assert refused(b"\x89PNG\r\n\x1a\n" + b"garbage" * 50, "x.png").code == "not_an_image"
    assert refused(b"\xff\xd8\xff\xe0" + b"garbage" * 50, "x.jpg").code == "not_an_image"
    png = image_bytes("PNG", (20, 20))
    assert refused(png[:-30], "cut.png").code == "not_an_image"      # truncated: CRC/IEND missing
    assert refused(b"%PDF-1.4\n1 0 obj <<>> endobj\n", "x.pdf").code == "broken_pdf"
    assert refused(b"%PDF-x.y\n%%EOF\n", "x.pdf").code == "broken_pdf"
    assert refused(pdf_bytes() + b"\x00" * 5000, "x.pdf").code == "broken_pdf"  # %%EOF not near the end
    assert no_temp_files(upload_app)


def test_decompression_bombs_are_refused(upload_app):
    # a tiny file that claims 10 gigapixels: refused from its header alone
    error = refused(png_header_only(100_000, 100_000), "bom.png")
    assert error.code == "image_too_big"
    # a real, highly compressed 48 MP image: above our cap (40 MP), below Pillow's own warning
    bomb = image_bytes("PNG", (8000, 6000), mode="1")
    assert len(bomb) < 100_000 and 8000 * 6000 > MAX_IMAGE_PIXELS
    assert refused(bomb, "bom.png").code == "image_too_big"


def test_empty_uploads_are_refused(upload_app):
    assert refused(b"", "kosong.png").code == "empty"
    assert refused(b"", "").code == "empty"                              # no file chosen
    with pytest.raises(UploadRefused, match="empty"):
        store_upload(None, tenant_id=TENANT)
    assert no_temp_files(upload_app)


def test_size_limits_per_kind(upload_app):
    upload_app.config.update(UPLOAD_MAX_IMAGE_BYTES=2000, UPLOAD_MAX_DOCUMENT_BYTES=200_000)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (100, 100), os.urandom(30_000)).save(buffer, "PNG")
    big_png = buffer.getvalue()
    assert len(big_png) > 2000
    error = refused(big_png, "besar.png")       # within the document limit, over the image one
    assert error.code == "too_large" and error.message_params == {"limit": "0.0019"}
    pdf = pdf_bytes()
    assert store_upload(upload(pdf, "ok.pdf"), tenant_id=TENANT).mime == "application/pdf"
    upload_app.config["UPLOAD_MAX_DOCUMENT_BYTES"] = 5 * 1024 * 1024
    upload_app.config["UPLOAD_MAX_IMAGE_BYTES"] = 1024 * 1024
    assert refused(b"%PDF-1.4\n" + b"x" * (5 * 1024 * 1024), "huge.pdf").message_params == {"limit": "5"}
    assert no_temp_files(upload_app)


def test_reading_stops_at_the_limit(upload_app):
    class Endless(io.RawIOBase):
        served = 0

        def readable(self):
            return True

        def read(self, n=-1):
            n = 65536 if n is None or n < 0 else n
            self.served += n
            return b"\xff\xd8\xff" + b"\x00" * (n - 3)

    stream = Endless()
    with pytest.raises(UploadRefused) as info:
        store_upload(FileStorage(stream=stream, filename="x.jpg"), tenant_id=TENANT)
    assert info.value.code == "too_large" and info.value.message_params == {"limit": "10"}
    assert stream.served < 11 * 1024 * 1024
    assert no_temp_files(upload_app)


def test_the_uploaders_file_name_never_reaches_the_path(upload_app):
    png = image_bytes("PNG")
    for name in ("../../etc/passwd", "..\\..\\windows\\system32\\x.png", "/etc/shadow",
                 "foto\x00.png\n", "a" * 500 + ".png", ".."):
        stored = store_upload(upload(png, name), tenant_id=TENANT)
        path = path_of(TENANT, stored.nama_simpan)
        assert path.resolve().is_relative_to(Path(upload_app.instance_path).resolve() / "uploads" / str(TENANT))
        assert stored.nama_simpan[:32].isalnum()
        assert "/" not in stored.nama_asli and "\\" not in stored.nama_asli
        assert "\x00" not in stored.nama_asli and "\n" not in stored.nama_asli
        assert len(stored.nama_asli) <= 200
    assert store_upload(upload(png, "../../etc/passwd"), tenant_id=TENANT).nama_asli == "passwd"
    assert store_upload(upload(png, "a" * 500 + ".png"), tenant_id=TENANT).nama_asli.endswith("a.png")
    assert store_upload(upload(png, ".."), tenant_id=TENANT).nama_asli == "berkas.png"


@pytest.mark.parametrize("name", [
    "../../etc/passwd", "../7/" + "a" * 32 + ".png", "a" * 32 + ".png/../../x", "a" * 32 + ".exe",
    "A" * 32 + ".png", "a" * 31 + ".png", "a" * 32 + ".png\n", "a" * 32 + ".PNG", "", None, 5,
])
def test_path_of_refuses_names_it_did_not_generate(upload_app, name):
    with pytest.raises(ValueError):
        path_of(TENANT, name)


@pytest.mark.parametrize("tenant_id", ["7", "../8", 0, -1, True, 1.0, None])
def test_path_of_wants_a_real_tenant_id(upload_app, tenant_id):
    with pytest.raises(ValueError):
        path_of(tenant_id, "a" * 32 + ".png")


def test_tenants_are_kept_apart(upload_app):
    png = image_bytes("PNG")
    stored = store_upload(upload(png, "x.png"), tenant_id=1)
    assert path_of(1, stored.nama_simpan).is_file()
    assert not path_of(2, stored.nama_simpan).exists()
    with pytest.raises(NotFound):
        send_stored(2, stored.nama_simpan, stored.mime, "x.png")


def test_delete_stored_rolls_back_a_file(upload_app):
    stored = store_upload(upload(image_bytes("PNG"), "x.png"), tenant_id=TENANT)
    assert delete_stored(TENANT, stored.nama_simpan) is True
    assert not path_of(TENANT, stored.nama_simpan).exists()
    assert delete_stored(TENANT, stored.nama_simpan) is False
    with pytest.raises(ValueError):
        delete_stored(TENANT, "../../instance/secret_key")


def test_send_stored_images_inline_and_never_sniffed(upload_app):
    data = image_bytes("PNG")
    stored = store_upload(upload(data, "foto.png"), tenant_id=TENANT)
    response = send_stored(TENANT, stored.nama_simpan, stored.mime, "Foto Jalan \"Lingkungan\" 5.png")
    response.direct_passthrough = False
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.get_data() == data


def test_send_stored_pdfs_as_attachments(upload_app):
    stored = store_upload(upload(pdf_bytes(), "notulen.pdf"), tenant_id=TENANT)
    response = send_stored(TENANT, stored.nama_simpan, "application/pdf", "Notulen Rembuk Warga – Sei Agul.pdf")
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    assert "\n" not in disposition and "\r" not in disposition
    response.close()


def test_send_stored_checks_what_the_caller_claims(upload_app):
    stored = store_upload(upload(image_bytes("PNG"), "foto.png"), tenant_id=TENANT)
    with pytest.raises(ValueError):
        send_stored(TENANT, stored.nama_simpan, "text/html", "x.html")
    with pytest.raises(NotFound):
        send_stored(TENANT, "0" * 32 + ".png", "image/png", "x.png")


def test_allowed_kinds_are_checked(upload_app):
    with pytest.raises(ValueError):
        store_upload(upload(b"x"), tenant_id=TENANT, allowed=("image", "svg"))
    with pytest.raises(ValueError):
        store_upload(upload(b"x"), tenant_id=TENANT, allowed=())


@pytest.mark.parametrize("code,params,expected", [
    ("empty", {}, "The file is empty."),
    ("too_large", {"limit": "5"}, "The file is too large: at most 5 MB."),
    ("type_not_allowed", {"allowed": "PDF"}, "This type of file is not accepted. Accepted: PDF."),
    ("not_an_image", {}, "The file is not a valid image."),
    ("image_too_big", {"megapixels": 40}, "The image is too large: at most 40 megapixels."),
    ("broken_pdf", {}, "The PDF file is damaged or incomplete."),
])
def test_every_refusal_has_a_message(upload_app, code, params, expected):
    assert refusal_message(UploadRefused(code, params)) == expected


def test_refusal_messages_outside_a_request():
    assert refusal_message(UploadRefused("empty")) == "The file is empty."


# ---- re-encoding: what the uploader's image carried besides pixels does not survive ----------

def exif_with_gps(orientation=6):
    exif = Image.Exif()
    exif[0x0112] = orientation                                    # Orientation: rotate 90 CW
    exif[0x010F] = "PhoneMaker"                                   # Make
    exif[0xA431] = "SERIAL-12345"                                 # BodySerialNumber
    exif[0x8825] = {1: "S", 2: (6.0, 12.0, 30.0), 3: "E", 4: (106.0, 49.0, 5.0)}   # GPS
    return exif


def photo_with_metadata(fmt, size=(40, 20)):
    """A phone photo: EXIF with GPS and orientation, an ICC profile, and a comment or text."""
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = Image.new("RGB", size, "red")
    image.paste((0, 0, 255), (0, 0, size[0] // 2, size[1]))       # left half blue: shows rotation
    buffer = io.BytesIO()
    options = {"exif": exif_with_gps().tobytes(), "icc_profile": icc}
    if fmt == "JPEG":
        options["comment"] = b"rumah Pak RT, Jl. Melati 5"
    if fmt == "PNG":
        from PIL.PngImagePlugin import PngInfo
        info = PngInfo()
        info.add_text("Comment", "rumah Pak RT, Jl. Melati 5")
        options["pnginfo"] = info
    image.save(buffer, fmt, **options)
    return buffer.getvalue(), icc


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_exif_and_gps_are_stripped_the_picture_turned_upright_and_the_colour_profile_kept(upload_app, fmt):
    data, icc = photo_with_metadata(fmt)
    with Image.open(io.BytesIO(data)) as original:           # the fixture really carries it all
        assert original.getexif().get_ifd(0x8825) and original.getexif()[0x0112] == 6
    stored = store_upload(upload(data, "foto.jpg"), tenant_id=TENANT)
    raw = path_of(TENANT, stored.nama_simpan).read_bytes()
    for secret in (b"SERIAL-12345", b"PhoneMaker", b"Melati", b"Exif\x00\x00"):
        assert secret not in raw
    with Image.open(io.BytesIO(raw)) as image:
        assert not image.getexif() and "exif" not in image.info
        assert image.info.get("icc_profile") == icc
        # orientation 6 applied: a 40x20 landscape with its blue half left is now 20x40,
        # blue on top
        assert image.size == (20, 40)
        top, bottom = image.convert("RGB").getpixel((10, 2)), image.convert("RGB").getpixel((10, 37))
        assert top[2] > 200 and top[0] < 60 and bottom[0] > 200 and bottom[2] < 60


def test_bytes_appended_to_an_image_are_dropped(upload_app):
    """A JPEG with a script or a zip glued to its end (a polyglot) is stored as pixels only."""
    tail = b"<script>alert(1)</script>PK\x03\x04payload"
    stored = store_upload(upload(image_bytes("JPEG", (16, 16)) + tail, "foto.jpg"), tenant_id=TENANT)
    raw = path_of(TENANT, stored.nama_simpan).read_bytes()
    assert b"<script>" not in raw and b"payload" not in raw
    assert raw.endswith(b"\xff\xd9")


@pytest.mark.parametrize("mode,fmt", [("P", "PNG"), ("LA", "PNG"), ("RGBA", "WEBP"), ("L", "JPEG"),
                                      ("CMYK", "JPEG"), ("1", "PNG"), ("I;16", "PNG")])
def test_unusual_modes_survive_re_encoding(upload_app, mode, fmt):
    stored = store_upload(upload(image_bytes(fmt, (8, 8), mode=mode), "x"), tenant_id=TENANT)
    with Image.open(path_of(TENANT, stored.nama_simpan)) as image:
        assert image.format == fmt and image.size == (8, 8)


def test_unicode_and_hostile_names_are_only_displayed_never_used_for_the_path(upload_app):
    png = image_bytes("PNG")
    names = {"Foto jalan Ñusantara 路.png": "Foto jalan Ñusantara 路.png",
             "\u202egnp.exe": "gnp.exe",                       # right-to-left override removed
             "..\x00/..\x00/passwd": "passwd",
             "\x00" * 10: "berkas.png",
             "ж" * 1000 + ".png": "ж" * 196 + ".png"}
    for name, shown in names.items():
        stored = store_upload(upload(png, name), tenant_id=TENANT)
        assert stored.nama_asli == shown
        assert len(stored.nama_simpan) == 36 and stored.nama_simpan[:32].isalnum()
    files = sorted(p.name for p in (Path(upload_app.instance_path) / "uploads").rglob("*") if p.is_file())
    assert len(files) == len(names) and all(len(name) == 36 for name in files)
