"""Sending a holder's batch up: what moves, what stays, and how it scales."""

from __future__ import annotations

import time

import pytest

from eplanning_core.workflow import (Refused, check_send, cycle_from_config,
                                     default_stage_config, send, usage)
from workflow_region import ACTORS, DURING, KEC1, KEL1, LING1, LING2, PU, item

NOW = DURING["musrenbang_desa"]


def test_accepted_go_up_locked_and_the_rest_stay_closed(cycle):
    items = [item(1, "musrenbang_desa", status="diterima", total=5),
             item(2, "musrenbang_desa", status="diterima_dengan_perubahan", total=7,
                  unit_code=LING2),
             item(3, "musrenbang_desa", status="ditolak"),
             item(4, "musrenbang_desa", status="dana_desa")]
    batch = send(cycle, "musrenbang_desa", KEL1, items, ACTORS["kel1"], NOW)
    assert (batch.count, batch.total, batch.holder, batch.actor_id, batch.at) == (
        2, 12, KEL1, ACTORS["kel1"].user_id, NOW)
    assert [t.proposal_id for t in batch.forwarded] == [1, 2]
    assert [t.proposal_id for t in batch.kept] == [3, 4]
    for t in batch.forwarded:
        assert t.changes == {"stage_key": "musrenbang_kecamatan", "status": "belum_dibahas",
                             "locked": True}
        assert (t.event.type, t.event.from_stage, t.event.to_stage) == (
            "kirim", "musrenbang_desa", "musrenbang_kecamatan")
    for t, before in zip(batch.kept, items[2:]):
        assert t.changes == {"closed": True}
        assert (t.event.type, t.event.from_status, t.event.to_status) == (
            "tidak_diteruskan", before.status, before.status)
    after = [t.applied_to(s) for t, s in zip(batch.transitions, items)]
    assert {s.stage_key for s in after[:2]} == {"musrenbang_kecamatan"}
    assert all(s.closed and s.stage_key == "musrenbang_desa" for s in after[2:])


def test_an_empty_meeting_may_still_send_nothing(cycle):
    batch = send(cycle, "rembuk_warga", LING1, [], ACTORS["ling1"], DURING["rembuk_warga"])
    assert (batch.count, batch.total, batch.transitions) == (0, 0, ())


def test_refused_batch_changes_nothing_and_says_why(cycle):
    items = [item(1, "musrenbang_desa", status="diterima"), item(2, "musrenbang_desa")]
    with pytest.raises(Refused) as raised:
        send(cycle, "musrenbang_desa", KEL1, items, ACTORS["kel1"], NOW)
    assert raised.value.refusal.rule == "undecided"
    assert raised.value.refusal.params["ids"] == [2]
    assert items[0].stage_key == "musrenbang_desa"


def test_a_proposal_listed_twice_is_a_programming_error(cycle):
    one = item(1, "musrenbang_desa", status="diterima")
    with pytest.raises(ValueError):
        check_send(cycle, "musrenbang_desa", KEL1, [one, one], ACTORS["kel1"], NOW)


def test_usage_shows_what_the_holder_would_use():
    config = default_stage_config(2027)
    config[2].update(quota=3, ceiling=100)
    region = cycle_from_config(2027, config, "Asia/Jakarta")
    items = [item(i, "musrenbang_kecamatan", status=s, total=40, agency_id=PU)
             for i, s in enumerate(["diterima", "diterima", "ditolak", "belum_dibahas"])]
    u = usage(region, "musrenbang_kecamatan", KEC1, items)
    assert (u.count, u.total, u.quota, u.ceiling, u.fits) == (2, 80, 3, 100, True)
    u = usage(region, "musrenbang_kecamatan", KEC1, items + [item(9, "musrenbang_kecamatan",
                                                                  status="diterima", total=21)])
    assert u.fits is False


def test_twenty_thousand_proposals_in_one_pass():
    """Kota Medan has about 2,000 lingkungan: a kecamatan or agency batch is thousands."""
    config = default_stage_config(2027)
    config[2].update(quota=20_000, ceiling=20_000 * 10_000_000)
    region = cycle_from_config(2027, config, "Asia/Jakarta")
    items = [item(i, "musrenbang_kecamatan", status="diterima" if i % 5 else "ditolak",
                  agency_id=PU) for i in range(20_000)]
    started = time.perf_counter()
    batch = send(region, "musrenbang_kecamatan", KEC1, items, ACTORS["kec1"],
                 DURING["musrenbang_kecamatan"])
    elapsed = time.perf_counter() - started
    assert (batch.count, len(batch.kept)) == (16_000, 4_000)
    assert batch.total == 16_000 * 10_000_000
    print(f"{elapsed:.1f}s for 20,000 items")  # measured, not asserted (docs/performance.md)


def test_agency_holders_compare_as_text(cycle):
    """An id from a URL ("5") and from the database (5) name the same agency."""
    from eplanning_core.workflow import Actor, extend

    pd5 = Actor(12, "operator_pd", agency_id=5)
    mapped = item(1, "forum_pd", status="diterima", agency_id=5, sub_kegiatan="1.03.10.2.01.05",
                  pagu=3)
    now = DURING["forum_pd"]
    assert check_send(cycle, "forum_pd", "5", [mapped], pd5, now) is None
    late = now.replace(month=4, day=2)
    assert check_send(cycle, "forum_pd", 5, [mapped], pd5, late).rule == "outside_window"
    ext = extend(cycle, ACTORS["bappeda"], "forum_pd", late.date(), "Renja revision", late,
                 holder="5")
    assert check_send(cycle.with_extension(ext), "forum_pd", 5, [mapped], pd5, late) is None
