"""The messages e-Aspirasi sends: each to one address, plain text, in the recipient's language,
never carrying anyone else's contact. Every message about a followed proposal ends with its
one-click unsubscribe link."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..notifications.mail import Message, site_url
from ..tenancy.context import tenant_config

#: Events a follower reads beyond the portal's timeline words (portal/labels.py).
EXTRA_LABELS = {"buka_kembali": _l("Decision reopened"), "realisasi": _l("Execution milestone")}


def event_label(event: str) -> str:
    from ..portal.labels import EVENT_LABELS

    return str(EXTRA_LABELS.get(event) or EVENT_LABELS.get(event) or event)


def confirmation_code(aspirasi, code: str) -> Message:
    name = tenant_config().app_name
    link = site_url(f"/publik/aspirasi/{aspirasi.kode}/konfirmasi")
    body = _("Your aspiration %(kode)s has reached %(app)s.\n\n"
             "Your confirmation code: %(code)s\n\n"
             "Type it on the page of your aspiration so that your neighbourhood's operator sees it:\n"
             "%(link)s\n\n"
             "If you did not send an aspiration, ignore this message: nothing more will happen.",
             kode=aspirasi.kode, app=name, code=code, link=link or "")
    return Message(aspirasi.kontak, _("Confirmation code %(code)s for your aspiration", code=code), body)


def _stop_lines(stop_link: str) -> str:
    return "\n\n-- \n" + _("Stop following this proposal with one click:\n%(link)s", link=stop_link)


def follow_confirmation(email: str, locale: str, kode_lacak: str, kegiatan: str, confirm_link: str,
                        stop_link: str) -> Message:
    with force_locale(locale):
        body = _("Someone (we hope you) asked to be told by email of every step of the proposal "
                 "%(kode)s, \"%(kegiatan)s\".\n\nConfirm with this link:\n%(link)s\n\n"
                 "If it was not you, ignore this message: you will get no more.",
                 kode=kode_lacak, kegiatan=kegiatan[:120], link=confirm_link) + _stop_lines(stop_link)
        return Message(email, _("Confirm that you follow proposal %(kode)s", kode=kode_lacak), body)


def update(email: str, locale: str, kode_lacak: str, kegiatan: str, steps: list[tuple[str, str, str | None]],
           track_link: str, stop_link: str) -> Message:
    """``steps``: (event, stage name, reason) in the order they were written."""
    with force_locale(locale):
        lines = []
        for event, stage, reason in steps:
            line = f"- {event_label(event)} · {stage}"
            if reason:
                line += "\n  " + _("Reason: %(reason)s", reason=reason)
            lines.append(line)
        first = event_label(steps[-1][0])
        body = _("News of the proposal %(kode)s you follow, \"%(kegiatan)s\":",
                 kode=kode_lacak, kegiatan=kegiatan[:120]) + "\n\n" + "\n".join(lines) + "\n\n" + \
            _("Its whole journey:\n%(link)s", link=track_link) + _stop_lines(stop_link)
        return Message(email, f"[{kode_lacak}] {first}", body)


def now_following(email: str, locale: str, kode_lacak: str, kegiatan: str, track_link: str,
                  stop_link: str) -> Message:
    with force_locale(locale):
        body = _("Your aspiration became part of the proposal %(kode)s, \"%(kegiatan)s\". You will "
                 "be told by email of each of its steps.\n\nIts journey:\n%(link)s",
                 kode=kode_lacak, kegiatan=kegiatan[:120], link=track_link) + _stop_lines(stop_link)
        return Message(email, _("You now follow proposal %(kode)s", kode=kode_lacak), body)

