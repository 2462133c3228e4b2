"""Every refusal the engine gives, with the params the interface will translate."""

from __future__ import annotations

import pytest

from eplanning_core.workflow import (RULES, Refusal, Refused, allowed, apply, check,
                                     check_create, check_extend, check_send,
                                     cycle_from_config, default_cycle, default_stage_config,
                                     send)
from workflow_region import (ACTORS, DURING, GOOD_SUB, KEC1, KEL1, KEL2, KES, LING1, LING3,
                             PU, UTC, item, wib)

A = ACTORS
CYCLE = default_cycle(2027)


def _cycle_with(stage_key, **changes):
    config = default_stage_config(2027)
    for stage in config:
        if stage["key"] == stage_key:
            stage.update(changes)
    return cycle_from_config(2027, config, "Asia/Jakarta")


def _fixed(cycle):
    import dataclasses

    return dataclasses.replace(cycle, fixed=True)


# ---- one real scenario per rule code --------------------------------------------------------

SCENARIOS = {
    "unknown_stage": lambda: check(CYCLE, item(1, "musrenbang_kota"), A["bappeda"], "diterima",
                                   DURING["forum_pd"]),
    "wrong_stage": lambda: check(CYCLE, item(1, "musrenbang_desa", unit_code=KEL1), A["kel1"],
                                 "diterima", DURING["musrenbang_desa"],
                                 stage="musrenbang_kecamatan"),
    "stage_skip": lambda: check_send(CYCLE, "musrenbang_desa", KEL1,
                                     [item(1, "musrenbang_desa", status="diterima")], A["kel1"],
                                     DURING["musrenbang_desa"], to_stage="forum_pd"),
    "decision_not_allowed": lambda: check(CYCLE, item(1, "musrenbang_kecamatan"), A["kec1"],
                                          "dana_desa", DURING["musrenbang_kecamatan"]),
    "stage_closed": lambda: check(CYCLE, item(1, "penetapan_rkpd"), A["bappeda"], "ubah",
                                  DURING["penetapan_rkpd"], fields=["volume"], reason="fix it"),
    "wrong_role": lambda: check(CYCLE, item(1, "musrenbang_desa"), A["pu"], "diterima",
                                DURING["musrenbang_desa"]),
    "out_of_scope": lambda: check(CYCLE, item(1, "musrenbang_desa"), A["kel2"], "diterima",
                                  DURING["musrenbang_desa"]),
    "outside_window": lambda: check(CYCLE, item(1, "musrenbang_desa"), A["kel1"], "diterima",
                                    wib(2026, 2, 15, 0, 0)),
    "entry_closed": lambda: check_create(CYCLE, "pokir", A["dprd1"], wib(2026, 2, 23, 8),
                                         unit_code=KEL1, total=1),
    "already_sent": lambda: check(CYCLE, item(1, "musrenbang_desa", status="ditolak",
                                              closed=True),
                                  A["kel1"], "diterima", DURING["musrenbang_desa"]),
    "already_done": lambda: check(CYCLE, item(1, "rembuk_warga", surveyed=True), A["ling1"],
                                  "survei_selesai", DURING["rembuk_warga"]),
    "wrong_status": lambda: check(CYCLE, item(1, "pokir", owner_id=20), A["bappeda"], "diterima",
                                  DURING["pokir"]),
    "reason_required": lambda: check(CYCLE, item(1, "musrenbang_desa"), A["kel1"], "ditolak",
                                     DURING["musrenbang_desa"]),
    "locked": lambda: check(CYCLE, item(1, "musrenbang_desa"), A["kel1"], "ubah",
                            DURING["musrenbang_desa"], fields=["volume"]),
    "missing_field": lambda: check(CYCLE, item(1, "forum_pd"), A["pu"], "diterima",
                                   DURING["forum_pd"]),
    "invalid_input": lambda: check(CYCLE, item(1, "musrenbang_desa"), A["kel1"], "prioritas",
                                   DURING["musrenbang_desa"], priority=0),
    "undecided": lambda: check_send(CYCLE, "musrenbang_desa", KEL1,
                                    [item(1, "musrenbang_desa")], A["kel1"],
                                    DURING["musrenbang_desa"]),
    "not_surveyed": lambda: check_send(CYCLE, "rembuk_warga", LING1, [item(1, "rembuk_warga")],
                                       A["ling1"], DURING["rembuk_warga"]),
    "quota_exceeded": lambda: check_send(
        _cycle_with("musrenbang_desa", quota=1), "musrenbang_desa", KEL1,
        [item(i, "musrenbang_desa", status="diterima") for i in (1, 2)], A["kel1"],
        DURING["musrenbang_desa"]),
    "ceiling_exceeded": lambda: check_send(
        _cycle_with("musrenbang_desa", ceiling=15_000_000), "musrenbang_desa", KEL1,
        [item(i, "musrenbang_desa", status="diterima") for i in (1, 2)], A["kel1"],
        DURING["musrenbang_desa"]),
    "meeting_incomplete": lambda: check_send(
        CYCLE, "musrenbang_desa", KEL1, [item(1, "musrenbang_desa", status="diterima")], A["kel1"],
        DURING["musrenbang_desa"], meeting_missing=["berita_acara"]),
    "sent_reopen": lambda: check(CYCLE, item(1, "musrenbang_desa", unit_code=KEL1, status="ditolak",
                                             closed=True),
                                 A["kel1"], "buka_kembali", DURING["musrenbang_desa"],
                                 reason="salah klik"),
    "plan_set": lambda: check(_fixed(CYCLE), item(1, "musrenbang_desa", unit_code=KEL1,
                                                  status="ditolak"),
                              A["kel1"], "buka_kembali", DURING["musrenbang_desa"],
                              reason="salah klik"),
    "invalid_extension": lambda: check_extend(CYCLE, A["bappeda"], "musrenbang_desa",
                                              wib(2026, 2, 10).replace(tzinfo=None), "late",
                                              DURING["musrenbang_desa"]),
}


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_has_a_real_scenario_and_a_readable_message(rule):
    refusal = SCENARIOS[rule]()
    assert isinstance(refusal, Refusal)
    assert refusal.rule == rule
    assert refusal.message and "{" not in refusal.message
    assert all(isinstance(v, (str, int, list, type(None))) for v in refusal.params.values()), \
        "params must stay plain so the UI can translate and the API can return them"


