"""A proposal's whole journey, from the neighbourhood meeting to the budget."""

from __future__ import annotations

from decimal import Decimal

from eplanning_core.workflow import (ProposalState, apply, create, cycle_from_config,
                                     default_stage_config, send)
from workflow_region import (ACTORS, DURING, GOOD_SUB, KEC1, KEL1, LING1, LING2, PU,
                             wib)


class Ledger:
    """Plays the database: applies transitions and keeps every history event."""

    def __init__(self):
        self.states: dict[int, ProposalState] = {}
        self.events = []
        self._next = 1

    def add(self, creation):
        ident, self._next = self._next, self._next + 1
        self.states[ident] = creation.state.with_changes({"id": ident})
        self.events.append(creation.event)
        return ident

    def do(self, transition):
        self.states[transition.proposal_id] = transition.applied_to(
            self.states[transition.proposal_id])
        self.events.append(transition.event)

    def history(self, ident):
        return [e for e in self.events if e.proposal_id in (ident, None)]

    def at(self, stage_key):
        return [s for s in self.states.values() if s.stage_key == stage_key]


def test_from_lingkungan_to_penganggaran(cycle):
    a, db = ACTORS, Ledger()
    now = DURING["rembuk_warga"]
    road = db.add(create(cycle, "rembuk_warga", a["ling1"], now, unit_code=LING1,
                         total=150_000_000))
    drain = db.add(create(cycle, "rembuk_warga", a["ling1"], now, unit_code=LING1,
                          total=40_000_000))
    dropped = db.add(create(cycle, "rembuk_warga", a["ling1"], now, unit_code=LING1, total=5))
    assert db.states[road].source == "lingkungan"
    db.do(apply(cycle, db.states[dropped], a["ling1"], "ditolak", now, reason="Double entry"))
    for ident in (road, drain):
        db.do(apply(cycle, db.states[ident], a["ling1"], "survei_selesai", now))
    batch = send(cycle, "rembuk_warga", LING1, db.at("rembuk_warga"), a["ling1"], now)
    assert (batch.count, batch.total, batch.to_stage) == (2, 190_000_000, "musrenbang_desa")
    for t in batch.transitions:
        db.do(t)
    assert db.states[dropped].closed and db.states[dropped].stage_key == "rembuk_warga"

    now = DURING["musrenbang_desa"]
    db.do(apply(cycle, db.states[road], a["kel1"], "diterima_dengan_perubahan", now,
                reason="Volume corrected after the survey", total=120_000_000))
    db.do(apply(cycle, db.states[drain], a["kel1"], "dana_desa", now))
    db.do(apply(cycle, db.states[road], a["kel1"], "prioritas", now, priority=1))
    for t in send(cycle, "musrenbang_desa", KEL1, db.at("musrenbang_desa"), a["kel1"],
                  now).transitions:
        db.do(t)
    assert db.states[drain].stage_key == "musrenbang_desa" and db.states[drain].closed

    now = DURING["musrenbang_kecamatan"]
    db.do(apply(cycle, db.states[road], a["kec1"], "skor", now,
                points={"keterdesakan": 5, "pertumbuhan_ekonomi": 4, "potensi_lokasi": 3,
                        "kemiskinan": 4, "manfaat": 5, "partisipasi": 2}))
    assert db.states[road].score == Decimal(25 * 5 + 15 * 4 + 15 * 3 + 20 * 4 + 15 * 5 + 10 * 2)
    db.do(apply(cycle, db.states[road], a["kec1"], "diterima", now))
    db.do(apply(cycle, db.states[road], a["kec1"], "rute", now, agency_id=PU))
    for t in send(cycle, "musrenbang_kecamatan", KEC1, db.at("musrenbang_kecamatan"),
                  a["kec1"], now).transitions:
        db.do(t)

    now = DURING["forum_pd"]
    db.do(apply(cycle, db.states[road], a["pu"], "diterima", now, sub_kegiatan=GOOD_SUB,
                pagu=110_000_000, target="400 m"))
    for t in send(cycle, "forum_pd", PU, db.at("forum_pd"), a["pu"], now).transitions:
        db.do(t)
    now = DURING["musrenbang_rkpd"]
    db.do(apply(cycle, db.states[road], a["bappeda"], "diterima", now))
    for t in send(cycle, "musrenbang_rkpd", PU, db.at("musrenbang_rkpd"), a["bappeda"],
                  now).transitions:
        db.do(t)
    now = DURING["penetapan_rkpd"]
    batch = send(cycle, "penetapan_rkpd", PU, db.at("penetapan_rkpd"), a["bappeda"], now)
    assert [t.event.type for t in batch.forwarded] == ["tetapkan"]
    for t in batch.transitions:
        db.do(t)
    now = DURING["penganggaran"]
    db.do(apply(cycle, db.states[road], a["bappeda"], "didanai", now, amount=105_000_000))

    final = db.states[road]
    assert (final.stage_key, final.status, final.funded_amount) == (
        "penganggaran", "didanai", 105_000_000)
    assert (final.pagu, final.sub_kegiatan, final.agency_id, final.total) == (
        110_000_000, GOOD_SUB, PU, 120_000_000)
    history = [e for e in db.events if e.proposal_id == road]
    assert [e.type for e in history] == [
        "survei_selesai", "kirim", "diterima_dengan_perubahan", "prioritas", "kirim", "skor",
        "diterima", "rute", "kirim", "diterima", "kirim", "diterima", "kirim", "tetapkan",
        "didanai"]
    moves = [(e.from_stage, e.to_stage) for e in history if e.from_stage != e.to_stage]
    assert moves == [("rembuk_warga", "musrenbang_desa"),
                     ("musrenbang_desa", "musrenbang_kecamatan"),
                     ("musrenbang_kecamatan", "forum_pd"), ("forum_pd", "musrenbang_rkpd"),
                     ("musrenbang_rkpd", "penetapan_rkpd"), ("penetapan_rkpd", "penganggaran")]
    change = next(e for e in history if e.type == "diterima_dengan_perubahan")
    assert change.reason == "Volume corrected after the survey"
    assert change.data["total"] == 120_000_000
    assert all(e.actor_id is not None and e.at.tzinfo is not None for e in history)


