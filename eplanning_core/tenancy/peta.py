"""The basemap of every map (the map picker, the proposal page, the Command Center, the portal).

A region names its tile server in tenant.toml (``[peta] tiles``, OpenStreetMap's standard
tiles by default, with their attribution); a deployment may override it for all its regions
with ``EPLANNING_MAP_TILES`` (its own tile cache, or empty: no basemap, e.g. a training room
without internet, and the test suite). The pages' Content-Security-Policy allows images from
exactly that one host (security.py). When tiles cannot load, the maps fall back to the plain
map (static/map/basemap.js): points on a blank background, as before tiles existed.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from marshmallow import ValidationError

from ..config import SettingError
from .schema import check_tile_url, tile_origin


@dataclass(frozen=True)
class Basemap:
    tiles: str                      # "" = no basemap
    attribution: str
    center: tuple[float, float] | None
    zoom: int

    @property
    def origin(self) -> str | None:
        return tile_origin(self.tiles)

    def data_attributes(self) -> dict:
        """What static/map/basemap.js reads from a map's holder (data-tiles, ...)."""
        out = {"data-tiles": self.tiles, "data-attribution": self.attribution, "data-zoom": str(self.zoom)}
        if self.center:
            out["data-center"] = f"{self.center[0]},{self.center[1]}"
        return out


def basemap() -> Basemap:
    """The basemap of the region of this request."""
    from .context import tenant_config

    config = tenant_config()
    override = current_app.config.get("MAP_TILES")
    tiles = config.map_tiles if override is None else str(override).strip()
    # A deployment's own tile cache still shows the region's attribution (usually OSM's).
    attribution = config.map_attribution or "© OpenStreetMap contributors"
    return Basemap(tiles, attribution if tiles else "", config.map_center, config.map_zoom)


def init_app(app) -> None:
    override = app.config.get("MAP_TILES")
    if override:
        try:
            check_tile_url(str(override).strip())
        except ValidationError as exc:
            raise SettingError(f"EPLANNING_MAP_TILES {' '.join(exc.messages)}; got {override!r}") from None
    app.extensions["eplanning.csp_image_origin"] = lambda: basemap().origin  # see security.py
    app.jinja_env.globals["basemap"] = basemap
