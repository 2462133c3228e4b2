"""Forms of the proposal screens. Checking happens in usulan.content (shared with the API)."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from ..forms import Form

BIDANG_CHOICES = [("", "—"), ("ekonomi", _l("Ekonomi")), ("sosial_budaya", _l("Sosial budaya")),
                  ("fisik_prasarana", _l("Fisik prasarana"))]


class UsulanForm(Form):
    tahapan = SelectField(_l("Stage"), validate_choice=False)
    bidang = SelectField(_l("Bidang pembangunan"), choices=BIDANG_CHOICES, validate_choice=False)
    permasalahan = TextAreaField(_l("Problem (permasalahan)"))
    usulan_kegiatan = TextAreaField(_l("Proposed activity (usulan kegiatan)"))
    kamus_id = SelectField(_l("Catalogue item (kamus usulan)"), validate_choice=False,
                           description=_l("Optional. Unit and unit price come from the catalogue when left empty."),
                           # a search of the items of the chosen bidang (static/picker.js)
                           render_kw={"data-picker": "katalog", "data-picker-bidang": "#bidang"})
    volume = StringField(_l("Volume"))
    satuan = StringField(_l("Unit of measure (satuan)"))
    harga_satuan = StringField(_l("Unit price (rupiah)"), description=_l("From the price standard (SSH/HSPK/ASB) where there is one."))
    lokasi_wilayah_id = SelectField(_l("Location"), validate_choice=False,
                                    render_kw={"data-picker": "wilayah"})
    jalan = StringField(_l("Street"))
    lokasi_detail = StringField(_l("Location detail"))
    lat = StringField(_l("Latitude"))
    lng = StringField(_l("Longitude"))
    pengusul_nama = StringField(_l("Proposer's name"))
    pengusul_telepon = StringField(_l("Proposer's phone (never public)"))
    pengusul_nik = StringField(_l("Proposer's NIK (never public)"))
    alasan = TextAreaField(_l("Reason for the change"),
                           description=_l("Needed once the proposal was surveyed or sent up: say why, e.g. the minutes of the change."))
    version = HiddenField()


class ActionForm(Form):
    """Any engine action; the view reads the inputs the action needs from the request."""

    aksi = HiddenField()
    tahapan = HiddenField()
    version = HiddenField()
    alasan = TextAreaField(_l("Reason"))


class SendForm(Form):
    tahapan = HiddenField()
    holder = HiddenField()
