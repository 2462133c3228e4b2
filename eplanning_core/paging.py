"""Paging of list pages: one count query and one page query, whatever the table size."""

from __future__ import annotations

from flask import current_app, request

from .extensions import db


def page_of(statement):
    """A Flask-SQLAlchemy Pagination of ``statement`` for the ?page= of this request."""
    page = request.args.get("page", 1, type=int) or 1
    return db.paginate(statement, page=max(page, 1), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)


class ListPage:
    """A page of a list already in memory (a ranking must see every row to order and cut
    it), shaped like Flask-SQLAlchemy's Pagination for the ``pager`` macro."""

    def __init__(self, items: list, page: int, per_page: int):
        self.total = len(items)
        self.per_page = per_page
        self.pages = max(1, -(-self.total // per_page))
        self.page = min(max(page, 1), self.pages)
        self.offset = (self.page - 1) * per_page
        self.items = items[self.offset:self.offset + per_page]
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num, self.next_num = self.page - 1, self.page + 1

    def page_holding(self, index: int) -> int:
        """The page number of the row at ``index`` (0-based) of the whole list."""
        return index // self.per_page + 1


def page_of_list(items: list) -> ListPage:
    """The ?page= of this request over ``items``, PAGE_SIZE rows a page."""
    return ListPage(items, request.args.get("page", 1, type=int) or 1, current_app.config["PAGE_SIZE"])


def url_for_page(page: int, endpoint: str | None = None) -> str:
    """This page's URL with every filter kept and ?page= replaced. ``endpoint``: the list's
    own page, when this request is a form's POST shown again with its errors."""
    from flask import url_for

    args = request.args.to_dict()
    args["page"] = page
    view_args = (request.view_args or {}) if endpoint is None else {}
    return url_for(endpoint or request.endpoint, **view_args, **args)
