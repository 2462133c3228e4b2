"""The Command Center page (/command-center): Bappeda and read-only viewers only."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.models import Role
from ..siklus.bridge import cycle_for
from ..siklus.current import all_cycles, current_cycle
from ..tenancy.context import tenant_config
from ..usulan.messages import STATUS_NAMES, status_name
from . import charts, metrics

bp = Blueprint("commandcenter", __name__, url_prefix="/command-center")
ROLES = {Role.BAPPEDA.value, Role.VIEWER.value}


@bp.get("/")
@login_required
def index():
    if current_user.role not in ROLES:
        abort(403)
    siklus = current_cycle()
    if siklus is None:
        return render_template("commandcenter/index.html", siklus=None, cycles=[])
    cycle = cycle_for(siklus)
    dash = metrics.build(siklus, cycle)
    return render_template(
        "commandcenter/index.html", siklus=siklus, cycles=all_cycles(), dash=dash,
        charts=charts.all_charts(dash), percent=metrics.percent, statuses=STATUS_NAMES,
        status_name=status_name, map_data=charts.map_data(dash), colours=charts.STATUS_COLOURS,
        tz=tenant_config().timezone, title=_("Command Center"))
