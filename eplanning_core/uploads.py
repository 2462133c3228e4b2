"""Photos and documents of proposals, checked by content and kept outside the database.

Why this shape:

* The type is decided by the file's first bytes, never by its name or the browser's
  mimetype, both of which the uploader controls. Images must also open in Pillow, so a
  script with a ``.jpg`` name, an SVG (which can carry scripts) or an HTML page is refused.
* Images are re-encoded: only the pixels (turned upright by their EXIF orientation) and the
  colour profile are kept. EXIF (the phone's GPS position of a citizen's house, its serial
  number), XMP, comments and any bytes appended after the image are gone, and what is served
  is a file Pillow wrote, not the uploader's.
* Files live in ``<instance>/uploads/<tenant_id>/<2 hex>/<32 hex>.<ext>``: the name is
  random and the extension is the canonical one of the detected type, so no byte of the
  uploader's filename ever reaches a path. :func:`path_of` accepts only names of that exact
  shape, which makes path traversal impossible by construction.
* Writes go to a temporary file in the target directory and are renamed into place, so a
  reader never sees half a file. If the database transaction that records the file fails,
  call :func:`delete_stored` to roll the file back.

Limits come from ``UPLOAD_MAX_IMAGE_BYTES`` (default 5 MB) and ``UPLOAD_MAX_DOCUMENT_BYTES``
(default 10 MB) in ``app.config``; nothing global (``MAX_CONTENT_LENGTH``, Pillow's limits)
is changed.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, send_file
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

DEFAULT_MAX_IMAGE_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
#: Images above this many pixels are refused: a small file can decode to gigabytes.
MAX_IMAGE_PIXELS = 40_000_000
#: The ``%%EOF`` marker must be within this many bytes of the end of a PDF.
PDF_EOF_WINDOW = 1024
KINDS = ("image", "pdf")

_CHUNK = 64 * 1024
_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|png|webp|pdf)")


@dataclass(frozen=True)
class _Type:
    kind: str
    mime: str
    ext: str
    pillow_format: str | None
    label: str


_TYPES = {
    "jpeg": _Type("image", "image/jpeg", ".jpg", "JPEG", "JPEG"),
    "png": _Type("image", "image/png", ".png", "PNG", "PNG"),
    "webp": _Type("image", "image/webp", ".webp", "WEBP", "WebP"),
    "pdf": _Type("pdf", "application/pdf", ".pdf", None, "PDF"),
}
_MIME_BY_EXT = {t.ext: t.mime for t in _TYPES.values()}


@dataclass(frozen=True)
class StoredFile:
    """What to record in the database about a stored upload."""

    nama_simpan: str   # generated file name, the only key to the file (see path_of)
    nama_asli: str     # the uploader's file name, cleaned, for display and download only
    mime: str          # detected from the content
    ukuran: int        # bytes
    sha256: str        # hex digest: integrity checks and duplicate detection


class UploadRefused(Exception):
    """An upload that was not stored. ``code`` picks the message; see :func:`refusal_message`."""

    def __init__(self, code: str, message_params: dict | None = None):
        super().__init__(code)
        self.code = code
        self.message_params = dict(message_params or {})


_MESSAGES = {
    "empty": _l("The file is empty."),
    "too_large": _l("The file is too large: at most %(limit)s MB."),
    "type_not_allowed": _l("This type of file is not accepted. Accepted: %(allowed)s."),
    "not_an_image": _l("The file is not a valid image."),
    "image_too_big": _l("The image is too large: at most %(megapixels)s megapixels."),
    "broken_pdf": _l("The PDF file is damaged or incomplete."),
}


def refusal_message(exc: UploadRefused) -> str:
    """The refusal as a sentence in the user's language, for a form error or a flash."""
    return str(_MESSAGES[exc.code]) % exc.message_params


def _limit(kind: str) -> int:
    if kind == "image":
        return int(current_app.config.get("UPLOAD_MAX_IMAGE_BYTES", DEFAULT_MAX_IMAGE_BYTES))
    return int(current_app.config.get("UPLOAD_MAX_DOCUMENT_BYTES", DEFAULT_MAX_DOCUMENT_BYTES))


def _megabytes(n: int) -> str:
    mb = n / (1024 * 1024)
    return f"{mb:.1f}".removesuffix(".0") if mb >= 1 else f"{mb:.2g}"


def _tenant_dir(tenant_id: int) -> Path:
    if isinstance(tenant_id, bool) or not isinstance(tenant_id, int) or tenant_id < 1:
        raise ValueError(f"tenant_id must be a positive int, not {tenant_id!r}")
    return Path(current_app.instance_path) / "uploads" / str(tenant_id)


def path_of(tenant_id: int, nama_simpan: str) -> Path:
    """Where a stored file lives. Refuses any name this module did not generate."""
    if not isinstance(nama_simpan, str) or not _NAME.fullmatch(nama_simpan):
        raise ValueError("not a stored file name")
    return _tenant_dir(tenant_id) / nama_simpan[:2] / nama_simpan