def test_pokir_from_entry_to_the_agency_forum(cycle):
    a, db = ACTORS, Ledger()
    entry = DURING["pokir"]
    ident = db.add(create(cycle, "pokir", a["dprd1"], entry, unit_code=KEL1, total=75_000_000))
    state = db.states[ident]
    assert (state.source, state.owner_id) == ("pokir", a["dprd1"].user_id)
    later = wib(2026, 3, 3, 9)  # entry closed on 22 February, checking goes on
    db.do(apply(cycle, db.states[ident], a["setwan"], "periksa", later))
    db.do(apply(cycle, db.states[ident], a["bappeda"], "diterima", later))
    db.do(apply(cycle, db.states[ident], a["setwan"], "rute", later, agency_id=PU))
    batch = send(cycle, "pokir", a["dprd1"].user_id, db.at("pokir"), a["setwan"], later)
    assert batch.to_stage == "forum_pd"
    for t in batch.transitions:
        db.do(t)
    assert (db.states[ident].stage_key, db.states[ident].status) == ("forum_pd", "belum_dibahas")


def test_a_region_without_rembuk_warga_starts_at_the_village(cycle):
    config = [s for s in default_stage_config(2027) if s["kind"] != "rembuk_warga"]
    region = cycle_from_config(2027, config, "Asia/Jakarta")
    assert region.stages[0].key == "musrenbang_desa"
    now = DURING["musrenbang_desa"]
    creation = create(region, "musrenbang_desa", ACTORS["kel1"], now, unit_code=LING2, total=1)
    assert creation.state.source == "kelurahan"
    state = creation.state.with_changes({"id": 7})
    state = apply(region, state, ACTORS["kel1"], "diterima", now).applied_to(state)
    [up] = send(region, "musrenbang_desa", KEL1, [state], ACTORS["kel1"], now).forwarded
    assert up.changes["stage_key"] == "musrenbang_kecamatan"
