"""A stage's level is a value asked by name, parsed once from the configuration."""

import pytest

from eplanning_core.workflow import Level, default_stages


def test_each_level_says_what_it_is():
    kelurahan, pd, bappeda, dprd = Level(2), Level("pd"), Level("bappeda"), Level("dprd")
    assert (kelurahan.is_unit, kelurahan.depth, kelurahan.is_agency) == (True, 2, False)
    assert (pd.is_unit, pd.depth, pd.is_agency, pd.is_pd) == (False, None, True, True)
    assert (bappeda.is_agency, bappeda.is_bappeda, bappeda.is_member) == (True, True, False)
    assert (dprd.is_member, dprd.is_agency, dprd.depth) == (True, False, None)


@pytest.mark.parametrize("raw", [0, 4, "kota", True, None, "2"])
def test_an_unknown_level_is_refused(raw):
    with pytest.raises(ValueError):
        Level(raw)


def test_the_configured_stages_carry_levels_not_raw_values():
    levels = {stage.kind: stage.level for stage in default_stages(2027)}
    assert all(isinstance(level, Level) for level in levels.values())
    assert levels["musrenbang_kecamatan"].depth == 1 and levels["forum_pd"].is_agency
    assert levels["pokir"].is_member
