"""The start page after login: the account's desk (what waits for it now, see
:mod:`.usulan.desk`); visitors get the public portal's start page."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from .accounts.scope import role_label
from .siklus.current import current_cycle

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:  # visitors get the public portal's start page
        from .portal.views import start
        return start()
    from .usulan import desk

    siklus = current_cycle()
    work = desk.build(current_user, siklus) if siklus is not None else None
    unit = desk.unit_name(current_user.wilayah) if current_user.wilayah is not None else None
    return render_template("desk/index.html", siklus=siklus, desk=work, unit=unit,
                           role_label=role_label(current_user))


@bp.app_template_global()
def desk_task_label():
    """The work list's task filter as a name (the list shows what the desk's link chose)."""
    from .usulan.desk import task_label

    return task_label(request.args)
