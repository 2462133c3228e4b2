"""Words a citizen reads on the portal and in the open data's dictionary: events, fields,
sources, and who decided (a unit or an agency, never a person)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..tenancy.schema import TIMEZONES

#: Timeline events (Keputusan.keputusan) as a citizen reads them.
EVENT_LABELS = {
    "buat": _l("Proposal entered"), "survei_selesai": _l("Site survey done"),
    "kirim": _l("Sent on"), "diterima": _l("Accepted"),
    "diterima_dengan_perubahan": _l("Accepted with changes"), "ditolak": _l("Rejected"),
    "dana_desa": _l("Kept for village funds"), "rute": _l("Routed to an agency"),
    "alihkan": _l("Handed to another agency"), "periksa": _l("Checked by the DPRD secretariat"),
    "tetapkan": _l("Set in the RKPD"), "tidak_diteruskan": _l("Stayed at this stage"),
    "didanai": _l("Funded"), "tidak_didanai": _l("Not funded"),
    "buka_kembali": _l("Correction: decision reopened"), "ubah": _l("Proposal changed"),
}
#: Fields of a proposal whose changes the journey shows (never the proposer's details).
CHANGE_LABELS = {
    "usulan_kegiatan": _l("Proposed activity"), "permasalahan": _l("Problem"),
    "volume": _l("Volume"), "satuan": _l("Unit"), "harga_satuan": _l("Unit price"),
    "total": _l("Total"), "jalan": _l("Street"), "lokasi_detail": _l("Location detail"),
    "lokasi_kode": _l("Location"), "bidang": _l("Bidang pembangunan"),
    "sub_kegiatan_kode": _l("Sub kegiatan"), "pagu": _l("Pagu"), "target": _l("Target"),
}
#: Events whose dot is green / red on the timeline.
GOOD_EVENTS = {"diterima", "diterima_dengan_perubahan", "didanai", "tetapkan", "dana_desa"}
BAD_EVENTS = {"ditolak", "tidak_didanai", "tidak_diteruskan"}

BIDANG_LABELS = {"ekonomi": _l("Ekonomi"), "sosial_budaya": _l("Sosial budaya"),
                 "fisik_prasarana": _l("Fisik prasarana")}
SUMBER_LABELS = {"lingkungan": _l("Rembuk Warga"), "kelurahan": _l("Village Musrenbang"),
                 "kecamatan": _l("Kecamatan Musrenbang"), "pd": _l("Perangkat Daerah"),
                 "pokir": _l("Pokir DPRD"), "bappeda": _l("Bappeda")}


def event_label(event: str) -> str:
    return str(EVENT_LABELS.get(event, event))


def tz_abbreviation(zone: str) -> str:
    """WIB, WITA or WIT: how Indonesians write the time zone after a time."""
    return TIMEZONES.get(zone, zone)


def decider_label(unit_label, unit_name, unit_level, agency_name, role, dapil_name=None) -> str:
    """Who decided, by office: the unit or agency of the decision, else the body the role is.

    ``unit_label`` is TenantConfig.unit_label (level name + unit name, without repeating it).
    """
    if unit_name:
        return unit_label(unit_level, unit_name) if unit_level else unit_name
    if agency_name:
        return agency_name
    if role == "bappeda":
        return "Bappeda"
    if role == "dprd":
        return _("DPRD member (%(dapil)s)", dapil=dapil_name) if dapil_name else _("DPRD member")
    if role == "setwan":
        return _("DPRD secretariat (Setwan)")
    return "—"
