"""Stage definitions from tenant.toml dicts: the default set, region variants, and mistakes."""

from __future__ import annotations

import copy
import tomllib
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from eplanning_core.workflow import (Criterion, Cycle, Limit, StageConfigError,
                                     default_stage_config, default_stages, stages_from_config)

TOML = Path(__file__).parent / "data" / "default-stages-2027.toml"


def _config(**changes_by_key):
    config = copy.deepcopy(default_stage_config(2027))
    for stage in config:
        stage.update(changes_by_key.get(stage["key"], {}))
    return config


def _problems(config, tz="Asia/Jakarta"):
    with pytest.raises(StageConfigError) as raised:
        stages_from_config(config, tz)
    return raised.value.problems, str(raised.value)


def _dated(stage: dict, year: int) -> dict:
    """tenant.toml writes "01-15" (month-day); the cycle supplies the year N."""
    out = dict(stage)
    for key in ("opens", "closes", "entry_closes"):
        if key in out:
            month, day = map(int, out[key].split("-"))
            out[key] = date(year, month, day)
    return out


def test_the_toml_example_is_exactly_the_default_set():
    raw = tomllib.loads(TOML.read_text())["stages"]
    stages = stages_from_config([_dated(s, 2026) for s in raw], "Asia/Jakarta")
    assert stages == default_stages(2027)


def test_default_set_follows_the_planning_year():
    stages = default_stages(2028)
    assert [s.kind for s in stages] == [
        "rembuk_warga", "musrenbang_desa", "musrenbang_kecamatan", "pokir", "forum_pd",
        "musrenbang_rkpd", "penetapan_rkpd", "penganggaran"]
    assert all(s.opens.year == 2027 for s in stages), "RKPD 2028 is planned in 2027"
    assert stages[-1].closes == datetime(2028, 1, 1)  # through 31 December 2027
    by_key = {s.key: s for s in stages}
    assert by_key["musrenbang_kecamatan"].next == "forum_pd"
    assert by_key["pokir"].entry_closes == datetime(2027, 2, 23)
    assert sum(c.weight for c in by_key["musrenbang_kecamatan"].criteria) == 100


def test_defaults_fill_what_a_region_leaves_out():
    minimal = [
        {"key": "desa", "name": "Musrenbang Desa", "kind": "musrenbang_desa",
         "opens": "2026-02-01", "closes": "2026-02-10T16:00:00"},
        {"key": "kec", "name": "Musrenbang Kecamatan", "kind": "musrenbang_kecamatan",
         "opens": date(2026, 2, 11), "closes": date(2026, 2, 20)},
        {"key": "pokir", "name": "Pokir", "kind": "pokir", "opens": date(2026, 2, 1),
         "closes": date(2026, 2, 28)},
        {"key": "forum", "name": "Forum PD", "kind": "forum_pd", "opens": date(2026, 3, 1),
         "closes": date(2026, 3, 31)},
    ]
    desa, kec, pokir, forum = stages_from_config(minimal, "Asia/Jakarta")
    assert (desa.level.depth, desa.next, desa.creators) == (2, "kec", ("operator",))
    assert desa.closes == datetime(2026, 2, 10, 16, 0)
    assert kec.next == "forum" and pokir.next == "forum", "pokir receives nothing: skipped"
    assert forum.next is None, "the last stage this region runs in the system"


def test_a_region_may_rename_and_retime_pokir():
    config = _config(pokir={"name": "Pokir DPRD Kab. Agam", "opens": date(2026, 1, 5),
                            "entry_closes": datetime(2026, 1, 12, 16, 0),
                            "closes": date(2026, 1, 20)})
    pokir = {s.key: s for s in stages_from_config(config, "Asia/Jakarta")}["pokir"]
    assert (pokir.name, pokir.entry_closes) == ("Pokir DPRD Kab. Agam",
                                                datetime(2026, 1, 12, 16, 0))


