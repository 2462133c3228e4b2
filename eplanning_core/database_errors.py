"""When the database goes away mid-request: a clear 503, never a traceback, nothing half-saved.

Every change of state runs in one transaction (see the operations modules), so a connection
that drops in the middle of a bulk send or an import leaves the database as it was: the
server rolls back the open transaction of a dead connection. What remains is to tell the
user so - "the database is unavailable, nothing was saved, try again" - as a page, or as
the API's JSON error under /api/v1, with ``Retry-After``. The next request gets a fresh
connection: ``pool_pre_ping`` (config.finalize) tests pooled connections before use, and
SQLAlchemy discards the pool when it sees a disconnect.

Only errors of the connection are answered so (OperationalError, InterfaceError, or any
DBAPI error SQLAlchemy marked as a disconnect); an IntegrityError or a ProgrammingError is
a bug and stays a 500.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

RETRY_AFTER_SECONDS = 5


def is_unavailable(error: BaseException) -> bool:
    """True for a lost or refused database connection, as opposed to a bad statement."""
    return isinstance(error, (OperationalError, InterfaceError)) or bool(
        getattr(error, "connection_invalidated", False))


def _rollback() -> None:
    from .extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection is gone: nothing to roll back on our side
        current_app.logger.debug("rollback after a lost database connection failed", exc_info=True)


def _message() -> str:
    return _("The database is unavailable at the moment. Nothing was saved. Please try again in a "
             "moment.")


def unavailable(error: DBAPIError):
    if not is_unavailable(error):
        raise error
    _rollback()
    current_app.logger.error("database unavailable: %s", getattr(error, "orig", error))
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    from .request_kind import is_api_request

    if is_api_request():
        from flask import jsonify

        response = jsonify({"message": _message(), "errors": {}, "rule": "database_unavailable"})
        response.status_code = 503
        response.headers.update(headers)
        return response
    try:
        body = render_template("error.html", code=503, error=error)
    except Exception:  # the page itself needed the database: a plain page still says it
        current_app.logger.debug("error page could not be rendered", exc_info=True)
        body = f"<!doctype html><title>503</title><h1>503</h1><p>{escape(_message())}</p>"
    return body, 503, headers


def init_app(app: Flask) -> None:
    app.register_error_handler(DBAPIError, unavailable)
