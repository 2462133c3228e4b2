"""Checking what a person types into a proposal: field by field, in the user's language."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..kamus.models import BIDANG, KamusUsulan
from ..money import parse_rupiah, parse_volume
from ..wilayah.models import Wilayah

TEXT_LIMITS = {"permasalahan": (5, 2000), "usulan_kegiatan": (5, 2000), "satuan": (1, 40),
               "jalan": (0, 200), "lokasi_detail": (0, 250), "pengusul_nama": (0, 120)}
CONTENT_FIELDS = ("bidang", "permasalahan", "usulan_kegiatan", "kamus_id", "volume", "satuan",
                  "harga_satuan", "lokasi_wilayah_id", "jalan", "lokasi_detail", "lat", "lng",
                  "pengusul_nama", "pengusul_telepon", "pengusul_nik")
#: Fields whose change after the site survey or after sending needs a reason.
SURVEYED_FIELDS = {"volume", "satuan", "harga_satuan", "lokasi_wilayah_id", "jalan",
                   "lokasi_detail", "lat", "lng"}
PHONE = re.compile(r"^[0-9+()\- ]{6,30}$")
NIK = re.compile(r"^\d{16}$")


def _text(value) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()


def clean_content(values: dict, tenant_id: int) -> tuple[dict, dict[str, str]]:
    """Validated column values and {field: message} for what is wrong; nothing is written."""
    clean, errors = {}, {}
    bidang = _text(values.get("bidang"))
    if bidang not in BIDANG:
        errors["bidang"] = _("Choose ekonomi, sosial budaya or fisik prasarana.")
    clean["bidang"] = bidang
    for name, (low, high) in TEXT_LIMITS.items():
        text = _text(values.get(name))
        if len(text) < low:
            errors[name] = _("This field is required.") if low == 1 or not text else \
                _("Write at least %(n)s characters.", n=low)
        elif len(text) > high:
            errors[name] = _("Write at most %(n)s characters.", n=high)
        clean[name] = text or None
    try:
        volume = values.get("volume")
        clean["volume"] = volume if isinstance(volume, Decimal) else parse_volume(_text(volume))
        if clean["volume"] <= 0:
            raise ValueError
    except (ValueError, InvalidOperation):
        errors["volume"] = _("A number above 0, for example 150 or 12,5.")
    try:
        harga = values.get("harga_satuan")
        clean["harga_satuan"] = harga if type(harga) is int else parse_rupiah(_text(harga))
        if clean["harga_satuan"] < 0:
            raise ValueError
    except ValueError:
        errors["harga_satuan"] = _("Whole rupiah, for example 1.250.000.")
    clean["kamus_id"] = None
    if values.get("kamus_id"):
        item = db.session.scalar(select(KamusUsulan).where(
            KamusUsulan.tenant_id == tenant_id, KamusUsulan.id == _int(values["kamus_id"])))
        if item is None:
            errors["kamus_id"] = _("Not an item of the catalogue.")
        elif bidang in BIDANG and item.bidang != bidang:
            # a Pokir priced from an item of another bidang (issue 14): refused, never guessed
            from .forms import BIDANG_CHOICES

            names = {key: str(label) for key, label in BIDANG_CHOICES}
            errors["kamus_id"] = _("%(item)s is an item of bidang %(other)s, not %(bidang)s: choose an "
                                   "item of the chosen bidang, or change the bidang.", item=item.nama,
                                   other=names[item.bidang], bidang=names[bidang])
        else:
            clean["kamus_id"] = item.id
    clean["lokasi_wilayah_id"] = None
    if values.get("lokasi_wilayah_id"):
        unit = db.session.scalar(select(Wilayah).where(
            Wilayah.tenant_id == tenant_id, Wilayah.id == _int(values["lokasi_wilayah_id"])))
        if unit is None:
            errors["lokasi_wilayah_id"] = _("Choose a unit of this region.")
        else:
            clean["lokasi_wilayah_id"] = unit.id
            clean["lokasi_kode"] = unit.kode
    clean["lat"], clean["lng"], problem = coordinates(_text(values.get("lat")), _text(values.get("lng")))
    if problem:
        errors["lat"] = problem
    phone, nik = _text(values.get("pengusul_telepon")), _text(values.get("pengusul_nik"))
    if phone and not PHONE.match(phone):
        errors["pengusul_telepon"] = _("Digits, spaces, '+', '-' and brackets only.")
    if nik and not NIK.match(nik):
        errors["pengusul_nik"] = _("A NIK has exactly 16 digits.")
    clean["pengusul_telepon"], clean["pengusul_nik"] = phone or None, nik or None
    return clean, errors


def _int(value) -> int:
    """An id from the form, 0 (no row) when it is none or beyond a database integer."""
    from ..ids import parse_id

    return parse_id(value) or 0


def coordinates(lat: str, lng: str) -> tuple:
    """(lat, lng, None) rounded to 6 decimals, (None, None, None) when both are empty, or
    (None, None, message) when they are not a place in Indonesia; a comma counts as a point."""
    if not (lat or lng):
        return None, None, None
    try:
        lat_value, lng_value = Decimal(lat.replace(",", ".")), Decimal(lng.replace(",", "."))
        if not (-11 <= lat_value <= 6 and 94 <= lng_value <= 142):
            raise ValueError
        return round(lat_value, 6), round(lng_value, 6), None
    except (ValueError, InvalidOperation):
        return None, None, _("Coordinates inside Indonesia, for example 3.5952 and 98.6722.")
