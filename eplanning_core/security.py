"""Security headers on every response: what the browser may load, frame, sniff or send on.

The Content-Security-Policy allows scripts only from this app (no inline scripts, no
eval): every page's JavaScript is a served file. Inline style attributes stay allowed:
they cannot run code. Images come from the app, plus exactly one host: the region's map tile
server (tenant.toml ``[peta] tiles``), when it has one. HSTS is sent only over HTTPS (behind a proxy: set EPLANNING_PROXIES).
"""

from __future__ import annotations

from flask import current_app, request

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(self)",
    "Cross-Origin-Opener-Policy": "same-origin",
}


#: app.extensions key of a callable naming the one other origin images may come from (the
#: region's map tile server, set by tenancy from tenant.toml's [peta]), or None.
IMAGE_ORIGIN = "eplanning.csp_image_origin"
_POLICIES: dict[str, str] = {}


def policy_with_images_from(origin: str | None) -> str:
    """The CSP, with ``origin`` (``https://tile.openstreetmap.org``) added to img-src only."""
    if not origin:
        return CSP
    if origin not in _POLICIES:
        _POLICIES[origin] = CSP.replace("img-src 'self' data: blob:", f"img-src 'self' data: blob: {origin}")
    return _POLICIES[origin]


def _policy() -> str:
    provider = current_app.extensions.get(IMAGE_ORIGIN)
    return policy_with_images_from(provider() if provider is not None else None)


def _secure_headers(response):
    # A response may set a stricter policy of its own (uploaded files are sandboxed).
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = _policy()
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app) -> None:
    app.after_request(_secure_headers)
