"""Weighted scoring and ranking at the Musrenbang kecamatan."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eplanning_core.workflow import Criterion, ProposalState, fit_within, rank, score
from eplanning_core.workflow.scoring import ScoreError, max_score

CRITERIA = (Criterion("keterdesakan", "Urgency", Decimal("25"), 5),
            Criterion("kemiskinan", "Poverty", Decimal("0.35"), 5),
            Criterion("partisipasi", "Participation", Decimal("10"), 3))


def test_score_is_the_exact_weighted_sum():
    assert score(CRITERIA, {"keterdesakan": 4, "kemiskinan": 3, "partisipasi": 1}) == \
        Decimal("100") + Decimal("1.05") + Decimal("10")
    assert max_score(CRITERIA) == Decimal("125") + Decimal("1.75") + Decimal("30")


@pytest.mark.parametrize("points, field", [
    ({"keterdesakan": 4, "kemiskinan": 3}, "points[partisipasi]"),
    ({"keterdesakan": 6, "kemiskinan": 3, "partisipasi": 1}, "points[keterdesakan]"),
    ({"keterdesakan": 4, "kemiskinan": -1, "partisipasi": 1}, "points[kemiskinan]"),
    ({"keterdesakan": 4.0, "kemiskinan": 3, "partisipasi": 1}, "points[keterdesakan]"),
    ({"keterdesakan": 4, "kemiskinan": 3, "partisipasi": 1, "lain": 2}, "points[lain]"),
])
def test_points_must_fit_the_criteria(points, field):
    with pytest.raises(ScoreError) as raised:
        score(CRITERIA, points)
    assert raised.value.field == field


points = st.fixed_dictionaries({c.key: st.integers(0, c.max) for c in CRITERIA})


@settings(max_examples=150, deadline=None)
@given(points, st.sampled_from(CRITERIA))
def test_one_more_point_adds_exactly_its_weight(p, criterion):
    if p[criterion.key] == criterion.max:
        return
    more = dict(p, **{criterion.key: p[criterion.key] + 1})
    assert score(CRITERIA, more) - score(CRITERIA, p) == criterion.weight
    assert Decimal(0) <= score(CRITERIA, p) <= max_score(CRITERIA)


def _state(i, s, priority, total):
    return ProposalState(i, "musrenbang_kecamatan", score=s, priority=priority, total=total)


proposals = st.lists(
    st.tuples(st.sampled_from([None, Decimal("1"), Decimal("2.5"), Decimal("2.50"),
                               Decimal("7")]),
              st.one_of(st.none(), st.integers(1, 4)), st.integers(0, 5)),
    max_size=25).map(lambda rows: [_state(i, *row) for i, row in enumerate(rows)])


@settings(max_examples=150, deadline=None)
@given(proposals, st.randoms(use_true_random=False))
def test_ranking_ignores_input_order_and_never_ties(states, rnd):
    shuffled = list(states)
    rnd.shuffle(shuffled)
    ranked = rank(states)
    assert [s.id for s in rank(shuffled)] == [s.id for s in ranked]
    for better, worse in zip(ranked, ranked[1:]):
        if better.score is not None and worse.score is not None:
            assert better.score >= worse.score
        assert not (better.score is None and worse.score is not None)


def test_ties_fall_to_forum_priority_then_cost_then_id():
    a = _state(1, Decimal("80"), 2, 100)
    b = _state(2, Decimal("80"), 1, 900)
    c = _state(3, Decimal("80"), 1, 500)
    d = _state(4, Decimal("80"), 1, 500)
    e = _state(5, Decimal("95"), None, 1)
    f = _state(6, None, 1, 1)
    assert [s.id for s in rank([f, d, a, b, e, c])] == [5, 3, 4, 2, 1, 6]


@settings(max_examples=150, deadline=None)
@given(proposals, st.one_of(st.none(), st.integers(0, 10)),
       st.one_of(st.none(), st.integers(0, 30)))
def test_fit_within_respects_quota_and_ceiling(states, quota, ceiling):
    ranked = rank(states)
    taken, left = fit_within(ranked, quota, ceiling)
    assert sorted(s.id for s in taken + left) == sorted(s.id for s in states)
    assert quota is None or len(taken) <= quota
    assert ceiling is None or sum(s.amount for s in taken) <= ceiling
    taken_ids = {s.id for s in taken}
    spent = 0
    for s in ranked:  # every one left out had no room at its turn
        if s.id in taken_ids:
            spent += s.amount
            continue
        count_before = sum(1 for t in taken if ranked.index(t) < ranked.index(s))
        assert (quota is not None and count_before >= quota) or \
               (ceiling is not None and spent + s.amount > ceiling)


def test_a_cheaper_item_further_down_still_fits():
    big, small = _state(1, Decimal(9), 1, 80), _state(2, Decimal(5), 1, 20)
    first = _state(0, Decimal(10), 1, 70)
    taken, left = fit_within(rank([small, big, first]), quota=None, ceiling=100)
    assert [s.id for s in taken] == [0, 2] and [s.id for s in left] == [1]