def test_aware_times_are_converted_to_region_time():
    utc_morning = datetime(2026, 1, 15, 1, 0, tzinfo=timezone.utc)
    stages = stages_from_config(_config(rembuk_warga={"opens": utc_morning}), "Asia/Jayapura")
    assert stages[0].opens == datetime(2026, 1, 15, 10, 0)  # WIT is UTC+9


def test_limits_and_weights_are_read_exactly():
    config = _config(
        musrenbang_desa={"quota": 10, "ceiling": {"default": 1_500_000_000,
                                                  "overrides": {"12.71.01.1001": 2_000_000_000}}},
        musrenbang_kecamatan={"criteria": [{"key": "a", "name": "A", "weight": 0.1},
                                           {"key": "b", "name": "B", "weight": "2.5", "max": 3}]})
    by_key = {s.key: s for s in stages_from_config(config, "Asia/Jakarta")}
    desa = by_key["musrenbang_desa"]
    assert desa.quota == Limit(10) and desa.quota.for_holder("12.71.02.1001") == 10
    assert desa.ceiling.for_holder("12.71.01.1001") == 2_000_000_000
    assert desa.ceiling.for_holder("12.71.01.1002") == 1_500_000_000
    assert by_key["musrenbang_kecamatan"].criteria == (
        Criterion("a", "A", Decimal("0.1"), 5), Criterion("b", "B", Decimal("2.5"), 3))


@pytest.mark.parametrize("changes, field, words", [
    ({"kind": "musrenbang_kota"}, "kind", "unknown kind 'musrenbang_kota'"),
    ({"closes": date(2026, 2, 1), "opens": date(2026, 2, 3)}, "closes", "before it opens"),
    ({"next": "musrenbang_kota"}, "next", "unknown stage \"musrenbang_kota\""),
    ({"next": "rembuk_warga"}, "next", "comes before this one"),
    ({"next": "pokir"}, "next", "takes no proposals"),
    ({"decisions": ["diterima", "dana_desa"]}, "decisions",
     "'dana_desa' is not a decision available at a 'musrenbang_kecamatan' stage"),
    ({"decisions": ["ditolak"]}, "decisions", "no decision lets a proposal go up"),
    ({"criteria": [{"key": "x", "name": "X", "weight": 0}]}, "criteria",
     "weight of \"x\" must be a positive number"),
    ({"criteria": [{"key": "x", "name": "X", "weight": -2}]}, "criteria", "positive number"),
    ({"criteria": [{"key": "x", "name": "X", "weight": True}]}, "criteria", "positive number"),
    ({"criteria": [{"key": "x", "weight": 1}, {"key": "x", "weight": 2}]}, "criteria",
     "listed twice"),
    ({"criteria": []}, "criteria", "non-empty list"),
    ({"ceiling": 1.5e9}, "ceiling", "whole number of rupiah"),
    ({"quota": {"default": 3, "per_unit": {}}}, "quota", "unknown key(s) per_unit"),
    ({"creators": ["dprd"]}, "creators", "'dprd' is not allowed to enter proposals"),
    ({"level": 2}, "level", "decided at level 1, not 2"),
    ({"level": "kota"}, "level", "must be one of 3"),
    ({"closes_at": date(2026, 3, 1)}, None, "unknown key(s) closes_at"),
    ({"opens": "15 Februari"}, "opens", "is not a date"),
    ({"survey": True}, "survey", "does not apply"),
    ({"key": "Musrenbang Kecamatan"}, "key", "lowercase"),
    ({"name": 5}, "name", "non-empty text"),
    ({"survey": "yes"}, "survey", "true or false"),
    ({"next": 4}, "next", "key of a later stage"),
])
def test_each_mistake_is_named_with_stage_position_key_and_field(changes, field, words):
    problems, text = _problems(_config(musrenbang_kecamatan=changes))
    assert len(problems) >= 1
    problem = problems[0]
    assert problem.index == 3 and problem.field == field
    assert words in problem.message, problem.message
    assert "[[stages]] #3" in text


