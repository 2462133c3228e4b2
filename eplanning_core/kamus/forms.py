"""Forms of the catalogue and nomenklatur screens (every form carries a CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import Form
from .importer import HargaError, read_harga

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3 takes (value, label) tuples
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)

BIDANG_LABELS = {
    "ekonomi": _l("Economic"),
    "sosial_budaya": _l("Socio-cultural"),
    "fisik_prasarana": _l("Physical infrastructure"),
}
TINGKAT_LABELS = {
    "urusan": _l("Urusan"),
    "bidang_urusan": _l("Bidang urusan"),
    "program": _l("Program"),
    "kegiatan": _l("Kegiatan"),
    "sub_kegiatan": _l("Sub kegiatan"),
}


def whole_rupiah(form, field):
    # A posted form without this field keeps the item's stored integer: check it as text.
    if not str(field.data if field.data is not None else "").strip():
        return
    try:
        read_harga(field.data)
    except HargaError as error:
        raise ValidationError(str(error.message)) from None


class KamusForm(Form):
    kode = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    nama = StringField(_l("Name"), validators=[DataRequired(), Length(max=250)])
    bidang = SelectField(_l("Development field (bidang)"),
                         choices=[SelectChoice("", "—")] + [SelectChoice(k, v) for k, v in BIDANG_LABELS.items()],
                         validators=[DataRequired()])
    satuan = StringField(_l("Unit of measure (satuan)"), validators=[DataRequired(), Length(max=40)],
                         description=_l("For example m, m², unit, paket."))
    harga_satuan = StringField(_l("Unit price (Rp)"), validators=[DataRequired(), whole_rupiah],
                               description=_l("Whole rupiah, from the price standard (SSH/HSPK/ASB), "
                                              "e.g. 1.250.000."))
    perangkat_daerah_id = SelectField(_l("Responsible Perangkat Daerah"), coerce=str,
                                      render_kw={"data-picker": "pd"})
    sub_kegiatan_kode = StringField(_l("Sub kegiatan code"), validators=[Optional(), Length(max=40)],
                                    description=_l("Either form: 1.03.10.2.01.05 or 1.03.10.2.01.0005."),
                                    render_kw={"data-picker": "subkegiatan"})
    version = HiddenField()


class StatusForm(Form):
    """Deactivate or reactivate an item; the version guards against a stale page."""
    version = HiddenField()


UPLOAD_TYPES = FileAllowed(["csv", "xlsx"], _l("Only CSV (.csv) or Excel (.xlsx) files."))


class KamusImportForm(Form):
    file = FileField(_l("File (CSV or Excel .xlsx, at most 5 MB)"),
                     validators=[FileRequired(_l("Choose a file.")), UPLOAD_TYPES])


class NomenklaturImportForm(KamusImportForm):
    allow_missing_parents = BooleanField(
        _l("Also take rows whose parent code is missing (the published lists have gaps); "
           "they are listed after the import"))
