"""The base form of every page: CSRF from Flask-WTF, validator messages in the user's language.

Every text field (StringField and its kin, TextAreaField) also gets the one rule against
control characters (textinput.py), so no form can store NUL, ESC or a line break in a
single-line field.

WTForms ships no Indonesian catalogue, so the core carries its own ``wtforms`` domain
(translations/id/LC_MESSAGES/wtforms.po) and falls back to WTForms' own for other languages.
"""

from __future__ import annotations

import os

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.fields import StringField
from wtforms.i18n import messages_path

from .textinput import validator_for

TRANSLATIONS_DIR = os.path.join(os.path.dirname(__file__), "translations")


def wtforms_translations():
    locale = str(get_locale() or "id")
    cache = current_app.extensions.setdefault("eplanning.wtforms_i18n", {})
    if locale not in cache:
        ours = support.Translations.load(TRANSLATIONS_DIR, [locale], domain="wtforms")
        theirs = support.Translations.load(messages_path(), [locale], domain="wtforms")
        if isinstance(ours, support.Translations):
            ours.add_fallback(theirs)
            cache[locale] = ours
        else:
            cache[locale] = theirs
    return cache[locale]


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return wtforms_translations()

    def validate(self, extra_validators=None):
        """The form's own checks plus the control-character rule on every text field."""
        extra = {name: list(checks) for name, checks in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if isinstance(field, StringField):
                extra.setdefault(name, []).insert(0, validator_for(field))
        return super().validate(extra_validators=extra)
