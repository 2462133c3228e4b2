"""The portal's map and photos: proposals by status on the region's basemap, and the first
photo of each proposal on a page of cards. Public data only: positions rounded to about
100 m as in the open data, counts per status, never a name or an id of a person."""

from __future__ import annotations

from sqlalchemy import func, select

from ..commandcenter.charts import STATUS_COLOURS
from ..commandcenter.metrics import COORDINATE_DECIMALS, coarsen
from ..extensions import db
from ..usulan.messages import STATUS_NAMES
from ..usulan.models import Lampiran, Usulan
from .queries import browse_query


def map_data(siklus, filters: dict) -> dict:
    """Points (lat, lng, status, count) of the cycle's proposals matching the list's filters:
    one grouped query, whatever their number; merged into coarser cells beyond a thousand."""
    lat = func.round(Usulan.lat, COORDINATE_DECIMALS)
    lng = func.round(Usulan.lng, COORDINATE_DECIMALS)
    query = (browse_query(siklus, filters).with_only_columns(lat, lng, Usulan.status, func.count())
             .where(Usulan.lat.is_not(None), Usulan.lng.is_not(None))
             .group_by(lat, lng, Usulan.status))
    points = coarsen([(float(a), float(b), status, int(n)) for a, b, status, n in db.session.execute(query)])
    bbox = None
    if points:
        lats, lngs = [p[0] for p in points], [p[1] for p in points]
        pad_lat = max((max(lats) - min(lats)) * 0.05, 0.005)
        pad_lng = max((max(lngs) - min(lngs)) * 0.05, 0.005)
        bbox = (min(lats) - pad_lat, min(lngs) - pad_lng, max(lats) + pad_lat, max(lngs) + pad_lng)
    return {"bbox": bbox, "colours": STATUS_COLOURS,
            "labels": {key: str(name) for key, name in STATUS_NAMES.items()},
            "points": [[a, b, status, n] for a, b, status, n in points]}


def first_photos(usulan_ids: list[int]) -> dict[int, int]:
    """{proposal id: id of its first photo} for the proposals of one page: one query."""
    if not usulan_ids:
        return {}
    rows = db.session.execute(
        select(Lampiran.usulan_id, func.min(Lampiran.id))
        .where(Lampiran.usulan_id.in_(usulan_ids), Lampiran.jenis == "foto")
        .group_by(Lampiran.usulan_id)).all()
    return {usulan_id: lampiran_id for usulan_id, lampiran_id in rows}


def photo_row(tenant_id: int, lampiran_id: int):
    """A proposal's photo of this region (never a meeting's file, never a document), or None."""
    return db.session.execute(
        select(Lampiran.tenant_id, Lampiran.nama_simpan, Lampiran.mime)
        .where(Lampiran.tenant_id == tenant_id, Lampiran.id == lampiran_id, Lampiran.jenis == "foto",
               Lampiran.usulan_id.is_not(None))).first()
