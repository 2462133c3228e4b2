"""Where a ``next`` parameter may send the browser: a path on this site, nothing else.

A check on the raw text is not enough: browsers (the WHATWG URL parser) strip leading and
trailing spaces and C0 control characters, drop tab, CR and LF anywhere, and read a
backslash as a slash, so ``/\\t/evil.example`` or ``/\\\\evil.example`` reach another host.
The target is normalised the way a browser will read it, then parsed with the standard
library's URL parser (the one Werkzeug uses): only a path without scheme and host, starting
with exactly one slash, is kept, and the normalised text is what goes into ``Location``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import url_for

#: What a browser strips from both ends of a URL: C0 controls and the space.
_EDGES = "".join(chr(c) for c in range(0x21))
#: What a browser removes anywhere in a URL.
_REMOVED = re.compile(r"[\t\n\r]")
#: Anything left that no honest local path holds: other C0/C1 controls.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def normalise(target: str) -> str:
    """``target`` as a browser's URL parser reads it."""
    return _REMOVED.sub("", target.strip(_EDGES)).replace("\\", "/")


def local_path(target) -> str | None:
    """The normalised ``target`` when it is a path on this site, else None."""
    if not isinstance(target, str) or not target:
        return None
    path = normalise(target)
    if _CONTROL.search(path) or not path.startswith("/") or path.startswith("//"):
        return None
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return path


def safe_next(target, endpoint: str = "home.index") -> str:
    """Where to go after a login, a language switch...: ``target`` when it is local, else the
    page of ``endpoint``."""
    return local_path(target) or url_for(endpoint)
