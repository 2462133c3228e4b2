"""The pickers' look-ups: ``GET /cari/<what>?q=...`` answers at most 20 matches as
``{"items": [{"id", "kode", "label", "hint"}]}``; every answer is of the request's region,
and units only those the user may see (``accounts.scope.wilayah_clause``). Anonymous
requests get a JSON 401, never a redirect a script would follow.

- ``/cari/wilayah?q=&parent=<code or id>&tingkat=1|2|3``: units by name or code, narrowed to
  a parent's subtree and a level; the label names the parent ("Lingkungan I, Pasar Baru").
- ``/cari/pd?q=``: active agencies by name, short name or code.
- ``/cari/katalog?q=&bidang=``: active catalogue items, narrowed to a bidang.
- ``/cari/subkegiatan?q=``: the region's sub kegiatan (Permendagri 90/2019) by code in either
  form or by name.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from ..accounts.models import PerangkatDaerah
from ..accounts.scope import wilayah_clause
from ..extensions import db
from ..ids import parse_id
from ..kamus.models import BIDANG, KamusUsulan, Nomenklatur
from ..kamus.nomenclature import normalize_sub_kegiatan
from ..kamus.operations import kamus_text_clause
from ..money import format_rupiah
from ..tenancy.context import current_tenant_id, tenant_config
from ..wilayah.labels import compose
from ..wilayah.models import Wilayah

bp = Blueprint("lookup", __name__, url_prefix="/cari")

LIMIT = 20


def _json_login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return jsonify(error=_("Log in first.")), 401
        return view(*args, **kwargs)
    return wrapped


def _text() -> str:
    """The ?q= text: no NUL, no control characters, at most 100 characters."""
    text = request.args.get("q") or ""
    return "".join(ch for ch in text if ch.isprintable()).strip()[:100]


def _answer(items: list[dict]):
    response = jsonify(items=items)
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.get("/wilayah")
@_json_login_required
def wilayah():
    tenant_id, text = current_tenant_id(), _text()
    parent = aliased(Wilayah)
    query = (select(Wilayah.id, Wilayah.kode, Wilayah.nama, Wilayah.tingkat, parent.nama)
             .outerjoin(parent, parent.id == Wilayah.parent_id)
             .where(Wilayah.tenant_id == tenant_id, wilayah_clause(current_user)))
    tingkat = request.args.get("tingkat", type=int)
    if tingkat in (1, 2, 3):
        query = query.where(Wilayah.tingkat == tingkat)
    above = (request.args.get("parent") or "").strip()[:40]
    if above:
        unit = db.session.scalar(select(Wilayah).where(Wilayah.tenant_id == tenant_id, or_(
            Wilayah.kode == above, Wilayah.id == (parse_id(above) or 0))))
        if unit is None:
            return _answer([])
        query = query.where(Wilayah.kode.startswith(unit.kode + ".", autoescape=True))
    if text:
        words = [w for w in text.replace(",", " ").split() if w][:4]
        query = query.where(or_(Wilayah.kode.startswith(text, autoescape=True), and_(*[
            or_(Wilayah.nama.icontains(w, autoescape=True), parent.nama.icontains(w, autoescape=True))
            for w in words])))
    rows = db.session.execute(query.order_by(Wilayah.tingkat, Wilayah.kode).limit(LIMIT))
    config = tenant_config()
    return _answer([{"id": i, "kode": kode, "label": compose(nama, t, pnama, config=config),
                     "hint": kode} for i, kode, nama, t, pnama in rows])


@bp.get("/pd")
@_json_login_required
def pd():
    text = _text()
    query = (select(PerangkatDaerah.id, PerangkatDaerah.kode, PerangkatDaerah.nama, PerangkatDaerah.singkatan)
             .where(PerangkatDaerah.tenant_id == current_tenant_id(), PerangkatDaerah.aktif.is_(True)))
    if text:
        query = query.where(or_(PerangkatDaerah.kode.startswith(text, autoescape=True),
                                PerangkatDaerah.nama.icontains(text, autoescape=True),
                                PerangkatDaerah.singkatan.icontains(text, autoescape=True)))
    rows = db.session.execute(query.order_by(PerangkatDaerah.nama).limit(LIMIT))
    return _answer([{"id": i, "kode": kode, "label": nama,
                     "hint": " · ".join(p for p in (singkatan, kode) if p)} for i, kode, nama, singkatan in rows])


@bp.get("/katalog")
@_json_login_required
def katalog():
    text = _text()
    query = (select(KamusUsulan.id, KamusUsulan.kode, KamusUsulan.nama, KamusUsulan.satuan,
                    KamusUsulan.harga_satuan, KamusUsulan.bidang)
             .where(KamusUsulan.tenant_id == current_tenant_id(), KamusUsulan.aktif.is_(True)))
    bidang = request.args.get("bidang")
    if bidang in BIDANG:
        query = query.where(KamusUsulan.bidang == bidang)
    if text:
        query = query.where(kamus_text_clause(text))
    rows = db.session.execute(query.order_by(KamusUsulan.nama, KamusUsulan.kode).limit(LIMIT))
    return _answer([{"id": i, "kode": kode, "label": f"{nama} ({satuan})",
                     "hint": f"{kode} · {format_rupiah(harga)} / {satuan}", "bidang": b,
                     "satuan": satuan, "harga_satuan": harga}
                    for i, kode, nama, satuan, harga, b in rows])


@bp.get("/subkegiatan")
@_json_login_required
def subkegiatan():
    text = _text()
    query = (select(Nomenklatur.id, Nomenklatur.kode, Nomenklatur.nama)
             .where(Nomenklatur.tenant_id == current_tenant_id(), Nomenklatur.tingkat == "sub_kegiatan"))
    if text[:1].isdigit():  # a code, in either form (1.03.10.2.01.05 or ....0005)
        query = query.where(Nomenklatur.kode.startswith(normalize_sub_kegiatan(text), autoescape=True))
    elif text:  # words of the name, in any order
        query = query.where(and_(*[Nomenklatur.nama.icontains(w, autoescape=True) for w in text.split()[:6]]))
    rows = db.session.execute(query.order_by(Nomenklatur.kode).limit(LIMIT))
    return _answer([{"id": i, "kode": kode, "label": f"{kode} {nama}", "hint": ""} for i, kode, nama in rows])