def test_unknown_rule_codes_cannot_be_made_up():
    with pytest.raises(ValueError):
        Refusal("not_a_rule", {})


def test_apply_raises_the_same_refusal_that_check_returns():
    state = item(1, "musrenbang_desa")
    expected = check(CYCLE, state, A["kel1"], "ditolak", DURING["musrenbang_desa"])
    with pytest.raises(Refused) as raised:
        apply(CYCLE, state, A["kel1"], "ditolak", DURING["musrenbang_desa"])
    assert raised.value.refusal == expected


# ---- windows and time zones -------------------------------------------------------------

def test_desa_window_closes_at_midnight_wib_not_midnight_utc():
    state = item(1, "musrenbang_desa")
    last_minute = wib(2026, 2, 14, 23, 59)
    assert check(CYCLE, state, A["kel1"], "diterima", last_minute) is None
    assert check(CYCLE, state, A["kel1"], "diterima", last_minute.astimezone(UTC)) is None
    utc_evening = wib(2026, 2, 15, 0, 0).astimezone(UTC)  # 17:00 UTC on the 14th
    assert utc_evening.day == 14, "still 14 February in UTC"
    refusal = check(CYCLE, state, A["kel1"], "diterima", utc_evening)
    assert refusal.rule == "outside_window"
    assert refusal.params["closes"] == "2026-02-15 00:00"
    assert refusal.params["now"] == "2026-02-15 00:00"
    assert refusal.params["timezone"] == "Asia/Jakarta"


