"""What a notification says, in the current language: the page and the digest share it."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import ngettext

from ..usulan.messages import status_name
from .models import ARRIVED, Notifikasi
from .windows import OPENING, Window


def sentence(item: Notifikasi, stage_names: dict[str, str]) -> str:
    stage = stage_names.get(item.tahapan, item.tahapan)
    if item.jenis == ARRIVED:
        return ngettext("%(num)d proposal arrived for you at %(stage)s.",
                        "%(num)d proposals arrived for you at %(stage)s.", item.jumlah, stage=stage)
    if item.keputusan == "buka_kembali":
        return ngettext("%(num)d proposal you sent was reopened at %(stage)s: its decision was "
                        "corrected and is open again.",
                        "%(num)d proposals you sent were reopened at %(stage)s: their decisions were "
                        "corrected and are open again.", item.jumlah, stage=stage)
    return ngettext("%(num)d proposal you sent was decided at %(stage)s: %(decision)s.",
                    "%(num)d proposals you sent were decided at %(stage)s: %(decision)s.", item.jumlah,
                    stage=stage, decision=status_name(item.keputusan or ""))


def window_sentence(window: Window) -> str:
    if window.kind == OPENING:
        return _("%(stage)s opens on %(when)s.", stage=window.stage_name,
                 when=format_datetime(window.at, "dd MMM yyyy HH:mm"))
    # a window closes before its (exclusive) end: people read the last minute it is open
    last = format_datetime(window.at - timedelta(minutes=1), "dd MMM yyyy HH:mm")
    return _("%(stage)s closes on %(when)s.", stage=window.stage_name, when=last)
