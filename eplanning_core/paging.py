"""Paging of list pages: one count query and one page query, whatever the table size."""

from __future__ import annotations

from flask import current_app, request

from .extensions import db


def page_of(statement):
    """A Flask-SQLAlchemy Pagination of ``statement`` for the ?page= of this request."""
    page = request.args.get("page", 1, type=int) or 1
    return db.paginate(statement, page=max(page, 1), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)


def url_for_page(page: int) -> str:
    """This page's URL with every filter kept and ?page= replaced."""
    from flask import url_for

    args = request.args.to_dict()
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args)