def test_the_same_dates_close_earlier_in_wita():
    from zoneinfo import ZoneInfo

    makassar = cycle_from_config(2027, default_stage_config(2027), "Asia/Makassar")
    state = item(1, "musrenbang_desa")
    moment = wib(2026, 2, 14, 23, 30)  # 00:30 WITA on the 15th
    assert check(CYCLE, state, A["kel1"], "diterima", moment) is None
    assert check(makassar, state, A["kel1"], "diterima", moment).rule == "outside_window"
    before = moment.astimezone(ZoneInfo("Asia/Makassar")).replace(hour=23, day=14)
    assert check(makassar, state, A["kel1"], "diterima", before) is None


def test_window_opens_inclusively_at_local_midnight():
    state = item(1, "musrenbang_desa")
    assert check(CYCLE, state, A["kel1"], "diterima", wib(2026, 2, 1, 0, 0)) is None
    early = check(CYCLE, state, A["kel1"], "diterima", wib(2026, 1, 31, 23, 59))
    assert early.rule == "outside_window" and early.params["opens"] == "2026-02-01 00:00"


def test_naive_now_is_a_programming_error():
    with pytest.raises(ValueError):
        check(CYCLE, item(1, "musrenbang_desa"), A["kel1"], "diterima",
              wib(2026, 2, 5).replace(tzinfo=None))


def test_extension_for_one_kelurahan_is_honoured_for_that_kelurahan_only():
    from eplanning_core.workflow import extend

    late = wib(2026, 2, 17, 10)
    mine, theirs = item(1, "musrenbang_desa"), item(2, "musrenbang_desa", unit_code=LING3)
    assert check(CYCLE, mine, A["kel1"], "diterima", late).rule == "outside_window"
    ext = extend(CYCLE, A["bappeda"], "musrenbang_desa", wib(2026, 2, 20).date(),
                 "Flood on the meeting day", late, holder=KEL1)
    extended = CYCLE.with_extension(ext)
    assert check(extended, mine, A["kel1"], "diterima", late) is None
    assert check(extended, theirs, A["kel2"], "diterima", late).rule == "outside_window"
    assert check(extended, mine, A["kel1"], "diterima", wib(2026, 2, 21, 0, 0)).rule \
        == "outside_window"
    assert (ext.reason, ext.granted_by, ext.holder) == ("Flood on the meeting day", 1, KEL1)


def test_only_bappeda_extends_and_always_with_a_reason():
    now = DURING["musrenbang_desa"]
    until = wib(2026, 2, 20).date()
    assert check_extend(CYCLE, A["kel1"], "musrenbang_desa", until, "please", now).rule \
        == "wrong_role"
    assert check_extend(CYCLE, A["bappeda"], "musrenbang_desa", until, "  ", now).rule \
        == "reason_required"
    assert check_extend(CYCLE, A["bappeda"], "musrenbang_desa", until, "Flood", now) is None


def test_pokir_entry_closes_before_the_checking_does():
    after_entry = wib(2026, 2, 23, 8)
    refusal = check_create(CYCLE, "pokir", A["dprd1"], after_entry, unit_code=KEL1, total=1)
    assert refusal.rule == "entry_closed" and refusal.params["closes"] == "2026-02-23 00:00"
    pokir = item(1, "pokir", owner_id=20, unit_code=KEL1)
    assert check(CYCLE, pokir, A["setwan"], "periksa", after_entry) is None
    # a window extension does not reopen entry; an entry extension does
    from eplanning_core.workflow import extend

    window_only = CYCLE.with_extension(extend(CYCLE, A["bappeda"], "pokir",
                                              wib(2026, 3, 10).date(), "Plenary moved",
                                              after_entry))
    assert check_create(window_only, "pokir", A["dprd1"], after_entry, unit_code=KEL1,
                        total=1).rule == "entry_closed"
    reopened = CYCLE.with_extension(extend(CYCLE, A["bappeda"], "pokir", wib(2026, 2, 25).date(),
                                           "Recess plenary moved", after_entry, entry=True))
    assert check_create(reopened, "pokir", A["dprd1"], after_entry, unit_code=KEL1,
                        total=1) is None


