"""The Command Center's pictures, made from its numbers (see ``svg`` for the drawing)."""

from __future__ import annotations

from flask_babel import gettext as _

from ..money import format_rupiah
from ..usulan.messages import STATUS_NAMES
from . import metrics, svg

STATUS_COLOURS = {
    "belum_dibahas": "#8a949c", "diperiksa": "#6f42c1", "diterima": "#17803d",
    "diterima_dengan_perubahan": "#20a486", "ditolak": "#c62828", "dana_desa": "#e07b00",
    "didanai": "#0b5394", "tidak_didanai": "#3d4852",
}
SHARE_COLOURS = {"musrenbang": "#17803d", "pokir": "#e07b00", "other": "#8a949c"}
#: The drawn (SVG) map merges cells beyond this many, so the page stays light whatever the
#: data; the interactive map, fetched on its own, keeps up to metrics.MAX_MAP_CELLS.
SVG_MAP_CELLS = 400


def _count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def share_labels() -> dict:
    return {"musrenbang": _("Musrenbang"), "pokir": _("Pokir DPRD"), "other": _("Agencies and Bappeda")}


def all_charts(dash) -> dict:
    labels = share_labels()
    out = {"funnel": svg.funnel([(stage.name, count) for stage, count in dash.funnel],
                                title=_("Proposals that reached each stage"))}
    ceilings = []
    for stage, bars in dash.ceiling_stages:
        if not bars:
            continue
        rows = [(name, used, f"{format_rupiah(used)}" + (f" / {format_rupiah(limit)}" if limit is not None else ""),
                 limit) for name, used, limit in bars]
        ceilings.append((stage, svg.hbars(rows, title=_("Ceiling use at %(stage)s", stage=stage.name))))
    out["ceilings"] = ceilings
    for scope in ("all", "rkpd"):
        parts = dash.share[scope]
        out[f"share_{scope}_count"] = svg.donut(
            [(labels[g], parts[g][0], SHARE_COLOURS[g], _count(parts[g][0])) for g in ("musrenbang", "pokir", "other")],
            title=_("Share by number of proposals"))
        out[f"share_{scope}_amount"] = svg.donut(
            [(labels[g], parts[g][1], SHARE_COLOURS[g], format_rupiah(parts[g][1])) for g in ("musrenbang", "pokir", "other")],
            title=_("Share in rupiah"))
    progress = []
    for row in dash.kecamatan:
        proposed = row["summary"].proposed
        progress.append((row["nama"], proposed, _count(proposed), None))
    out["kecamatan"] = svg.hbars(progress, title=_("Proposals per kecamatan")) if progress else None
    if dash.bbox:
        legend = {key: str(name) for key, name in STATUS_NAMES.items()}
        points = metrics.coarsen(dash.points, limit=SVG_MAP_CELLS)
        out["map"] = svg.point_map(points, dash.bbox, STATUS_COLOURS, legend,
                                   title=_("Proposals with coordinates"))
    return out


def map_data(points, bbox) -> dict:
    """What the interactive map (Leaflet, if the browser runs it) draws: no names, no ids.
    Without coordinates: no box and no points."""
    return {"bbox": bbox, "colours": STATUS_COLOURS,
            "labels": {k: str(v) for k, v in STATUS_NAMES.items()},
            "points": [[lat, lng, status, count] for lat, lng, status, count in points]}
