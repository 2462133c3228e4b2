"""Account forms (Flask-WTF: every form carries a CSRF token)."""

from flask_babel import lazy_gettext as _l
from ..forms import Form
from .operations import USERNAME_PATTERN
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

USERNAME = Regexp(USERNAME_PATTERN,
                  message=_l("3-60 characters: lower-case letters, digits, '.', '_' or '-'."))


class LoginForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class UserForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(), USERNAME])
    nama = StringField(_l("Full name"), validators=[DataRequired(), Length(min=3, max=120)])
    email = StringField(_l("Email"), validators=[Optional(), Email(), Length(max=200)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    wilayah_kode = StringField(_l("Unit (for unit operators)"),
                               validators=[Optional(), Length(max=40)],
                               description=_l("Type the unit's name, e.g. Pasar Baru, and choose it; or paste its code."),
                               render_kw={"data-picker": "wilayah"})
    perangkat_daerah_id = SelectField(_l("Agency (for agency operators)"), coerce=str)
    dapil = SelectField(_l("Dapil (for DPRD members)"), coerce=str)
    aktif = BooleanField(_l("Active"), default=True)
    # Length and strength: passwords.problem(), the one policy for every way a password is set.
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=200)])
    password2 = PasswordField(_l("Repeat password"),
                              validators=[EqualTo("password", message=_l("Passwords do not match."))])
    version = HiddenField()


class PerangkatDaerahForm(Form):
    kode = StringField(_l("Code"), validators=[DataRequired(), Length(max=40), Regexp(
        r"^[0-9A-Za-z.\-]+$", message=_l("Digits, letters, '.' and '-' only."))])
    nama = StringField(_l("Name"), validators=[DataRequired(), Length(min=3, max=200)])
    singkatan = StringField(_l("Short name"), validators=[Optional(), Length(max=40)])
    aktif = BooleanField(_l("Active"), default=True)
    version = HiddenField()


class ReauthForm(Form):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    password2 = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(), EqualTo("password", message=_l("Passwords do not match."))])
