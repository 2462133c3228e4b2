"""The public portal's pages (/publik): no login, light pages, short public caching."""

from __future__ import annotations

import json
from functools import wraps

from flask import (Blueprint, Response, make_response, redirect, render_template, request,
                   session, stream_with_context, url_for)
from sqlalchemy import select

from ..accounts.models import PerangkatDaerah
from ..audit import checkpoints as audit_checkpoints
from ..database_routing import reads_replica
from ..extensions import db
from ..i18n import LANGUAGES
from ..paging import page_of
from ..redirects import safe_next
from ..usulan.engine_adapter import cycle_for
from ..siklus.current import all_cycles, current_cycle
from ..siklus.models import Siklus
from ..tenancy.context import current_tenant_id, tenant_config
from ..usulan.messages import STATUS_NAMES
from ..usulan.models import Usulan
from ..wilayah.models import Wilayah
from . import opendata, peta, queries, stats
from .pagecache import cached
from .labels import BIDANG_LABELS, SUMBER_LABELS, tz_abbreviation
from .privacy import mask_name

bp = Blueprint("portal", __name__, url_prefix="/publik")
#: Seconds a browser or proxy may reuse a public page: short, decisions show up soon.
MAX_AGE = 300


def public(view):
    """Cacheable for a short while by anyone; the language cookie keeps copies apart (Vary)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200:
            response.cache_control.public = True
            response.cache_control.max_age = MAX_AGE
        return response
    return wrapper


def _context(siklus, **extra) -> dict:
    cycle = cycle_for(siklus) if siklus is not None else None
    return dict(siklus=siklus, cycle=cycle, cycles=all_cycles(),
                stages={s.key: s.name for s in cycle.stages} if cycle else {},
                statuses=STATUS_NAMES, tz=tz_abbreviation(tenant_config().timezone), **extra)


def not_found(message: str | None = None):
    return make_response(render_template("portal/not_found.html", message=message), 404)


def _checkpoint_today() -> None:
    audit_checkpoints.ensure_fresh(current_tenant_id())  # rolled forward when over an hour old, if cron has not


@bp.get("/")
@reads_replica
@public
@cached(before=_checkpoint_today)
def start():
    siklus = current_cycle()
    summary = stats.summarise(siklus, cycle_for(siklus)) if siklus else None
    kecamatan, villages = queries.units_for_filters()
    return render_template("portal/start.html", summary=summary, kecamatan=kecamatan, villages=villages,
                           agencies=queries.active_agencies(), **_context(siklus))


@bp.get("/bahasa/<lang>")
def language(lang: str):
    """A link, not a form: public pages carry no session token. Only a preference changes."""
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(safe_next(request.args.get("next"), "portal.start"))


@bp.get("/lacak")
@reads_replica
@public
@cached
def track():
    raw = request.args.get("kode", "")
    if not raw.strip():
        return redirect(url_for("portal.start"))
    code = queries.normalise_code(raw)
    usulan, sub_kegiatan = queries.find_by_code(code) if code else (None, None)
    if usulan is None and code and code.startswith("ASP-"):  # a citizen's aspiration (aspirasi/)
        return redirect(url_for("aspirasi_publik.track", kode=code))
    if usulan is None:
        return not_found(raw.strip()[:40])
    siklus = db.session.get(Siklus, usulan.siklus_id)
    cycle = cycle_for(siklus)
    return render_template(
        "portal/track.html", usulan=usulan, steps=queries.timeline(usulan, cycle),
        path=queries.location_path(usulan.lokasi_kode), proposer=mask_name(usulan.pengusul_nama),
        sub_kegiatan=sub_kegiatan, bidang=BIDANG_LABELS,
        sources=SUMBER_LABELS, **_context(siklus))


@bp.get("/usulan")
@reads_replica
@public
@cached
def browse():
    siklus = current_cycle()
    if siklus is None:
        return not_found()
    cycle = cycle_for(siklus)
    filters = queries.browse_filters(cycle)
    pagination = page_of(queries.browse_query(siklus, filters)
                         .options(db.joinedload(Usulan.lokasi_wilayah),
                                  db.joinedload(Usulan.perangkat_daerah))
                         .order_by(Usulan.id.desc()))
    kecamatan, villages = queries.units_for_filters()
    return render_template("portal/browse.html", pagination=pagination, filters=filters,
                           kecamatan=kecamatan, villages=villages, map_colours=peta.STATUS_COLOURS,
                           photos=peta.first_photos([u.id for u in pagination.items]),
                           agencies=queries.active_agencies(), **_context(siklus))


@bp.get("/peta.json")
@reads_replica
@public
@cached
def map_data():
    """The browse page's map: proposals of the list's filters by status (portal/peta.py)."""
    siklus = current_cycle()
    if siklus is None:
        return not_found()
    return peta.map_data(siklus, queries.browse_filters(cycle_for(siklus)))


@bp.get("/foto/<int:lampiran_id>")
@reads_replica
def photo(lampiran_id: int):
    """A proposal's photo as a thumbnail for the cards; meetings' files and documents: 404."""
    from ..uploads import send_thumbnail

    row = peta.photo_row(current_tenant_id(), lampiran_id)
    if row is None:
        return not_found()
    return send_thumbnail(row.tenant_id, row.nama_simpan, row.mime, public=True)


@bp.get("/wilayah/<kode>")
@reads_replica
@public
@cached
def unit(kode: str):
    siklus = current_cycle()
    unit = db.session.scalar(select(Wilayah).where(Wilayah.tenant_id == current_tenant_id(),
                                                   Wilayah.kode == kode[:40]))
    if unit is None or siklus is None:
        return not_found()
    cycle = cycle_for(siklus)
    where = queries.in_unit(unit.kode)
    return render_template(
        "portal/unit.html", unit=unit, path=queries.location_path(unit.kode),
        summary=stats.summarise(siklus, cycle, where),
        reasons=stats.rejection_reasons(siklus, where), children=stats.children_counts(siklus, unit),
        filter_args={"kelurahan" if unit.tingkat > 1 else "kecamatan": unit.kode},
        **_context(siklus))


@bp.get("/pd/<kode>")
@reads_replica
@public
@cached
def agency(kode: str):
    siklus = current_cycle()
    pd = db.session.scalar(select(PerangkatDaerah).where(
        PerangkatDaerah.tenant_id == current_tenant_id(), PerangkatDaerah.kode == kode[:40]))
    if pd is None or siklus is None:
        return not_found()
    cycle = cycle_for(siklus)
    where = Usulan.perangkat_daerah_id == pd.id
    return render_template(
        "portal/agency.html", pd=pd, summary=stats.summarise(siklus, cycle, where),
        reasons=stats.rejection_reasons(siklus, where), filter_args={"pd": pd.kode},
        **_context(siklus))


# ---- open data -------------------------------------------------------------------------------

@bp.get("/data")
@reads_replica
@public
@cached
def data():
    siklus = current_cycle()
    return render_template("portal/data.html", datasets=opendata.DATASETS, licence=opendata.LICENCE,
                           checkpoint_columns=opendata.CHECKPOINT_COLUMNS,
                           licence_url=opendata.LICENCE_URL, **_context(siklus))


@bp.get("/data/<int:tahun>/<dataset>.<fmt>")
@reads_replica
def download(tahun: int, dataset: str, fmt: str):
    if dataset not in opendata.DATASETS or fmt not in ("csv", "json"):
        return not_found()
    siklus = db.session.scalar(select(Siklus).where(Siklus.tenant_id == current_tenant_id(),
                                                    Siklus.tahun == tahun))
    if siklus is None:
        return not_found()
    cycle = cycle_for(siklus)
    columns = opendata.DATASETS[dataset]
    rows = opendata.ROWS[dataset](siklus, cycle)
    if fmt == "csv":
        body, mimetype = opendata.csv_stream(columns, rows), "text/csv; charset=utf-8"
    else:
        body, mimetype = opendata.json_stream(dataset, columns, rows, siklus), "application/json"
    name = f"{tenant_config().tracking_prefix.lower()}-{tahun}-{dataset}.{fmt}"
    return _open_data_file(Response(stream_with_context(body), mimetype=mimetype), name)


def _open_data_file(response: Response, name: str) -> Response:
    """An open-data download: a named attachment under the portal's licence, cacheable."""
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Licence"] = opendata.LICENCE
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response


