"""The one rule for text people and clients send: no control characters.

NUL makes PostgreSQL refuse the whole statement (a 500 where SQLite silently stores it);
ESC, BEL and their kind are invisible, break exports and terminals, and have no business in
a proposal's title. So every text input is refused, with a message in the user's language,
when it holds a C0 or C1 control character (Unicode category Cc) or a lone surrogate (which
no database can encode). Multi-line fields (a textarea, a reason) may hold tab, CR and LF.

Where the rule is applied, all through :func:`problem`:

- WTForms: the base form (``forms.Form``) runs :class:`NoControlCharacters` on every
  text field, single-line unless it is a ``TextAreaField``;
- the API: ``api.schemas.Text`` (its OpenAPI ``pattern`` is :data:`SINGLE_LINE_PATTERN` or
  :data:`MULTI_LINE_PATTERN`, so the document says what is refused);
- every page request: :func:`refuse_in_request` (a ``before_request``) refuses control
  characters in any query-string value (``q`` of every search and list, ``next``...) and,
  beyond tab, CR and LF, in any form value, so that no view reading ``request.args`` or
  ``request.form`` directly can pass one to the database.
"""

from __future__ import annotations

import re

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from wtforms.fields import TextAreaField
from wtforms.validators import StopValidation

#: Refused everywhere: C0 and C1 controls but tab, LF, CR; DEL; lone surrogates.
_ANY_LINE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
#: Refused in single-line text besides: tab, LF, CR.
_LINE_BREAKS = "\t\n\r"
MULTI_LINE = re.compile(f"[{_ANY_LINE}]")
SINGLE_LINE = re.compile(f"[{_ANY_LINE}{_LINE_BREAKS}]")
#: The same rules as regular expression classes that read alike in Python and in OpenAPI
#: (ECMA-262), and as whole-value patterns for the API's document.
SINGLE_LINE_REFUSED = r"\u0000-\u001f\u007f-\u009f"
MULTI_LINE_REFUSED = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
#: What ``str.strip()`` trims that is no control character (Python's and ECMA's ``\\s`` also
#: hold tab, line breaks, VT and FF, which single-line text refuses).
SPACES = r" \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
SINGLE_LINE_PATTERN = rf"^[^{SINGLE_LINE_REFUSED}]*$"
MULTI_LINE_PATTERN = rf"^[^{MULTI_LINE_REFUSED}]*$"


def bad_character(text: str, multiline: bool = False) -> str | None:
    """The first refused character of ``text`` as ``U+001B``, or None when it is clean."""
    found = (MULTI_LINE if multiline else SINGLE_LINE).search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def message(char: str) -> str:
    """What the user reads, in their language."""
    return _("Contains an invisible control character (%(char)s) that is not allowed here. "
             "Remove it and try again.", char=char)


def problem(text, multiline: bool = False) -> str | None:
    """The message for ``text`` (None when acceptable; non-text values are left to others)."""
    if not isinstance(text, str):
        return None
    char = bad_character(text, multiline)
    return message(char) if char else None


class NoControlCharacters:
    """WTForms validator: the rule above for one field; stops the field's other checks."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        values = field.data if isinstance(field.data, (list, tuple)) else [field.data]
        for value in values:
            found = problem(value, self.multiline)
            if found:
                raise StopValidation(found)


def validator_for(field) -> NoControlCharacters:
    """The validator a field gets: multi-line for a textarea, single-line otherwise."""
    return NoControlCharacters(multiline=isinstance(field, TextAreaField))


# ---- every page request ---------------------------------------------------------------------

def _offending(pairs, multiline: bool) -> tuple[str, str] | None:
    """(parameter name fit to show, the refused character) of the first offending pair."""
    for key, value in pairs:
        char = bad_character(key) or bad_character(value, multiline)
        if char:
            return SINGLE_LINE.sub("?", key)[:60], char
    return None


def refuse_in_request():
    """before_request: a 400 page naming the parameter when a query-string value holds a
    control character, or a form value one beyond tab, CR and LF (JSON for a caller that
    asks for JSON). The API is left to its schemas (a JSON 422 with the field's name)."""
    from .request_kind import is_api_request

    if request.endpoint == "static" or is_api_request():
        return None
    where = "address"
    found = _offending(request.args.items(multi=True), multiline=False)
    if found is None and request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        where = "form"
        found = _offending(request.form.items(multi=True), multiline=True)
    if found is None:
        return None
    name, char = found
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        return jsonify(message=_("Some fields are not valid."), errors={name: [message(char)]}), 400
    return render_template("control_characters.html", name=name, where=where), 400


def init_app(app) -> None:
    app.before_request(refuse_in_request)
