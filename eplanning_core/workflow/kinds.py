"""The registry of stage kinds: what each kind of stage allows (like Decidim's has_feature).

Kinds, in the order of Permendagri 86/2017:
``rembuk_warga`` (neighbourhood meeting at the lingkungan/dusun/jorong, with a site survey),
``musrenbang_desa`` (village Musrenbang, the development-planning meeting of a kelurahan,
desa or nagari), ``musrenbang_kecamatan`` (sub-district Musrenbang: scoring and routing to
agencies), ``pokir`` (Pokok-pokok Pikiran: DPRD council members' proposals from their recess),
``forum_pd`` (Forum Perangkat Daerah: each agency decides and drafts its work plan, Renja),
``musrenbang_rkpd`` (Bappeda consolidates the regional work plan, RKPD), ``penetapan_rkpd``
(the RKPD is set and published) and ``penganggaran`` (budgeting: funded or not in the APBD).
A stage definition picks one kind and may only narrow what the kind offers.

The unit meetings (Rembuk Warga and both Musrenbang) also say what their meeting (rapat) must
have on record before a unit sends its batch up (:class:`MeetingRule`): the proposal's send
operation refuses without it (``meeting_incomplete``), whoever calls it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .levels import LEVEL_KEYS, Level
from .state import (BELUM_DIBAHAS, DANA_DESA, DIDANAI, DIPERIKSA, DITERIMA,
                    DITERIMA_DENGAN_PERUBAHAN, DITOLAK, TIDAK_DIDANAI)

#: Decisions a stage may list in its ``decisions``; every other action comes with the kind.
DECISIONS = (DITERIMA, DITERIMA_DENGAN_PERUBAHAN, DITOLAK, DANA_DESA, DIDANAI, TIDAK_DIDANAI)
LEVELS = LEVEL_KEYS
AGENCY_LEVELS = ("pd", "bappeda")  # level keys whose proposals are held per agency (Level.is_agency)
#: Reopening a decision ("correct a mistake"): back to undecided at its stage, with a reason.
REOPEN = "buka_kembali"


@dataclass(frozen=True)
class MeetingRule:
    """What a unit's meeting must have on record before the unit sends its batch up.

    Every meeting needs its place and its (past) start time; Medan's SOP makes the berita
    acara of a Rembuk Warga after sending, so only the Musrenbang need it signed before.
    """

    berita_acara: bool = False          # the signed berita acara is uploaded
    delegates: tuple[int, int] | None = None  # delegates to the next forum: (required when any
    #                                           are named, most allowed); None: none are named
    delegates_to_send: bool = False     # sending needs the required number named


@dataclass(frozen=True)
class StageKind:
    key: str
    description: str
    level: Level                    # the level that decides at this kind of stage
    creators: tuple[str, ...]       # roles that may be allowed to enter proposals
    default_creators: tuple[str, ...]
    decisions: tuple[str, ...]      # decisions offered (a stage may list fewer)
    actions: tuple[str, ...]        # other per-item actions offered
    sends: bool                     # has a batch send ("kirim") to a next stage
    receives: bool                  # can be another stage's next stage
    forwards: frozenset[str] = frozenset()  # statuses that go up on sending
    pending: frozenset[str] = frozenset()   # statuses that block sending (undecided)
    limits: bool = False            # quota and ceiling (pagu) may apply
    scores: bool = False            # weighted criteria may apply
    survey: bool = False            # a site survey applies
    routes: bool = False            # may route proposals to an agency (PD)
    needs_mapping: bool = False     # accepting needs a sub kegiatan code and pagu
    editable: bool = True           # proposal content may still change here
    send_event: str = "kirim"       # history event of what goes up
    meeting: MeetingRule | None = None  # a unit meeting (rapat) that sending needs on record

    @property
    def needs_meeting(self) -> bool:
        return self.meeting is not None

    def offers(self, action: str) -> bool:
        return action in self.decisions or action in self.actions


_ACCEPTED = frozenset({DITERIMA, DITERIMA_DENGAN_PERUBAHAN})

KINDS: dict[str, StageKind] = {k.key: k for k in (
    StageKind("rembuk_warga", "neighbourhood meeting: enter, survey, send to the village",
              level=Level(3), creators=("operator",), default_creators=("operator",),
              decisions=(DITOLAK,), actions=("ubah", "survei_selesai", REOPEN), sends=True,
              receives=False, forwards=frozenset({BELUM_DIBAHAS}), limits=True, survey=True,
              meeting=MeetingRule()),
    StageKind("musrenbang_desa", "village Musrenbang: decide, keep for village funds, send up",
              level=Level(2), creators=("operator",), default_creators=("operator",),
              decisions=(DITERIMA, DITERIMA_DENGAN_PERUBAHAN, DITOLAK, DANA_DESA),
              actions=("ubah", "prioritas", REOPEN), sends=True, receives=True, forwards=_ACCEPTED,
              pending=frozenset({BELUM_DIBAHAS}), limits=True,
              meeting=MeetingRule(berita_acara=True, delegates=(3, 3), delegates_to_send=True)),
    StageKind("musrenbang_kecamatan", "sub-district Musrenbang: score, decide, route to agencies",
              level=Level(1), creators=("operator",), default_creators=("operator",),
              decisions=(DITERIMA, DITERIMA_DENGAN_PERUBAHAN, DITOLAK),
              actions=("ubah", "prioritas", "skor", "rute", REOPEN), sends=True, receives=True,
              forwards=_ACCEPTED, pending=frozenset({BELUM_DIBAHAS}), limits=True, scores=True,
              routes=True, meeting=MeetingRule(berita_acara=True, delegates=(1, 5))),
    StageKind("pokir", "DPRD members enter, Setwan checks, Bappeda validates, routed to agencies",
              level=Level("dprd"), creators=("dprd",), default_creators=("dprd",),
              decisions=(DITERIMA, DITOLAK), actions=("ubah", "periksa", "rute", REOPEN), sends=True,
              receives=False, forwards=frozenset({DITERIMA}),
              pending=frozenset({BELUM_DIBAHAS, DIPERIKSA}), limits=True, routes=True),
    StageKind("forum_pd", "agency forum: accept and map to a sub kegiatan, reject, or hand over",
              level=Level("pd"), creators=("operator_pd",), default_creators=(),
              decisions=(DITERIMA, DITERIMA_DENGAN_PERUBAHAN, DITOLAK),
              actions=("ubah", "skor", "alihkan", REOPEN), sends=True, receives=True, forwards=_ACCEPTED,
              pending=frozenset({BELUM_DIBAHAS}), limits=True, scores=True, needs_mapping=True),
    StageKind("musrenbang_rkpd", "Bappeda consolidates and verifies within each agency's ceiling",
              level=Level("bappeda"), creators=(), default_creators=(),
              decisions=(DITERIMA, DITERIMA_DENGAN_PERUBAHAN, DITOLAK), actions=("ubah", REOPEN),
              sends=True, receives=True, forwards=_ACCEPTED, pending=frozenset({BELUM_DIBAHAS}),
              limits=True, needs_mapping=True),
    StageKind("penetapan_rkpd", "the RKPD is set, locked and published, then handed to budgeting",
              level=Level("bappeda"), creators=(), default_creators=(), decisions=(), actions=(),
              sends=True, receives=True, forwards=frozenset({BELUM_DIBAHAS}), editable=False,
              send_event="tetapkan"),
    StageKind("penganggaran", "budgeting: each planned item comes back funded or not funded",
              level=Level("bappeda"), creators=(), default_creators=(),
              decisions=(DIDANAI, TIDAK_DIDANAI), actions=(), sends=False, receives=True,
              editable=False),
)}