def delete_stored(tenant_id: int, nama_simpan: str) -> bool:
    """Remove a stored file (e.g. when the transaction recording it failed). True if removed."""
    try:
        path_of(tenant_id, nama_simpan).unlink()
    except FileNotFoundError:
        return False
    finally:
        thumbnail_path(tenant_id, nama_simpan).unlink(missing_ok=True)
    return True


def clean_filename(name: str | None, fallback_ext: str = "") -> str:
    """The uploader's file name fit for display: basename only, no control characters, 200 chars."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        ext = dot + ext if dot and len(ext) <= 10 else ""
        name = name[:200 - len(ext)].rstrip(" .") + ext
    return name or f"berkas{fallback_ext}"


def _detect(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    return None


def _check_image(path: Path, kind: _Type) -> None:
    """Open as the claimed type, refuse bombs, verify. JPEG/WebP verify checks structure, not
    every pixel: the point is that the file is a real image, not that it is undamaged."""
    try:
        # formats=[...]: Pillow may only read the file as the type its magic bytes claim.
        with Image.open(path, formats=[kind.pillow_format]) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise UploadRefused("image_too_big", {"megapixels": MAX_IMAGE_PIXELS // 1_000_000})
            image.verify()
    except Image.DecompressionBombError:
        raise UploadRefused("image_too_big", {"megapixels": MAX_IMAGE_PIXELS // 1_000_000}) from None
    except UploadRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
            IndexError, TypeError, KeyError, AttributeError):
        # Pillow reports damaged data with a wide range of exception types.
        raise UploadRefused("not_an_image") from None


#: Modes each format can store; anything else is converted to RGB (or RGBA with alpha).
_SAVE_MODES = {"JPEG": {"L", "RGB", "CMYK"}, "PNG": {"1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"},
               "WEBP": {"RGB", "RGBA"}}
_SAVE_OPTIONS = {"JPEG": {"quality": 90, "optimize": True}, "PNG": {"optimize": False},
                 "WEBP": {"quality": 90, "method": 4}}


def _reencode(source: Path, target, kind: _Type) -> None:
    """Write the image's pixels, upright, with its colour profile and nothing else to ``target``.

    Called after :func:`_check_image`, so the pixel count is known to be within the cap.
    """
    fmt = kind.pillow_format
    try:
        with Image.open(source, formats=[fmt]) as original:
            original.load()
            icc = original.info.get("icc_profile")
            transparency = original.info.get("transparency")
            try:
                upright = ImageOps.exif_transpose(original) or original
            except Exception:  # unreadable EXIF: keep the pixels as stored, drop the EXIF anyway
                upright = original
            # A fresh image: no info dict (EXIF, XMP, text chunks, comments) is carried along.
            pixels = upright.copy()
            pixels.info = {}
        if pixels.mode not in _SAVE_MODES[fmt]:
            has_alpha = "A" in pixels.getbands() or transparency is not None
            pixels = pixels.convert("RGBA" if has_alpha and fmt != "JPEG" else "RGB")
        options = dict(_SAVE_OPTIONS[fmt])
        if icc:
            options["icc_profile"] = icc
        if pixels.mode == "P" and transparency is not None:
            options["transparency"] = transparency
        pixels.save(target, fmt, **options)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
            IndexError, TypeError, KeyError, AttributeError):
        raise UploadRefused("not_an_image") from None


def _check_pdf(path: Path, size: int, head: bytes) -> None:
    with open(path, "rb") as handle:
        handle.seek(max(0, size - PDF_EOF_WINDOW))
        tail = handle.read()
    if not re.match(rb"%PDF-\d\.\d", head) or b"%%EOF" not in tail:
        raise UploadRefused("broken_pdf")


def _digest(path: Path):
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            size += len(chunk)
            digest.update(chunk)
    return digest, size


def store_upload(file_storage, *, tenant_id: int, allowed=("image", "pdf")) -> StoredFile:
    """Check an uploaded file (werkzeug ``FileStorage``) by its content and store it.

    Raises :class:`UploadRefused` when the file is empty, too large, of a type not in
    ``allowed`` (``"image"``: JPEG, PNG, WebP; ``"pdf"``), or damaged. Images are stored
    re-encoded (see the module docstring); size and sha256 are those of the stored file.
    """
    allowed = (allowed,) if isinstance(allowed, str) else tuple(allowed)
    if not allowed or set(allowed) - set(KINDS):
        raise ValueError(f"allowed must be a subset of {KINDS}")
    accepted = [t for t in _TYPES.values() if t.kind in allowed]
    cap = max(_limit(kind) for kind in allowed)

    stream = getattr(file_storage, "stream", None)
    if stream is None:
        raise UploadRefused("empty")
    if hasattr(stream, "seekable") and stream.seekable():
        stream.seek(0)

    token = secrets.token_hex(16)
    directory = _tenant_dir(tenant_id) / token[:2]
    directory.mkdir(parents=True, exist_ok=True)

    fd, temp_name = tempfile.mkstemp(dir=directory, prefix=".upload-", suffix=".part")
    temp = Path(temp_name)
    try:
        digest, size, head = hashlib.sha256(), 0, b""
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > cap:
                    raise UploadRefused("too_large", {"limit": _megabytes(cap)})
                if len(head) < 16:
                    head = (head + chunk)[:16]
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise UploadRefused("empty")

        detected = _TYPES.get(_detect(head) or "")
        if detected is None or detected.kind not in allowed:
            raise UploadRefused("type_not_allowed",
                                {"allowed": ", ".join(t.label for t in accepted)})
        if size > _limit(detected.kind):
            raise UploadRefused("too_large", {"limit": _megabytes(_limit(detected.kind))})
        if detected.kind == "image":
            _check_image(temp, detected)
            fd, clean_name = tempfile.mkstemp(dir=directory, prefix=".upload-", suffix=".part")
            clean = Path(clean_name)
            try:
                with os.fdopen(fd, "wb") as out:
                    _reencode(temp, out, detected)
                    out.flush()
                    os.fsync(out.fileno())
            except BaseException:
                clean.unlink(missing_ok=True)
                raise
            temp.unlink()
            temp = clean
            digest, size = _digest(temp)
        else:
            _check_pdf(temp, size, head)

        nama_simpan = token + detected.ext
        os.replace(temp, directory / nama_simpan)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return StoredFile(nama_simpan=nama_simpan,
                      nama_asli=clean_filename(getattr(file_storage, "filename", None), detected.ext),
                      mime=detected.mime, ukuran=size, sha256=digest.hexdigest())


def send_stored(tenant_id: int, nama_simpan: str, mime: str | None = None,
                download_name: str | None = None):
    """A response serving a stored file: images inline, PDFs as attachments, never sniffed.

    The content type comes from the stored name's extension (set from the detected type);
    a different ``mime`` from the caller means the database and the disk disagree, and is
    an error. A missing file is a 404.
    """
    path = path_of(tenant_id, nama_simpan)
    actual = _MIME_BY_EXT[path.suffix]
    if mime is not None and mime != actual:
        raise ValueError(f"stored file {nama_simpan} is {actual}, not {mime}")
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=actual, as_attachment=actual == "application/pdf",
                         download_name=clean_filename(download_name, path.suffix) if download_name
                         else nama_simpan, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Even if a browser were tricked into rendering the file as a page, it gets no powers.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# ---- thumbnails ------------------------------------------------------------------------------
#
# Made on the first request of each photo, not at upload: photos uploaded before thumbnails
# existed get one without a migration or a batch job, a thumbnail lost (a restore of the
# database without it, a cleaned disk) is simply made again, and an upload stays one write.
# The first view of a photo costs one decode (about 50 ms for a phone's 12 MP JPEG, decoded
# at reduced size); every later view is a plain file. A thumbnail lives beside its photo in
# the uploads folder, ``<32 hex>.thumb.jpg``, derived from the checked stored name only.

#: Largest thumbnail: a card on a phone and a strip on the proposal page, at 2x pixel density.
THUMBNAIL_BOX = (480, 360)
THUMBNAIL_QUALITY = 72


def thumbnail_path(tenant_id: int, nama_simpan: str) -> Path:
    """Where the thumbnail of a stored photo lives (refuses any name this module did not make)."""
    source = path_of(tenant_id, nama_simpan)
    return source.with_name(source.stem + ".thumb.jpg")


def _make_thumbnail(source: Path, target: Path) -> None:
    kind = next(t for t in _TYPES.values() if t.ext == source.suffix)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".thumb-", suffix=".part")
    temp = Path(temp_name)
    try:
        with Image.open(source, formats=[kind.pillow_format]) as image:
            image.draft("RGB", THUMBNAIL_BOX)  # a JPEG decodes at a fraction of its size
            image.load()
            small = image.copy()
        small.thumbnail(THUMBNAIL_BOX)
        if small.mode not in ("RGB", "L"):
            rgba = small.convert("RGBA")
            small = Image.new("RGB", rgba.size, (255, 255, 255))
            small.paste(rgba, mask=rgba.getchannel("A"))
        with os.fdopen(fd, "wb") as out:
            small.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def send_thumbnail(tenant_id: int, nama_simpan: str, mime: str | None = None, *, public: bool = False):
    """A small JPEG of a stored photo, made on first request; 404 for a PDF, a missing or an
    unreadable file. The caller checks access exactly as for the photo itself (send_stored).
    ``public``: a photo the public portal shows, cacheable by anyone for a day (a stored
    name never changes content); otherwise private, as the photo."""
    path = path_of(tenant_id, nama_simpan)
    actual = _MIME_BY_EXT[path.suffix]
    if mime is not None and mime != actual:
        raise ValueError(f"stored file {nama_simpan} is {actual}, not {mime}")
    if not actual.startswith("image/") or not path.is_file():
        abort(404)
    thumb = thumbnail_path(tenant_id, nama_simpan)
    if not thumb.is_file():
        try:
            _make_thumbnail(path, thumb)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
                IndexError, TypeError, KeyError, AttributeError, Image.DecompressionBombError):
            abort(404)
    response = send_file(thumb, mimetype="image/jpeg", download_name=thumb.name, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "public, max-age=86400" if public else "private, no-cache"
    return response
