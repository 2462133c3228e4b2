"""What a person reads in place of the engine's keys, for every file people open.

Excel, CSV and PDF files meant for people show a status, an action, a stage, a bidang and a
source by its label in the user's language (the request's, else the region's default), never
the key the engine stores (``diterima_dengan_perubahan``, ``sosial_budaya``, ``rute``). Open
data keeps the documented keys and puts these labels in columns beside them.

The status and action labels are the screens' own (``usulan/messages.py``), so a file says
what the page said.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..usulan.messages import ACTION_NAMES, STATUS_NAMES

#: The three bidang pembangunan.
BIDANG_NAMES = {"ekonomi": _l("Ekonomi"), "sosial_budaya": _l("Sosial budaya"),
                "fisik_prasarana": _l("Fisik prasarana")}
#: Where a proposal came from (``Usulan.sumber``).
SOURCE_NAMES = {"lingkungan": _l("Rembuk Warga"), "kelurahan": _l("Musrenbang kelurahan/desa"),
                "kecamatan": _l("Musrenbang kecamatan"), "pd": _l("Perangkat Daerah"),
                "pokir": _l("Pokir DPRD"), "bappeda": _l("Bappeda"), "aspirasi": _l("e-Aspirasi")}


def _label(names: dict, key) -> str:
    if key is None or key == "":
        return ""
    label = names.get(key)
    if label is not None:
        return str(label)
    # A key this version has no label for: shown readable rather than as a key.
    return str(key).replace("_", " ")


def status_label(key) -> str:
    return _label(STATUS_NAMES, key)


def action_label(key) -> str:
    return _label(ACTION_NAMES, key)


def bidang_label(key) -> str:
    return _label(BIDANG_NAMES, key)


def source_label(key) -> str:
    return _label(SOURCE_NAMES, key)


def stage_label(stages: dict, key) -> str:
    """The stage's name from the cycle (``{key: name}``), never its key."""
    if key is None or key == "":
        return ""
    return str(stages.get(key) or str(key).replace("_", " "))


# ---- a proposal's history of changes, as a person reads it ----------------------------------------

#: The proposal's fields as the history names them.
FIELD_NAMES = {
    "tahapan": _l("Stage"), "status": _l("Status"), "total": _l("Total"), "lokasi_kode": _l("Location"),
    "survei_selesai": _l("Site survey done"), "prioritas": _l("Priority"), "skor": _l("Score"),
    "perangkat_daerah_id": _l("Agency"), "pagu": _l("Pagu"), "target": _l("Target"),
    "sub_kegiatan_kode": _l("Sub kegiatan"), "volume": _l("Volume"), "anggaran_jumlah": _l("Funded"),
    "harga_satuan": _l("Unit price"), "bidang": _l("Bidang"), "sumber": _l("Source"), "alasan": _l("Reason"),
    "satuan": _l("Unit"), "usulan_kegiatan": _l("Proposed activity"), "permasalahan": _l("Problem"),
    "jalan": _l("Street"), "indikator": _l("Indicator"), "terkunci": _l("Locked"), "tertutup": _l("Stayed behind"),
}
_MONEY_FIELDS = {"total", "pagu", "anggaran_jumlah", "harga_satuan"}


def field_label(field) -> str:
    return _label(FIELD_NAMES, field)


def change_value(field, value, stages: dict | None = None) -> str:
    """One value of a history entry's change: a label for a key, rupiah for money, yes or no."""
    from flask_babel import gettext

    from ..money import format_rupiah

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if field == "tahapan":
        return stage_label(stages or {}, value)
    if field == "status":
        return status_label(value)
    if field == "bidang":
        return bidang_label(value)
    if field == "sumber":
        return source_label(value)
    if field in _MONEY_FIELDS and isinstance(value, int):
        return format_rupiah(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(change_value(field, v, stages) for v in value)
    return str(value)


def history_action(action) -> str:
    """A history entry's action ("usulan.diterima_dengan_perubahan") as its label."""
    area, _dot, key = str(action or "").partition(".")
    if area == "usulan" and key:
        return action_label(key).capitalize()
    return str(action or "")
