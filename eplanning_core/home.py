"""The start page after login: who you are, what you are responsible for."""

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from .accounts.models import PerangkatDaerah, User
from .accounts.scope import role_label, wilayah_clause
from .extensions import db
from .tenancy.context import current_tenant_id
from .wilayah.models import Wilayah

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:  # visitors get the public portal's start page
        from .portal.views import start
        return start()
    tid = current_tenant_id()
    # One grouped query for the units in the user's scope, per level.
    per_level = dict(db.session.execute(
        select(Wilayah.tingkat, func.count())
        .where(Wilayah.tenant_id == tid, wilayah_clause(current_user))
        .group_by(Wilayah.tingkat)).all())
    counts = {"users": None, "agencies": None}
    if current_user.is_admin:
        counts["users"] = db.session.scalar(
            select(func.count()).select_from(User).where(User.tenant_id == tid))
        counts["agencies"] = db.session.scalar(
            select(func.count()).select_from(PerangkatDaerah).where(PerangkatDaerah.tenant_id == tid))
    return render_template("home.html", per_level=per_level, counts=counts,
                           role_label=role_label(current_user))
