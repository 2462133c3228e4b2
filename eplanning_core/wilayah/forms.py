"""The unit profile form kept by a unit's operator."""

from flask_babel import lazy_gettext as _l
from ..forms import Form
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional, Regexp


class ProfilForm(Form):
    nama_kepala = StringField(_l("Name of the head of the unit"),
                              validators=[Optional(), Length(max=120)])
    alamat_kantor = StringField(_l("Office address"), validators=[Optional(), Length(max=250)])
    telepon_kantor = StringField(_l("Office phone"), validators=[Optional(), Length(max=30), Regexp(
        r"^[0-9+()\- ]*$", message=_l("Digits, spaces, '+', '-' and brackets only."))])
    version = HiddenField()
