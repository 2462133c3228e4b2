"""The password policy, applied wherever a password is set (admin form, CLI, own change).

Length first (PASSWORD_MIN_LENGTH), then a local list of common passwords shipped with the
package (data/common-passwords.txt: its source and licence are in its header; nothing is
downloaded), then the person's own username and the region's name, which guessers try first.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from flask import current_app, has_app_context
from flask_babel import gettext as _

DEFAULT_MIN_LENGTH = 10
MAX_LENGTH = 200
#: Words of a region's name that say nothing about it ("Kota Medan" -> "medan").
REGION_PREFIXES = {"kota", "kabupaten", "kab", "provinsi", "prov", "kepulauan", "administrasi"}
#: Shorter usernames ("pu") would refuse half the dictionary; they are not looked for.
MIN_NAME_PART = 4


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def min_length() -> int:
    if has_app_context():
        return int(current_app.config.get("PASSWORD_MIN_LENGTH") or DEFAULT_MIN_LENGTH)
    return DEFAULT_MIN_LENGTH


def _letters(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def region_words(region_name: str) -> list[str]:
    return [w for w in re.split(r"[^0-9a-z]+", region_name.lower())
            if len(w) >= MIN_NAME_PART and w not in REGION_PREFIXES]


def problem(password: str, username: str = "", region_name: str = "") -> str | None:
    """Why this password is refused, in the user's language; None when it is acceptable."""
    password = password or ""
    shortest = min_length()
    if len(password) < shortest:
        return _("The password needs at least %(count)s characters.", count=shortest)
    if len(password) > MAX_LENGTH:
        return _("The password may have at most %(count)s characters.", count=MAX_LENGTH)
    lowered, plain = password.lower(), _letters(password)
    if lowered in common_passwords() or plain in common_passwords():
        return _("This password is on the list of common passwords that attackers try first. "
                 "Choose another one, e.g. a few unrelated words.")
    user = _letters(username or "")
    if len(user) >= MIN_NAME_PART and user in plain:
        return _("The password may not contain the username.")
    if any(word in plain for word in region_words(region_name or "")):
        return _("The password may not contain the name of the region.")
    return None


def region_name() -> str:
    """The name of the current request's region (or the CLI's), for :func:`problem`."""
    from ..tenancy.context import tenant_config

    return tenant_config().name


@cache
def _dummy_hash() -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash("not-a-password-of-anybody")


def check_unknown(password: str) -> bool:
    """The same work as checking a real hash, for an unknown username: always False."""
    from werkzeug.security import check_password_hash

    check_password_hash(_dummy_hash(), password)
    return False