# ---- roles and scope --------------------------------------------------------------------

@pytest.mark.parametrize("who, rule", [
    ("kel1", None), ("bappeda", None), ("kel2", "out_of_scope"), ("ling1", "wrong_role"),
    ("kec1", "wrong_role"), ("pu", "wrong_role"), ("dprd1", "wrong_role"),
    ("setwan", "wrong_role"), ("viewer", "wrong_role"),
])
def test_who_decides_at_the_kelurahan(who, rule):
    refusal = check(CYCLE, item(1, "musrenbang_desa"), A[who], "diterima",
                    DURING["musrenbang_desa"])
    assert (refusal.rule if refusal else None) == rule


def test_wrong_level_names_both_levels():
    refusal = check(CYCLE, item(1, "musrenbang_desa"), A["kec1"], "diterima",
                    DURING["musrenbang_desa"])
    assert (refusal.params["level"], refusal.params["actor_level"]) == (2, 1)


def test_agency_and_council_scope():
    at_forum = item(1, "forum_pd", agency_id=PU)
    assert check(CYCLE, at_forum, A["kes"], "ditolak", DURING["forum_pd"],
                 reason="Not our affair").rule == "out_of_scope"
    pokir = item(2, "pokir", owner_id=A["dprd1"].user_id)
    edit = dict(fields=["volume"])
    assert check(CYCLE, pokir, A["dprd1"], "ubah", DURING["pokir"], **edit) is None
    assert check(CYCLE, pokir, A["dprd2"], "ubah", DURING["pokir"], **edit).rule == "out_of_scope"
    assert check(CYCLE, pokir, A["dprd1"], "periksa", DURING["pokir"]).rule == "wrong_role"
    assert check(CYCLE, pokir, A["dprd1"], "ditolak", DURING["pokir"],
                 reason="changed my mind").rule == "wrong_role"


def test_dprd_enters_pokir_only_inside_its_dapil():
    now = DURING["pokir"]
    assert check_create(CYCLE, "pokir", A["dprd1"], now, unit_code=KEL1, total=1) is None
    assert check_create(CYCLE, "pokir", A["dprd2"], now, unit_code=KEL1, total=1).rule \
        == "out_of_scope"


def test_operators_enter_proposals_only_in_their_own_unit_and_stage():
    now = DURING["rembuk_warga"]
    assert check_create(CYCLE, "rembuk_warga", A["ling1"], now, unit_code=LING1) is None
    assert check_create(CYCLE, "rembuk_warga", A["ling1"], now, unit_code=LING3).rule \
        == "out_of_scope"
    assert check_create(CYCLE, "rembuk_warga", A["kel1"], now, unit_code=LING1).rule \
        == "wrong_role"
    assert check_create(CYCLE, "musrenbang_rkpd", A["bappeda"], DURING["musrenbang_rkpd"],
                        unit_code=KEC1).rule == "decision_not_allowed"
    assert check_create(CYCLE, "musrenbang_desa", A["kel1"], DURING["musrenbang_desa"],
                        unit_code=KEC1).rule == "invalid_input"
    assert check_create(CYCLE, "musrenbang_desa", A["kel1"], DURING["musrenbang_desa"],
                        unit_code=KEL1, total=1.5).rule == "invalid_input"


# ---- reasons, locks, required fields ----------------------------------------------------

@pytest.mark.parametrize("reason", [None, "", "   ", "ok"])
def test_rejection_and_change_need_a_real_reason(reason):
    now = DURING["musrenbang_desa"]
    state = item(1, "musrenbang_desa")
    for action in ("ditolak", "diterima_dengan_perubahan"):
        refusal = check(CYCLE, state, A["kel1"], action, now, reason=reason)
        assert refusal.rule == "reason_required" and refusal.params["action"] == action
        assert check(CYCLE, state, A["kel1"], action, now, reason="Outside the kelurahan") is None


