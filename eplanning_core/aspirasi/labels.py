"""Words for an aspiration's state, as the citizen and the operator read them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "menunggu_konfirmasi": _l("Waiting for the confirmation code"),
    "masuk": _l("Received, waiting for the Rembuk Warga"),
    "diusulkan": _l("Became a proposal"),
    "digabung": _l("Merged into a proposal"),
    "ditolak": _l("Declined"),
    "spam": _l("Not taken up"),
}
#: What the operator reads in the inbox's filter.
INBOX_LABELS = {
    "masuk": _l("To handle"),
    "diusulkan": _l("Became a proposal"),
    "digabung": _l("Merged"),
    "ditolak": _l("Declined"),
    "spam": _l("Spam"),
}
KONTAK_LABELS = {"email": _l("Email"), "telepon": _l("Phone")}