def test_all_mistakes_are_reported_together():
    config = _config(rembuk_warga={"kind": "rembuk"},
                     penetapan_rkpd={"quota": 3},
                     penganggaran={"closes": date(2026, 1, 1)})
    problems, _ = _problems(config)
    assert [(p.index, p.field) for p in problems] == [(1, "kind"), (7, "quota"), (8, "closes")]
    assert problems[0].key == "rembuk_warga"


def test_duplicate_keys_and_unreachable_stages():
    config = _config()
    config[3]["key"] = "musrenbang_kecamatan"
    problems, _ = _problems(config)
    assert (problems[0].index, problems[0].field) == (4, "key")
    assert "already used by stage #3" in problems[0].message

    orphan = [s for s in _config() if s["key"] != "musrenbang_rkpd"]
    for stage in orphan:
        if stage["key"] == "forum_pd":
            stage["next"] = "penganggaran"
    problems, _ = _problems(orphan)
    assert any(p.key == "penetapan_rkpd" and "no proposal can reach" in p.message
               for p in problems)


def test_a_region_may_stop_before_the_end_of_the_cycle():
    """A region that runs only the meetings here (the rest in SIPD): the last stage keeps."""
    from eplanning_core.workflow import Actor, Cycle, ProposalState, check_send

    config = [s for s in _config() if s["kind"] in ("rembuk_warga", "musrenbang_desa")]
    del config[1]["next"]
    stages = stages_from_config(config, "Asia/Jakarta")
    assert stages[1].next is None
    region = Cycle(2027, stages, "Asia/Jakarta")
    accepted = ProposalState(1, "musrenbang_desa", "diterima", unit_code="12.71.01.1001")
    refusal = check_send(region, "musrenbang_desa", "12.71.01.1001", [accepted],
                         Actor(5, "operator", unit_code="12.71.01.1001"),
                         datetime(2026, 2, 5, 10, tzinfo=timezone(timedelta(hours=7))))
    assert refusal.rule == "stage_closed"

    config[1]["next"] = "rembuk_warga"
    assert "comes before this one" in _problems(config)[0][0].message


def test_agency_stages_need_routing_first():
    config = [s for s in _config() if s["kind"] not in ("musrenbang_kecamatan",)]
    for stage in config:
        if stage["key"] == "musrenbang_desa":
            stage["next"] = "forum_pd"
    problems, _ = _problems(config)
    assert "cannot route proposals to an agency" in problems[0].message


def test_no_stage_lets_anyone_enter_proposals():
    config = _config(**{k: {"creators": []} for k in (
        "rembuk_warga", "musrenbang_desa", "musrenbang_kecamatan", "pokir")})
    problems, _ = _problems(config)
    assert any(p.field == "creators" and "no stage lets anyone" in p.message for p in problems)


def test_bad_shapes_are_refused_clearly():
    assert "empty" in _problems([])[1]
    assert "must be a list" in _problems({"key": "x"})[1]
    assert "#1" in _problems(["rembuk_warga"])[1]
    assert "unknown time zone" in _problems(_config(), tz="Asia/Medan")[1]
    entry_outside = _config(pokir={"entry_closes": date(2026, 3, 20)})
    assert _problems(entry_outside)[0][0].field == "entry_closes"


def test_cycle_refuses_inconsistent_stages_built_by_hand():
    stages = default_stages(2027)
    with pytest.raises(ValueError):
        Cycle(2027, stages + stages[:1], "Asia/Jakarta")
    backwards = list(stages)
    backwards[2] = backwards[2].__class__(**{**backwards[2].__dict__, "next": "rembuk_warga"})
    with pytest.raises(ValueError):
        Cycle(2027, backwards, "Asia/Jakarta")


def test_cycle_lookups(cycle):
    assert cycle.name == "RKPD 2027"
    assert cycle.next_stage("musrenbang_kecamatan").key == "forum_pd"
    assert cycle.next_stage("penganggaran") is None
    assert cycle.criteria_for("forum_pd") == cycle.stage("musrenbang_kecamatan").criteria
    assert cycle.criteria_for("musrenbang_desa") == ()
    assert cycle.stage("nope") is None
    assert cycle.stage("forum_pd").closes - cycle.stage("forum_pd").opens == timedelta(days=31)