def test_handing_to_another_agency_needs_a_reason_and_another_agency():
    now, state = DURING["forum_pd"], item(1, "forum_pd", agency_id=PU)
    assert check(CYCLE, state, A["pu"], "alihkan", now, agency_id=KES).rule == "reason_required"
    assert check(CYCLE, state, A["pu"], "alihkan", now, agency_id=PU,
                 reason="Health matter").rule == "invalid_input"
    t = apply(CYCLE, state.with_changes({"sub_kegiatan": GOOD_SUB, "pagu": 5}), A["pu"],
              "alihkan", now, agency_id=KES, reason="Health matter")
    assert t.changes == {"agency_id": KES, "status": "belum_dibahas", "sub_kegiatan": None,
                         "pagu": None, "target": None}


def test_sent_items_are_locked_unless_the_change_has_a_reason():
    now, state = DURING["musrenbang_desa"], item(1, "musrenbang_desa", locked=True)
    refusal = check(CYCLE, state, A["kel1"], "ubah", now, fields=["permasalahan"])
    assert refusal.rule == "locked" and refusal.params["why"] == "sent up"
    t = apply(CYCLE, state, A["kel1"], "ubah", now, fields=["permasalahan"],
              reason="Berita acara perubahan no. 12")
    assert t.event.reason == "Berita acara perubahan no. 12"
    assert t.event.data["fields"] == ["permasalahan"]


def test_a_finished_survey_locks_only_the_survey_fields():
    now = DURING["rembuk_warga"]
    state = item(1, "rembuk_warga", surveyed=True)
    assert check(CYCLE, state, A["ling1"], "ubah", now, fields=["permasalahan"]) is None
    refusal = check(CYCLE, state, A["ling1"], "ubah", now, fields=["permasalahan", "volume"])
    assert refusal.rule == "locked" and refusal.params["fields"] == ["volume"]
    assert check(CYCLE, state, A["ling1"], "ubah", now, fields=["x"], total=5).rule == "locked"
    fresh = item(2, "rembuk_warga")
    assert check(CYCLE, fresh, A["ling1"], "ubah", now, fields=["volume"], total=5) is None


def test_accepting_at_the_agency_forum_needs_code_and_pagu():
    now, state = DURING["forum_pd"], item(1, "forum_pd")
    refusal = check(CYCLE, state, A["pu"], "diterima", now)
    assert refusal.params["fields"] == ["sub_kegiatan", "pagu"]
    assert check(CYCLE, state, A["pu"], "diterima", now, sub_kegiatan=GOOD_SUB).params[
        "fields"] == ["pagu"]
    assert check(CYCLE, state, A["pu"], "diterima", now, sub_kegiatan="1.03.10", pagu=5).rule \
        == "invalid_input"
    assert check(CYCLE, state, A["pu"], "diterima", now, sub_kegiatan="1.03.10.2.01.0005",
                 pagu=5) is None
    mapped = state.with_changes({"sub_kegiatan": GOOD_SUB, "pagu": 7})
    assert check(CYCLE, mapped, A["pu"], "diterima", now) is None


def test_money_inputs_must_be_whole_rupiah():
    now, state = DURING["forum_pd"], item(1, "forum_pd")
    for bad in (1.5, "5000", True, 0, -3):
        assert check(CYCLE, state, A["pu"], "diterima", now, sub_kegiatan=GOOD_SUB,
                     pagu=bad).rule == "invalid_input", bad
    budget = item(2, "penganggaran")
    assert check(CYCLE, budget, A["bappeda"], "didanai", DURING["penganggaran"]).rule \
        == "missing_field"
    assert check(CYCLE, budget, A["bappeda"], "didanai", DURING["penganggaran"],
                 amount=2.5e6).rule == "invalid_input"


