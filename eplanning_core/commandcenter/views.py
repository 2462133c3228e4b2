"""The Command Center page (/command-center): Bappeda and read-only viewers only.

The interactive map's points come by their own request (map.json), fetched by the page's
script when the map scrolls into view, together with the map library: a first visit carries
neither (docs/performance.md, page weight).
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, jsonify, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from ..accounts.models import Role
from ..audit.head import head_of
from ..database_routing import reads_replica
from ..usulan.engine_adapter import cycle_for, now_utc
from ..siklus.current import all_cycles, current_cycle
from ..tenancy.context import tenant_config
from ..usulan.messages import STATUS_NAMES, status_name
from . import cache, charts, metrics

bp = Blueprint("commandcenter", __name__, url_prefix="/command-center")
ROLES = {Role.BAPPEDA.value, Role.VIEWER.value}


@bp.get("/")
@login_required
@reads_replica
def index():
    if current_user.role not in ROLES:
        abort(403)
    siklus = current_cycle()
    if siklus is None:
        return render_template("commandcenter/index.html", siklus=None, cycles=[])
    return render_template("commandcenter/index.html", siklus=siklus, cycles=all_cycles(),
                           dashboard=_dashboard(siklus), title=_("Command Center"))


def _dashboard(siklus) -> Markup:
    """The rendered dashboard: the same for every viewer of the region in one language, right
    until the region's data changes (cache.py) or the minute it is shown "as of" turns."""
    now = now_utc().replace(second=0, microsecond=0)
    head = head_of(siklus.tenant_id)
    key = ("page", siklus.tenant_id, siklus.id, siklus.version, *head, str(get_locale()), now)
    body = cache.KEPT.get(key)
    if body is None:
        dash = metrics.build(siklus, cycle_for(siklus), now, head)
        body = Markup(render_template(
            "commandcenter/_dashboard.html", siklus=siklus, dash=dash, charts=charts.all_charts(dash),
            percent=metrics.percent, statuses=STATUS_NAMES, status_name=status_name,
            colours=charts.STATUS_COLOURS, tz=tenant_config().timezone))
        cache.KEPT.put(key, body)
    return body


def _json_viewers_only(view):
    """The page's access rule, answered in JSON: 401 without a login, 403 for other roles."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return jsonify(error="login required"), 401
        if current_user.role not in ROLES:
            return jsonify(error="forbidden"), 403
        return view(*args, **kwargs)
    return wrapped


@bp.get("/map.json")
@_json_viewers_only
@reads_replica
def map_data():
    """The interactive map's points for the cycle of ?siklus= (this region's cycles only)."""
    siklus = current_cycle()
    if siklus is None:
        return jsonify(error="not found"), 404
    return jsonify(charts.map_data(*metrics.map_only(siklus, cycle_for(siklus))))
