"""gzip for stylesheets and scripts, so a first visit stays light without a proxy in front.

Bootstrap's CSS alone is 232 KB; gzipped, 31 KB. Only static assets (CSS, JavaScript, SVG)
are compressed here: HTML and JSON carry CSRF tokens next to user input, and compressing
those together over TLS opens the BREACH attack. Each asset is compressed once per process
(kept by path and ETag). A reverse proxy that compresses (nginx ``gzip on``) leaves
responses already encoded alone.
"""

from __future__ import annotations

import gzip

from flask import request

COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml"}
#: Below this, gzip's header costs more than it saves.
MIN_BYTES = 1024
MAX_CACHED = 256


def init_app(app) -> None:
    cache: dict[tuple, bytes] = {}

    @app.after_request
    def compress(response):
        if (request.method != "GET" or response.status_code != 200
                or response.mimetype not in COMPRESSIBLE or "Content-Encoding" in response.headers
                or "gzip" not in request.headers.get("Accept-Encoding", "").lower()):
            return response
        response.vary.add("Accept-Encoding")
        etag = response.headers.get("ETag")
        key = (request.path, etag)
        body = cache.get(key) if etag else None
        original = response.response
        if body is None:
            response.direct_passthrough = False
            data = response.get_data()
            if len(data) < MIN_BYTES:
                return response
            body = gzip.compress(data, 6)
            if etag and len(cache) < MAX_CACHED:
                cache[key] = body
        response.set_data(body)
        if original is not response.response and hasattr(original, "close"):
            original.close()
        response.headers["Content-Encoding"] = "gzip"
        return response
