"""The demo story of Kota Medan as data: who has an account, and each proposal's fate.

A proposal is a catalogue item plus its *fate*: one letter per stage it reaches, read from
the stage where it is entered. The last letter is where it stays now, waiting or decided.

====  ============================================================================
``-``  nothing yet: unsurveyed at Rembuk Warga, undecided elsewhere
``s``  site survey finished (Rembuk Warga); ``S``: the survey corrected the volume first
``t``  accepted (kecamatan: scored and routed first; Pokir: checked, routed, validated)
``u``  accepted with changes, with the reason minuted (volume, or the agency's pagu)
``x``  rejected, with a reason
``d``  kept for village funds (Dana Kelurahan) at the Musrenbang Kelurahan
``k``  scored only (kecamatan), or score revised with a reason (Forum PD)
``r``  scored and routed to an agency, not yet decided (kecamatan)
``p``  checked by Setwan, waiting for Bappeda (Pokir)
``a``  handed over to another agency (Forum PD)
``.``  passes the Penetapan RKPD
``f``  funded in the APBD; ``n``: not funded
====  ============================================================================

A holder (unit, agency, council member) sends its batch when one of its proposals goes on;
everything else it holds then stays behind, final. The runner checks the engine agrees.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Stage kinds a proposal entered at the neighbourhood meeting passes, in order.
CHAIN = ("rembuk_warga", "musrenbang_desa", "musrenbang_kecamatan", "forum_pd",
         "musrenbang_rkpd", "penetapan_rkpd", "penganggaran")
POKIR_CHAIN = ("pokir",) + CHAIN[3:]


@dataclass(frozen=True)
class Account:
    username: str
    nama: str
    role: str
    unit: str | None = None      # unit code of an operator
    agency: str | None = None    # agency code of an agency operator
    dapil: str | None = None     # dapil code of a DPRD member


#: One account per role first (the ones a trainer uses), then the operators of the other
#: units and the second council member whose work the story needs.
ACCOUNTS = (
    Account("admin", "Admin Bappeda", "bappeda"),
    Account("kecamatan", "Operator Kecamatan Medan Kota", "operator", unit="12.71.01"),
    Account("kelurahan", "Operator Kelurahan Pasar Baru", "operator", unit="12.71.01.1001"),
    Account("lingkungan", "Kepala Lingkungan I Pasar Baru", "operator", unit="12.71.01.1001.01"),
    Account("kelurahan2", "Operator Kelurahan Lalang", "operator", unit="12.71.02.1001"),
    Account("lingkungan2", "Kepala Lingkungan I Lalang", "operator", unit="12.71.02.1001.01"),
    Account("dinas", "Operator Dinas SDABMBK", "operator_pd", agency="1.03.01"),
    Account("dinas2", "Operator Dinas Kesehatan", "operator_pd", agency="1.02.01"),
    Account("dprd", "Anggota DPRD Dapil Medan 1", "dprd", dapil="MDN-1"),
    Account("setwan", "Sekretariat DPRD (Setwan)", "setwan"),
    Account("pemantau", "Pemantau (Inspektorat)", "viewer"),
    # the rest of the story's units
    Account("ling-pasarbaru-2", "Kepala Lingkungan II Pasar Baru", "operator", unit="12.71.01.1001.02"),
    Account("ling-pasarbaru-3", "Kepala Lingkungan III Pasar Baru", "operator", unit="12.71.01.1001.03"),
    Account("kel-pusatpasar", "Operator Kelurahan Pusat Pasar", "operator", unit="12.71.01.1002"),
    Account("ling-pusatpasar-1", "Kepala Lingkungan I Pusat Pasar", "operator", unit="12.71.01.1002.01"),
    Account("ling-lalang-2", "Kepala Lingkungan II Lalang", "operator", unit="12.71.02.1001.02"),
    Account("kec-medanarea", "Operator Kecamatan Medan Area", "operator", unit="12.71.10"),
    Account("kel-sukaramai1", "Operator Kelurahan Sukaramai I", "operator", unit="12.71.10.1001"),
    Account("ling-sukaramai1-1", "Kepala Lingkungan I Sukaramai I", "operator", unit="12.71.10.1001.01"),
    Account("ling-sukaramai1-2", "Kepala Lingkungan II Sukaramai I", "operator", unit="12.71.10.1001.02"),
    Account("kel-tegalsari1", "Operator Kelurahan Tegal Sari I", "operator", unit="12.71.10.1010"),
    Account("ling-tegalsari1-1", "Kepala Lingkungan I Tegal Sari I", "operator", unit="12.71.10.1010.01"),
    Account("kec-medanbarat", "Operator Kecamatan Medan Barat", "operator", unit="12.71.05"),
    Account("kel-glugurkota", "Operator Kelurahan Glugur Kota", "operator", unit="12.71.05.1003"),
    Account("ling-glugurkota-1", "Kepala Lingkungan I Glugur Kota", "operator", unit="12.71.05.1003.01"),
    Account("ling-glugurkota-2", "Kepala Lingkungan II Glugur Kota", "operator", unit="12.71.05.1003.02"),
    Account("dprd2", "Anggota DPRD Dapil Medan 4", "dprd", dapil="MDN-4"),
)


@dataclass(frozen=True)
class Item:
    kamus: str
    fate: str
    route: str | None = None     # agency code the kecamatan routes to, if not the catalogue's
    handover: str | None = None  # agency code the Forum PD hands over to (fate letter "a")


def _items(*rows) -> tuple[Item, ...]:
    return tuple(Item(*row) if isinstance(row, tuple) else row for row in rows)


# Agencies: 1.03.01 Dinas SDABMBK (roads, drains) and 1.02.01 Dinkes still decide at the
# Forum PD, 1.04.01 Perkim too; 2.15.01 Dishub sent on and waits at the Musrenbang RKPD;
# 1.06.01 Dinsos waits at the Penetapan; 1.01.01 Disdik, 2.11.01 DLH and 2.17.01 Dinas
# Koperasi UKM reached the budget.

#: Entered at the Rembuk Warga of each lingkungan (``S``/``s``/``-``/``x`` first).
REMBUK = {
    # the demo lingkungan: its meeting is still going on, nothing sent
    "12.71.01.1001.01": _items(("FP-DR-01", "-"), ("FP-JL-02", "-"), ("FP-PJ-02", "-"),
                               ("SB-KS-01", "s"), ("FP-RM-01", "S"), ("EK-UM-01", "s"),
                               ("FP-DR-04", "s"), ("FP-JL-01", "x"), ("SB-LH-03", "-"),
                               ("FP-PJ-03", "-"), ("SB-SO-01", "s"), ("EK-UM-05", "-")),
    # the demo kelurahan Pasar Baru receives these two and has not decided on all of them
    "12.71.01.1001.02": _items(("FP-DR-04", "sd"), ("FP-JL-03", "St"), ("FP-PJ-01", "s-"),
                               ("FP-DR-01", "su"), ("SB-LH-01", "s-"), ("EK-UM-06", "sx"),
                               ("FP-CC-01", "s-"), ("SB-KS-02", "st"), ("FP-JL-06", "x"),
                               ("FP-RT-01", "s-"), ("FP-DR-05", "s-"), ("EK-UM-02", "s-"),
                               ("SB-KS-03", "s-"), ("FP-JL-05", "s-")),
    "12.71.01.1001.03": _items(("FP-JL-02", "st"), ("FP-PJ-03", "s-"), ("SB-SO-02", "s-"),
                               ("FP-DR-06", "s-"), ("SB-PD-01", "st"), ("FP-JL-04", "x"),
                               ("EK-UM-04", "s-"), ("FP-DR-03", "sd"), ("FP-RM-01", "s-"),
                               ("SB-KS-04", "s-"), ("EK-UM-01", "s-"), ("FP-PJ-01", "x")),
    # Pusat Pasar sent up: the demo kecamatan Medan Kota scores and routes them
    "12.71.01.1002.01": _items(("FP-DR-02", "stk"), ("FP-JL-01", "Stt"), ("FP-PJ-01", "st-"),
                               ("FP-RM-01", "str"), ("SB-KS-03", "st-"), ("EK-UM-02", "su-"),
                               ("FP-JL-04", "stx"), ("FP-SL-01", "st-"), ("SB-PD-01", "sx"),
                               ("FP-DR-04", "sd"), ("EK-UM-04", "st-"), ("FP-DR-05", "x"),
                               ("FP-KS-01", "stu"), ("FP-CC-01", "sx"), ("SB-LH-03", "sd")),
    # the second kelurahan, Lalang (Medan Sunggal): shows that scopes do not overlap
    "12.71.02.1001.01": _items(("FP-JL-02", "-"), ("FP-DR-03", "s"), ("SB-SO-02", "-"),
                               ("FP-PJ-03", "s"), ("EK-UM-05", "x"), ("FP-DR-01", "-"),
                               ("SB-KS-02", "S"), ("FP-PJ-01", "-"), ("SB-LH-01", "s"),
                               ("EK-UM-06", "-")),
    "12.71.02.1001.02": _items(("FP-DR-01", "st"), ("FP-JL-05", "s-"), ("SB-KS-04", "s-"),
                               ("FP-JL-07", "sx"), ("EK-UM-03", "s-"), ("FP-DR-06", "sd"),
                               ("FP-PJ-02", "s-"), ("SB-LH-03", "x"), ("FP-RM-01", "s-"),
                               ("SB-PD-01", "s-"), ("EK-UM-02", "st")),
    # Medan Area sent everything on to the agencies
    "12.71.10.1001.01": _items(("FP-DR-01", "sttt"), ("FP-JL-01", "sx"), ("FP-PJ-01", "stttt"),
                               ("SB-PD-02", "stttt.f"), ("SB-LH-01", "stttt.f"),
                               ("EK-UM-01", "stttt.-"), ("SB-SO-01", "stttt."), ("SB-KS-01", "sttt"),
                               ("FP-SL-01", "stta", "1.03.01", "1.04.01"), ("FP-DR-04", "sd"),
                               ("FP-CC-01", "sx"), ("FP-JL-04", "x")),
    "12.71.10.1001.02": _items(("FP-DR-03", "Sutk"), ("SB-KS-03", "sx"), ("FP-PJ-03", "sd"),
                               ("EK-UM-04", "sd"), ("FP-RT-01", "sx"), ("FP-JL-02", "x")),
    "12.71.10.1010.01": _items(("FP-DR-02", "sttu"), ("FP-JL-03", "sttx"), ("FP-JL-05", "Sttk"),
                               ("FP-PJ-03", "sttt-"), ("FP-PJ-05", "sx"), ("SB-KS-02", "stt-"),
                               ("FP-PD-01", "stttu.f"), ("SB-LH-03", "stttt.n"),
                               ("EK-UM-02", "sttut.f"), ("SB-SO-02", "stttx"), ("FP-RM-01", "stt-"),
                               ("SB-KS-04", "sx"), ("FP-DR-05", "sd")),
    # Medan Barat too
    "12.71.05.1003.01": _items(("FP-DR-03", "stx"), ("FP-JL-02", "sd"), ("FP-PJ-04", "sttx"),
                               ("FP-PJ-02", "stttx"), ("SB-KS-03", "sttx"), ("SB-SO-01", "stttt."),
                               ("EK-UM-05", "stttt.f"), ("FP-DR-05", "sd"), ("FP-JL-07", "Stt-")),
    "12.71.05.1003.02": _items(("FP-JL-01", "stt-"), ("FP-RT-01", "stttt.f"), ("SB-PD-01", "stttt.n"),
                               ("FP-SL-02", "sx"), ("FP-KS-01", "sx"), ("EK-UM-06", "sx"),
                               ("FP-PJ-01", "x")),
}

#: Added by the forum of a kelurahan (fate starts at the Musrenbang Kelurahan).
KELURAHAN = {
    "12.71.01.1001": _items(("FP-PJ-03", "-"), ("SB-SO-01", "t"), ("FP-DR-06", "-")),
    "12.71.02.1001": _items(("SB-LH-03", "-"),),
    "12.71.10.1001": _items(("FP-PJ-02", "ttt-"),),
}

#: Added by the forum of a kecamatan (fate starts at the Musrenbang Kecamatan).
KECAMATAN = {
    "12.71.01": _items(("SB-LH-02", "-"),),
    "12.71.10": _items(("EK-TN-01", "x"), ("FP-DR-06", "tt")),
    "12.71.05": _items(("SB-LH-02", "ttt.f"),),
}

#: Pokir from the members' recess visits: (username, kelurahan code, item).
POKIR = (
    ("dprd", "12.71.15.1003", Item("FP-DR-01", "-")),
    ("dprd", "12.71.17.1002", Item("FP-PJ-01", "-")),
    ("dprd", "12.71.01.1004", Item("FP-RM-01", "p")),
    ("dprd", "12.71.10.1005", Item("SB-KS-01", "p")),
    ("dprd", "12.71.15.1001", Item("FP-JL-02", "t")),
    ("dprd", "12.71.17.1005", Item("EK-UM-01", "x")),
    ("dprd2", "12.71.03.1002", Item("FP-DR-02", "t-")),
    ("dprd2", "12.71.02.1003", Item("FP-JL-01", "tt")),
    ("dprd2", "12.71.05.1001", Item("FP-PJ-01", "ttu")),
    ("dprd2", "12.71.03.1004", Item("FP-RM-01", "t-")),
    ("dprd2", "12.71.02.1005", Item("SB-LH-01", "x")),
)

#: Meetings the story leaves unrecorded: recording them is the trainee's first task there.
#: Every other unit of the story recorded its meeting (Pasar Baru's Musrenbang too, whose
#: signed berita acara is still to be uploaded before it can send).
MEETINGS_TO_RECORD = {"12.71.01.1001.01", "12.71.02.1001.01", "12.71.02.1001"}

#: Pagu indikatif per kecamatan for the Musrenbang Kecamatan, set by Bappeda (rupiah).
KECAMATAN_CEILINGS = {"12.71.01": 4_500_000_000, "12.71.02": 4_000_000_000,
                      "12.71.05": 4_000_000_000, "12.71.10": 5_500_000_000}