def test_unknown_inputs_are_a_programming_error():
    with pytest.raises(TypeError):
        check(CYCLE, item(1, "musrenbang_desa"), A["kel1"], "diterima",
              DURING["musrenbang_desa"], pagu=5)


# ---- stage rules ------------------------------------------------------------------------

def test_a_stage_may_narrow_its_decisions():
    no_village_funds = _cycle_with("musrenbang_desa",
                                   decisions=["diterima", "diterima_dengan_perubahan", "ditolak"])
    refusal = check(no_village_funds, item(1, "musrenbang_desa"), A["kel1"], "dana_desa",
                    DURING["musrenbang_desa"])
    assert refusal.rule == "decision_not_allowed"
    assert "dana_desa" not in refusal.params["allowed"]
    assert "dana_desa" in [a.name for a in allowed(CYCLE, item(1, "musrenbang_desa"),
                                                      A["kel1"], DURING["musrenbang_desa"])]


def test_pokir_must_be_checked_before_it_is_validated():
    pokir = item(1, "pokir", owner_id=20)
    refusal = check(CYCLE, pokir, A["bappeda"], "diterima", DURING["pokir"])
    assert refusal.params == {"action": "diterima", "status": "belum_dibahas",
                              "expected": ["diperiksa"]}
    checked = pokir.with_changes({"status": "diperiksa"})
    assert check(CYCLE, checked, A["bappeda"], "diterima", DURING["pokir"]) is None


def test_after_sending_what_stayed_behind_is_final():
    now = DURING["musrenbang_desa"]
    kept = item(1, "musrenbang_desa", status="ditolak", closed=True)
    for action, extra in (("diterima", {}), ("ubah", {"fields": ["x"], "reason": "fix it"})):
        assert check(CYCLE, kept, A["kel1"], action, now, **extra).rule == "already_sent"
    assert check_create(CYCLE, "musrenbang_desa", A["kel1"], now, unit_code=KEL1,
                        already_sent=True).rule == "already_sent"
    assert check_send(CYCLE, "musrenbang_desa", KEL1, [], A["kel1"], now,
                      already_sent=True).rule == "already_sent"


def test_the_plan_cannot_be_edited_once_set():
    refusal = check(CYCLE, item(1, "penganggaran"), A["bappeda"], "ubah",
                    DURING["penganggaran"], fields=["volume"], reason="budget cut")
    assert refusal.rule == "stage_closed"
    assert check_send(CYCLE, "penganggaran", PU, [], A["bappeda"],
                      DURING["penganggaran"]).rule == "stage_closed"


# ---- batches ----------------------------------------------------------------------------

def test_quota_counts_only_what_goes_up_and_honours_overrides():
    region = _cycle_with("musrenbang_desa", quota={"default": 2, "overrides": {KEL2: 3}})
    now = DURING["musrenbang_desa"]
    three = [item(i, "musrenbang_desa", status="diterima") for i in (1, 2, 3)]
    refusal = check_send(region, "musrenbang_desa", KEL1, three, A["kel1"], now)
    assert refusal.params == {"stage": "musrenbang_desa", "holder": KEL1, "count": 3, "quota": 2}
    with_rejected = three[:2] + [three[2].with_changes({"status": "ditolak"})]
    assert check_send(region, "musrenbang_desa", KEL1, with_rejected, A["kel1"], now) is None
    theirs = [item(i, "musrenbang_desa", status="diterima", unit_code=LING3) for i in (1, 2, 3)]
    assert check_send(region, "musrenbang_desa", KEL2, theirs, A["kel2"], now) is None


