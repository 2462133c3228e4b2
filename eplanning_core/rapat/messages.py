"""What a unit's meeting still lacks before sending, in the user's language: the sentences of
the ``meeting_incomplete`` refusal, shared by the send page, the API and the meeting's page.
"""

from __future__ import annotations

from flask_babel import gettext as _


def missing_sentences(missing, stage_name: str, unit_name: str, delegates: int = 0) -> list[str]:
    """One sentence per item of ``missing`` (``meeting``, ``start``, ``delegates``,
    ``berita_acara``: the ``missing`` of a ``meeting_incomplete`` refusal), naming the meeting."""
    where = _("%(stage)s of %(unit)s", stage=stage_name, unit=unit_name)
    sentences = {
        "meeting": lambda: _("Record the meeting (%(meeting)s) first: its place and start time, on the "
                             "Meeting page.", meeting=where),
        "start": lambda: _("The meeting (%(meeting)s) is recorded to start later: record its real start "
                           "time.", meeting=where),
        "delegates": lambda: _("Name the %(n)s delegates of %(meeting)s to the kecamatan forum.",
                               n=delegates, meeting=where),
        "berita_acara": lambda: _("Upload the signed berita acara of %(meeting)s on the Meeting page.",
                                  meeting=where),
    }
    return [sentences[item]() for item in missing or () if item in sentences]
