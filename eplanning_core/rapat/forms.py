"""Forms of the meeting pages. The fields are checked in rapat.operations.clean; the
delegates are repeated ``delegasi`` inputs the view reads as a list."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf

from ..forms import Form

FILE_KIND_NAMES = {"berita_acara": _l("Signed berita acara (PDF or photo)"),
                   "absensi": _l("Attendance list (PDF or photo)"),
                   "foto": _l("Photo of the meeting")}


class RapatForm(Form):
    tempat = StringField(_l("Place"), render_kw={"maxlength": 200})
    alamat = StringField(_l("Address"), render_kw={"maxlength": 250})
    mulai = StringField(_l("Start (local time)"), render_kw={"type": "datetime-local"})
    jumlah_hadir = StringField(_l("Number present"), render_kw={"inputmode": "numeric"})
    notulen = TextAreaField(_l("Minutes of the meeting"), render_kw={"rows": 8, "maxlength": 10000})
    version = HiddenField()


class LampiranForm(Form):
    """The file itself is read from ``request.files``; the page renders the kind's options."""

    jenis = StringField(_l("Kind"), validators=[AnyOf(list(FILE_KIND_NAMES))])


class CsrfOnlyForm(Form):
    """A button that changes something: only the CSRF token to check."""