def test_ceiling_allows_exactly_the_pagu_and_not_a_rupiah_more():
    region = _cycle_with("musrenbang_kecamatan", ceiling=30_000_000)
    now = DURING["musrenbang_kecamatan"]
    items = [item(i, "musrenbang_kecamatan", status="diterima", agency_id=PU,
                  total=15_000_000) for i in (1, 2)]
    assert check_send(region, "musrenbang_kecamatan", KEC1, items, A["kec1"], now) is None
    items[1] = items[1].with_changes({"total": 15_000_001})
    refusal = check_send(region, "musrenbang_kecamatan", KEC1, items, A["kec1"], now)
    assert refusal.rule == "ceiling_exceeded"
    assert (refusal.params["total"], refusal.params["ceiling"], refusal.params["excess"]) == (
        30_000_001, 30_000_000, 1)
    assert "Rp 30.000.000" in refusal.message


def test_agency_ceiling_counts_the_pagu_not_the_proposed_total():
    region = _cycle_with("forum_pd", ceiling={"overrides": {PU: 100}})
    now = DURING["forum_pd"]
    mapped = [item(i, "forum_pd", status="diterima", sub_kegiatan=GOOD_SUB, pagu=50,
                   total=10_000) for i in (1, 2)]
    assert check_send(region, "forum_pd", PU, mapped, A["pu"], now) is None
    assert check_send(region, "forum_pd", PU, mapped[:1] + [mapped[1].with_changes({"pagu": 51})],
                      A["pu"], now).rule == "ceiling_exceeded"
    assert check_send(region, "forum_pd", KES,
                      [m.with_changes({"agency_id": KES}) for m in mapped], A["kes"], now) is None


def test_a_batch_needs_routing_before_the_agency_forum():
    now = DURING["musrenbang_kecamatan"]
    items = [item(1, "musrenbang_kecamatan", status="diterima", agency_id=PU),
             item(2, "musrenbang_kecamatan", status="diterima")]
    refusal = check_send(CYCLE, "musrenbang_kecamatan", KEC1, items, A["kec1"], now)
    assert refusal.rule == "missing_field"
    assert (refusal.params["fields"], refusal.params["ids"]) == (["agency_id"], [2])


def test_a_batch_is_sent_by_its_holder_only():
    now = DURING["musrenbang_desa"]
    items = [item(1, "musrenbang_desa", status="diterima")]
    assert check_send(CYCLE, "musrenbang_desa", KEL1, items, A["kel2"], now).rule \
        == "out_of_scope"
    assert check_send(CYCLE, "musrenbang_desa", KEL2, items, A["kel2"], now).rule \
        == "out_of_scope"
    assert check_send(CYCLE, "musrenbang_desa", KEL1, items, A["ling1"], now).rule \
        == "wrong_role"
    assert check_send(CYCLE, "musrenbang_desa", KEL1, items, A["bappeda"], now) is None


def test_undecided_items_are_listed_with_their_count():
    now = DURING["musrenbang_desa"]
    items = [item(i, "musrenbang_desa") for i in range(30)]
    refusal = check_send(CYCLE, "musrenbang_desa", KEL1, items, A["kel1"], now)
    assert refusal.params["count"] == 30 and len(refusal.params["ids"]) == 20
    assert "and 10 more" in refusal.message


def test_send_refuses_nothing_but_the_next_stage():
    now = DURING["musrenbang_desa"]
    items = [item(1, "musrenbang_desa", status="diterima")]
    assert check_send(CYCLE, "musrenbang_desa", KEL1, items, A["kel1"], now,
                      to_stage="musrenbang_kecamatan") is None
    refusal = check_send(CYCLE, "musrenbang_desa", KEL1, items, A["kel1"], now,
                         to_stage="forum_pd")
    assert refusal.params == {"from": "musrenbang_desa", "to": "forum_pd",
                              "next": "musrenbang_kecamatan"}
    with pytest.raises(Refused):
        send(CYCLE, "musrenbang_desa", KEL1, items, A["kel1"], now, to_stage="penganggaran")
    assert check_send(CYCLE, "musrenbang_desa", KEL1,
                      [item(2, "musrenbang_kecamatan", status="diterima")], A["kel1"],
                      now).rule == "wrong_stage"
