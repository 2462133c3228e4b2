"""Forms of Bappeda's cycle screens, and how a typed date or closing time is read.

Windows are local time. A closing typed as a bare date means the end of that day (the window
closes at midnight after it), the way an office says "until 31 January".
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..forms import Form

_MOMENT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})[:.](\d{2}))?$")
_LOCAL = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?:[T ](\d{2})[:.](\d{2}))?$")


def parse_local(text: str | None, *, closing: bool) -> datetime:
    """'2026-01-31', '31/01/2026' or either with ' 16:00'; a bare closing date means the
    end of that day. Raises ValueError for anything else."""
    value = (text or "").strip()
    match = _MOMENT.match(value)
    if match:
        year, month, day, hour, minute = match.groups()
    else:
        match = _LOCAL.match(value)
        if not match:
            raise ValueError("not a date")
        day, month, year, hour, minute = match.groups()
    day_ = date(int(year), int(month), int(day))
    if hour is None:
        return datetime.combine(day_ + timedelta(days=1) if closing else day_, time())
    return datetime.combine(day_, time(int(hour), int(minute)))


def closing_text(moment: datetime | None) -> str:
    """The value to put back in a closing field: the last day when it closes at midnight."""
    if moment is None:
        return ""
    if moment.time() == time():
        return (moment - timedelta(days=1)).date().isoformat()
    return moment.strftime("%Y-%m-%d %H:%M")


def opening_text(moment: datetime) -> str:
    return moment.date().isoformat() if moment.time() == time() else moment.strftime("%Y-%m-%d %H:%M")


class OpenCycleForm(Form):
    tahun = IntegerField(_l("Budget year"), validators=[InputRequired()],
                         description=_l("The year the plan is for: RKPD 2027 is planned in 2026."))


class RescheduleForm(Form):
    dibuka = StringField(_l("Opens"), validators=[InputRequired(), Length(max=20)])
    ditutup = StringField(_l("Closes (last day)"), validators=[InputRequired(), Length(max=20)])
    pemasukan_ditutup = StringField(_l("Entry closes (last day)"), validators=[Length(max=20)])
    alasan = TextAreaField(_l("Reason for the change"), validators=[Length(max=2000)])
    version = HiddenField()


class ExtendForm(Form):
    ditutup_baru = StringField(_l("New closing (last day)"), validators=[InputRequired(), Length(max=20)])
    holder = StringField(_l("Only for"), validators=[Length(max=40)])
    pemasukan = BooleanField(_l("Extend the entry deadline"))
    alasan = TextAreaField(_l("Reason"), validators=[Length(max=2000)])


class ConfirmForm(Form):
    """A bulk form whose rows the view reads from the request; this carries the CSRF check."""