# ---- the audit trail's published checkpoints ----------------------------------------------------

CHECKPOINTS_SHOWN = 90


@bp.get("/jejak-audit")
@public
def audit_trail():
    audit_checkpoints.ensure_fresh(current_tenant_id())
    shown = audit_checkpoints.published(current_tenant_id(), limit=CHECKPOINTS_SHOWN + 1)
    return render_template("portal/audit.html", checkpoints=shown[:CHECKPOINTS_SHOWN],
                           head=audit_checkpoints.head_record(current_tenant_id()),
                           more=len(shown) > CHECKPOINTS_SHOWN, **_context(current_cycle()))


@bp.get("/data/jejak-audit.<fmt>")
def checkpoint_download(fmt: str):
    """Every checkpoint of the region, oldest first: the file anyone keeps (see audit.html)."""
    if fmt not in ("csv", "json"):
        return not_found()
    audit_checkpoints.ensure_fresh(current_tenant_id())
    config = tenant_config()
    columns = opendata.CHECKPOINT_COLUMNS
    rows = audit_checkpoints.as_rows(audit_checkpoints.published(current_tenant_id()))
    if fmt == "csv":
        body, mimetype = "".join(opendata.csv_stream(columns, rows)), "text/csv; charset=utf-8"
    else:
        names = [c.name for c in columns]
        body = json.dumps({"dataset": "audit_checkpoint", "region": config.name, "region_code": config.code,
                           "tenant": config.slug, "hash": "sha256", "licence": opendata.LICENCE,
                           "licence_url": opendata.LICENCE_URL, "columns": names,
                           "data": [dict(zip(names, row)) for row in rows],
                           "head": audit_checkpoints.head_record(current_tenant_id())},
                          ensure_ascii=False, indent=1)
        mimetype = "application/json"
    return _open_data_file(Response(body, mimetype=mimetype), f"{config.tracking_prefix.lower()}-jejak-audit.{fmt}")


@bp.errorhandler(404)
def _not_found(error):
    return not_found()
