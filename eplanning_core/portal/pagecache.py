"""Rendered public pages, kept per worker until the region's data changes.

Every citizen sees the same public page, and a public page is computed only from the
region's data and its configuration. So the HTML rendered under one history head (audit/
head.py) is served again, byte for byte, until the next change of state moves the head:
one primary-key read instead of the page's queries and its rendering. The key also holds the
language and the full path with its query string. Only a 200 is kept; 404s, redirects and
downloads never are. The ETag names the same version, so a browser revalidating gets a 304.

The head itself is read at most once a second per worker (``PUBLIC_PAGE_HEAD_MS``, timed on
the app's clock by caching.Kept), so that a citizen's page costs no database work at all
between two reads: a decision shows on every worker within that second (and at once on the
worker that saved it: any commit there forgets the head read, a listener :func:`init_app`
binds). The pages already tell browsers and proxies they may reuse them for minutes
(views.MAX_AGE); this second is well inside that promise.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from flask import current_app, make_response, request
from flask_babel import get_locale
from sqlalchemy import event

from ..audit.head import head_of
from ..caching import Kept
from ..database_routing import on_primary, reading_from
from ..tenancy.context import current_tenant_id

#: Per worker: enough for every summary page and the busiest proposals of a few regions.
MAX_ENTRIES = 4000
MAX_BYTES = 32 * 1024 * 1024
KEPT = Kept("eplanning.portal.pages", max_entries=MAX_ENTRIES, max_bytes=MAX_BYTES,
            size=lambda page: len(page[0]))
#: The heads read, per region: reused for PUBLIC_PAGE_HEAD_MS on the app's clock.
HEADS = Kept("eplanning.portal.heads", max_entries=1000,
             max_age=lambda: current_app.config.get("PUBLIC_PAGE_HEAD_MS", 1000) / 1000)


def init_app(app) -> None:
    """Any commit of this worker forgets the heads read, so its own change shows at once."""
    from ..extensions import db

    if not event.contains(db.session, "after_commit", forget_heads):
        event.listen(db.session, "after_commit", forget_heads)


def current_head(tenant_id: int) -> tuple[int, str]:
    """The region's history head, read again once PUBLIC_PAGE_HEAD_MS have passed; kept apart
    per database read (primary or replica), so a page is never keyed by a head newer than the
    data it was read from (database_routing.py)."""
    where = (reading_from(), tenant_id)
    head = HEADS.get(where)
    if head is None:
        head = head_of(tenant_id)
        HEADS.put(where, head)
    return head


def forget_heads(_session=None) -> None:
    """After any commit of this worker: its own changes show on its next public page (also
    called by tests to read the head afresh)."""
    HEADS.clear()


def _etag(key) -> str:
    return hashlib.blake2b(repr(key).encode(), digest_size=12).hexdigest()


def cached(view=None, *, before=None):
    """Serve ``view``'s page from the cache while the region's head has not moved.

    ``before`` runs on every request, hit or miss (e.g. the day's audit checkpoint).
    """
    if view is None:
        return lambda v: cached(v, before=before)

    @wraps(view)
    def wrapper(*args, **kwargs):
        if before is not None:
            with on_primary():  # it may write: read what it writes on from the primary
                before()
        if not current_app.config.get("PUBLIC_PAGE_CACHE", True):
            return view(*args, **kwargs)
        tenant_id = current_tenant_id()
        key = (tenant_id, str(get_locale()), request.full_path, *current_head(tenant_id))
        page = KEPT.get(key)
        if page is None:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or response.is_streamed:
                return response
            page = (response.get_data(), response.mimetype, _etag(key))
            KEPT.put(key, page)
        body, mimetype, etag = page
        response = make_response(body)
        response.mimetype = mimetype
        response.set_etag(etag)
        return response.make_conditional(request)
    return wrapper
