"""Security headers on every response: what the browser may load, frame, sniff or send on.

The Content-Security-Policy allows scripts only from this app (no inline scripts, no
eval): every page's JavaScript is a served file. Inline style attributes stay allowed:
they cannot run code. HSTS is sent only over HTTPS (behind a proxy: set EPLANNING_PROXIES).
"""

from __future__ import annotations

from flask import request

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


def _secure_headers(response):
    # A response may set a stricter policy of its own (uploaded files are sandboxed).
    response.headers.setdefault("Content-Security-Policy", CSP)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app) -> None:
    app.after_request(_secure_headers)
